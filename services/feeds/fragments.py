"""Feed documents joined from parts made once: each entry's fragment in every format, and
each feed's frame (all it says of itself, at one time) around them.

A publish renders its category's feed and the site's, each with 49 entries it showed last
time. Built whole (whole.py), every render built all 50 entries again in feedgen, serialised
the Atom twice and, to learn whether the content changed, rendered every format twice. Here
a new entry is rendered once, in a document feedgen builds (so the bytes are feedgen's, to
the byte), and cut out of it; a render joins bytes already made."""

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

# feedgen's own date writer, through feedgen.feed: feedgen.util alone fails to import.
from feedgen.feed import formatRFC2822

from services.feeds import whole
from services.feeds.feed import EPOCH, Entry, Feed, newest_update
from services.feeds.kept import Kept
from services.feeds.settings import FeedsSettings

KEPT = 1024  # entries whose fragments are kept (an LRU): a few feeds' worth and then some
FRAMES_KEPT = 256  # feeds whose frames are kept
XML = ("rss", "atom")
# An entry's fragment is its element, indented, with its line's end. No text or attribute
# in it can hold these bytes: lxml writes `<` there as `&lt;`.
CLOSE = {"rss": b"</item>\n", "atom": b"</entry>\n"}
FRAME_END = {"rss": b"  </channel>", "atom": b"</feed>"}  # where the entries go, before it
JSON_ITEMS, JSON_END = b',\n "items": [', b"\n ]\n}"
# Where a feed's head says its time, and how feedgen writes it there.
TIME: dict[str, tuple[str, Callable[[datetime], str]]] = {
    "rss": ("lastBuildDate", formatRFC2822), "atom": ("updated", datetime.isoformat)}


@dataclass(frozen=True)
class Fragments:
    """One entry as each format writes it inside its document."""

    rss: bytes
    atom: bytes
    json: bytes


_fragments = Kept[Entry, Fragments](KEPT)
_frames = Kept[tuple[str, ...], dict[str, tuple[bytes, bytes]]](FRAMES_KEPT)


def assemble(settings: FeedsSettings, feed: Feed,
             updated: datetime | None = None) -> dict[str, bytes]:
    """The RSS 2.0, Atom 1.0 and JSON Feed 1.1 documents of `feed`, keyed by format: the bytes
    `whole.render_whole` gives, joined from kept parts. `updated` as there."""
    return {fmt: b"".join(parts) for fmt, parts in pieces(settings, feed, updated).items()}


def pieces(settings: FeedsSettings, feed: Feed,
           updated: datetime | None = None) -> dict[str, list[bytes]]:
    """Each format's document as the pieces it is joined from, in order: its head, its
    entries' fragments, its tail. The same content gives equal pieces, mostly the very
    objects kept (packed.py keeps their gzip blocks by them)."""
    parts = fragments(settings, feed.entries)
    frame = _frame(settings, feed, updated or newest_update(feed))
    documents = {}
    for fmt, (head, tail) in frame.items():
        inner = [getattr(part, fmt) for part in parts]
        if fmt == "json" and inner:  # items are kept with the comma before them
            inner[0] = inner[0].removeprefix(b",")
        elif fmt == "json":
            inner, tail = [b"]"], b"\n}"  # `"items": []`
        documents[fmt] = [head, *inner, tail]
    return documents


def fragments(settings: FeedsSettings, entries: list[Entry]) -> list[Fragments]:
    """Each entry's fragments: kept, or made now, all missing ones in one document."""
    found = {entry: _fragments.get(entry) for entry in entries}
    missing = [entry for entry, part in found.items() if part is None]
    made = dict(zip(missing, _make(settings, missing) if missing else [], strict=True))
    for entry, part in made.items():
        _fragments.put(entry, part)
    return [found[entry] or made[entry] for entry in entries]


def _make(settings: FeedsSettings, entries: list[Entry]) -> list[Fragments]:
    """The fragments of `entries`, cut from documents feedgen built with them all. The feed
    they are cut from matters not: what an entry's element holds is its own."""
    sample = Feed(path_stem="fragments", title="-", description="-",
                  page_url=settings.site_url, entries=entries)
    frame = _frame(settings, sample, EPOCH)
    cut = {fmt: _cut(whole.xml(settings, sample, fmt, EPOCH), frame[fmt], fmt) for fmt in XML}
    if any(len(pieces) != len(entries) for pieces in cut.values()):
        raise RuntimeError("feeds: a document's entries could not be cut apart")
    return [Fragments(rss=rss, atom=atom, json=_json_fragment(entry))
            for entry, rss, atom in zip(entries, cut["rss"], cut["atom"], strict=True)]


def _cut(document: bytes, frame: tuple[bytes, bytes], fmt: str) -> list[bytes]:
    """The entries' elements of `document`, whose (head, tail) is `frame`."""
    head, tail = frame
    if not (document.startswith(head) and document.endswith(tail)):
        raise RuntimeError("feeds: a document's entries could not be cut apart")
    inner = document[len(head):len(document) - len(tail)]
    return [piece + CLOSE[fmt] for piece in inner.split(CLOSE[fmt])[:-1]]


def _split(empty: bytes, fmt: str) -> tuple[bytes, bytes]:
    at = empty.rindex(FRAME_END[fmt])
    return empty[:at], empty[at:]


def _frame(settings: FeedsSettings, feed: Feed,
           updated: datetime) -> dict[str, tuple[bytes, bytes]]:
    """Each format's (head, tail): the document of `feed` with no entries, cut where they go.
    Made once per feed (keyed by all the frame shows, the settings it names included), at
    EPOCH; its time is then written in for each render (`_at`): a feed rendered anew every
    few seconds would otherwise have feedgen build two documents each time."""
    key = (settings.feeds_url, settings.site_url, settings.site_name, settings.websub_hub,
           feed.path_stem, feed.title, feed.description, feed.page_url)
    frame = _frames.get(key)
    if frame is None:
        empty = replace(feed, entries=[])
        frame = {fmt: _split(whole.xml(settings, empty, fmt, EPOCH), fmt) for fmt in XML}
        text = json.dumps(whole.json_head(settings, empty), ensure_ascii=False, indent=1)
        frame["json"] = (text.removesuffix("\n}").encode() + JSON_ITEMS, JSON_END)
        _frames.put(key, frame)
    return frame if updated == EPOCH else {
        fmt: (_at(head, fmt, updated), tail) for fmt, (head, tail) in frame.items()}


def _at(head: bytes, fmt: str, updated: datetime) -> bytes:
    """A frame's head made at EPOCH, with `updated` as its time, as feedgen writes it (the
    element is the head's only one of its name: the feed's texts are escaped)."""
    if fmt not in TIME:
        return head
    element, written = TIME[fmt]
    epoch, now = (f"<{element}>{written(when)}</{element}>".encode() for when in (EPOCH, updated))
    if head.count(epoch) != 1:
        raise RuntimeError(f"feeds: no <{element}> in a {fmt} frame to give its time")
    return head.replace(epoch, now)


def _json_fragment(entry: Entry) -> bytes:
    """An item as `json.dumps(…, indent=1)` writes it two levels down, from the comma and line
    break before it: every line of it indented two more (its strings hold no line break:
    JSON escapes them; `split`, not `splitlines`, which would break at U+2028)."""
    text = json.dumps(whole.json_item(entry), ensure_ascii=False, indent=1)
    return ("," + "".join("\n  " + line for line in text.split("\n"))).encode()
