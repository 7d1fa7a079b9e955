// The comment form's helpers: the toolbar (each button wraps the selection in its tag), the
// live preview, and the nic helpers. The form works without any of this.
(function () {
  "use strict";
  var form = document.getElementById("comment-form");
  if (!form) return;
  var body = form.querySelector("textarea[name=body]");
  var nic = form.querySelector("input[name=nic]");
  var preview = document.getElementById("preview");

  function wrap(open, close) {
    var start = body.selectionStart, end = body.selectionEnd, text = body.value;
    var chosen = text.slice(start, end);
    body.value = text.slice(0, start) + open + chosen + close + text.slice(end);
    body.focus();
    body.setSelectionRange(start + open.length, start + open.length + chosen.length);
    body.dispatchEvent(new Event("input"));
  }

  function bullets() {
    var start = body.selectionStart, end = body.selectionEnd, text = body.value;
    var lines = text.slice(start, end).split("\n").map(function (line) {
      return line.indexOf("[*]") === 0 ? line : "[*] " + line;
    }).join("\n");
    body.value = text.slice(0, start) + lines + text.slice(end);
    body.focus();
    body.setSelectionRange(start, start + lines.length);
    body.dispatchEvent(new Event("input"));
  }

  form.querySelectorAll(".toolbar button").forEach(function (button) {
    button.addEventListener("click", function () {
      var tag = button.dataset.tag;
      if (tag === "*") return bullets();
      if (tag === "url") {
        var chosen = body.value.slice(body.selectionStart, body.selectionEnd);
        if (!/^https?:\/\//.test(chosen)) {
          var address = window.prompt("Link to (https://…)", "https://");
          if (!address) return;
          return wrap("[url=" + address + "]", "[/url]");
        }
      }
      wrap("[" + tag + "]", "[/" + tag + "]");
    });
  });
  form.querySelector(".toolbar").hidden = false;

  var timer = null, asked = 0;
  body.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var mine = ++asked;  // answers can come back out of order: only the last one counts
      if (!body.value.trim()) { preview.innerHTML = ""; return; }
      // The form's CSRF token goes along: the site previews for its own pages only.
      fetch("/preview", {method: "POST", body: JSON.stringify({body: body.value}),
                         headers: {"Content-Type": "application/json",
                                   "X-CSRF-Token": form.elements.csrf.value}})
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (r) {
          if (r && mine === asked) preview.innerHTML = r.body_html;  // sanitised by the service
        });
    }, 300);
  });

  var original = document.getElementById("original-nic");
  if (original) {
    original.addEventListener("click", function () { nic.value = original.dataset.nic; });
  }
  var pick = document.getElementById("pic-a-nic");
  if (pick) {
    pick.addEventListener("change", function () { if (pick.value) nic.value = pick.value; });
  }
  // A commenter's page sent with their nics shows the helpers; reader.js shows them on the
  // page every reader gets, once it knows the reader's nics.
  if (original && original.dataset.nic) {
    document.querySelectorAll(".nic-helpers").forEach(function (el) { el.hidden = false; });
  }
})();
