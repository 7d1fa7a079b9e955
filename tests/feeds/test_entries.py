"""Details of feed entries that readers notice, on a running Burg: a comment entry names its
article by its current title, and an Atom entry names its author once."""

from lxml import etree

from tests.comments.helpers import open_article, post
from tests.conftest import Stack, wait_for
from tests.feeds.helpers import entry_id, feed_json, shows

ATOM = "{http://www.w3.org/2005/Atom}"
DC = "{http://purl.org/dc/elements/1.1/}"


def document(stack: Stack, path: str) -> etree._Element:
    response = stack.client("feeds").get(path)
    assert response.status_code == 200, path
    return etree.fromstring(response.content, etree.XMLParser(recover=False))


def comment_title(stack: Stack, stem: str, comment_id: int) -> str | None:
    """The title of a comment's entry in the JSON Feed at `stem`, if it is there."""
    document = feed_json(stack, stem) or {"items": []}
    return next((item["title"] for item in document["items"]
                 if item["id"].endswith(f":comment-{comment_id}")), None)


def xml_titles(stack: Stack, path: str, comment_id: int) -> list[str | None]:
    """The titles of a comment's entries in an RSS or Atom document (by the entry's id)."""
    root = document(stack, path)
    if path.endswith(".rss"):
        return [item.findtext("title") for item in root.iter("item")
                if (item.findtext("guid") or "").endswith(f":comment-{comment_id}")]
    return [entry.findtext(f"{ATOM}title") for entry in root.iter(f"{ATOM}entry")
            if (entry.findtext(f"{ATOM}id") or "").endswith(f":comment-{comment_id}")]


def test_comment_entries_follow_their_articles_title(stack: Stack) -> None:
    article = open_article(stack)
    note = post(stack.client("comments"), article, "Named after the article.",
                nic="Titled")["comment"]["id"]
    stems = (f"articles/{article}/comments", "comments")
    for stem in stems:
        wait_for(lambda s=stem: comment_title(stack, s, note) == "Titled on \u201cOpen\u201d",
                 what=f"the comment in {stem}")
    stack.editor().patch(f"/articles/{article}", json={"title": "Renamed"}).raise_for_status()
    entry = "Titled on \u201cRenamed\u201d"
    for stem in stems:
        wait_for(lambda s=stem: comment_title(stack, s, note) == entry,
                 what=f"the new title in {stem}")
        # Each format is its own document, which may be read a moment after the JSON one.
        wait_for(lambda s=stem: xml_titles(stack, f"{s}.rss", note) == [entry],
                 what=f"the new title in {stem}.rss")
        wait_for(lambda s=stem: xml_titles(stack, f"{s}.atom", note) == [entry],
                 what=f"the new title in {stem}.atom")
    wait_for(lambda: document(stack, f"articles/{article}/comments.atom")
             .findtext(f"{ATOM}title") == "Comments on \u201cRenamed\u201d",
             what="the comment feed's own title")


def test_atom_names_each_author_once_and_rss_in_dc_creator(stack: Stack) -> None:
    article = open_article(stack)
    note = post(stack.client("comments"), article, "Who wrote this?", nic="Once Only")
    stem = f"articles/{article}/comments"
    wait_for(lambda: shows(stack, stem, entry_id(note["comment"]["id"])),
             what="the comment in its feed")
    # (In a tuple: an lxml element's truth value is its number of children, and deprecated.)
    [atom] = wait_for(lambda: (root := document(stack, f"{stem}.atom")).find(f"{ATOM}entry")
                      is not None and (root,), what="the comment in the Atom document")
    [entry] = atom.findall(f"{ATOM}entry")
    assert [name.text for name in entry.iter(f"{ATOM}name")] == ["Once Only"]
    assert not list(atom.iter(f"{DC}creator"))
    assert "purl.org/dc" not in etree.tostring(atom).decode()  # no unused namespace either
    [rss] = wait_for(lambda: (root := document(stack, f"{stem}.rss")).find("channel/item")
                     is not None and (root,), what="the comment in the RSS document")
    [item] = rss.iter("item")
    assert [creator.text for creator in item.iter(f"{DC}creator")] == ["Once Only"]
    assert item.find("author") is None  # RSS <author> is an e-mail address; none is published
