// What is the reader's own on an article page, which every reader gets the same: the forms'
// CSRF token (the comment form's and the Report buttons'), the commenter's count and nics,
// the Edit and Delete links beside their own comments while they may change them,
// and for an editor the Edit link and the moderation buttons. All of it comes from
// /articles/<slug>/reader, never from the page.
(function () {
  "use strict";
  var here = location.pathname + location.search + "#comments";

  function hidden(name, value) {
    var input = document.createElement("input");
    input.type = "hidden";
    input.name = name;
    input.value = value;
    return input;
  }

  function button(action, label, csrf) {
    var form = document.createElement("form");
    form.method = "post";
    form.action = action;
    form.className = "moderate";
    form.appendChild(hidden("csrf", csrf));
    form.appendChild(hidden("back", here));
    var press = document.createElement("button");
    press.type = "submit";
    press.textContent = label;
    form.appendChild(press);
    return form;
  }

  function me(mine) {
    var form = document.getElementById("comment-form");
    if (form) form.elements.csrf.value = mine.csrf;
    if (!mine.me) return;
    var count = mine.me.comment_count;
    var said = document.getElementById("me");  // above the form, or the closed notice
    if (said) {
      said.textContent = "You have commented " + count + " time" + (count === 1 ? "" : "s") + ".";
      if (!mine.me.has_recovery_code) {  // offered from the first comment on, until made
        var keep = document.createElement("a");
        keep.href = "/me/recovery";
        keep.id = "keep-nics";
        keep.textContent = "Keep your nics: get a recovery code";
        said.append(" ", keep, ".");
      }
      said.hidden = false;
    }
    if (!form) return;
    // Not into a field the reader is typing in: the nic typed would be appended to it.
    var nic = form.elements.nic;
    if (!nic.value && document.activeElement !== nic) nic.value = mine.me.original_nic;
    document.getElementById("original-nic").dataset.nic = mine.me.original_nic;
    var pick = document.getElementById("pic-a-nic");
    mine.me.nics.forEach(function (nic) {
      var option = document.createElement("option");
      option.textContent = nic;
      pick.appendChild(option);
    });
    document.querySelectorAll(".nic-helpers").forEach(function (el) { el.hidden = false; });
  }

  // The reader's own comments still in their edit window: the time left, and links to the
  // pages that edit or delete them (plain pages with forms: they work without scripts).
  function own(mine) {
    (mine.own || []).forEach(function (c) {
      var meta = document.querySelector("#comment-" + c.id + " > p.meta");
      if (!meta) return;
      var span = document.createElement("span");
      span.className = "own-controls";
      var left = c.minutes_left + " more minute" + (c.minutes_left === 1 ? "" : "s");
      span.append(" · ");
      var time = document.createElement("span");
      time.className = "time-left";
      time.textContent = (c.can_edit ? "editable" : "can be deleted") + " for " + left;
      span.appendChild(time);
      [["edit", "Edit"], ["delete", "Delete"]].forEach(function (pair) {
        if (pair[0] === "edit" && !c.can_edit) return;
        var link = document.createElement("a");
        link.href = "/comments/" + c.id + "/" + pair[0];
        link.className = pair[0] + "-own";
        link.textContent = pair[1];
        span.append(" · ", link);
      });
      meta.appendChild(span);
    });
  }

  function editor(mine) {
    if (!mine.editor) return;
    var edit = document.getElementById("edit-link");
    if (edit) {
      var link = document.createElement("a");
      link.href = mine.editor.edit;
      link.textContent = "Edit";
      edit.append(" · ", link);
    }
    document.querySelectorAll("#comments .comment[id^='comment-']:not(.removed)")
      .forEach(function (comment) {
        var id = comment.id.slice("comment-".length);
        comment.appendChild(button("/editor/comments/" + id + "/hide", "Hide", mine.csrf));
      });
    var held = document.getElementById("held-back");
    if (held) {
      held.innerHTML = mine.editor.held_back;  // rendered by the site, escaped there
      held.querySelectorAll("input[name=back]").forEach(function (el) { el.value = here; });
    }
  }

  fetch(location.pathname + "/reader", {credentials: "same-origin"})
    .then(function (r) { return r.ok ? r.json() : null; })
    .then(function (mine) {
      if (!mine) return;
      me(mine);
      own(mine);
      editor(mine);
      // The Report buttons carry this browser's token too (without scripts they post none).
      document.querySelectorAll("form.report").forEach(function (form) {
        form.elements.csrf.value = mine.csrf;
      });
      document.documentElement.dataset.reader = "ready";  // tests wait on it
    });
})();
