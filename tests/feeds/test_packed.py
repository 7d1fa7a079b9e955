"""In-process: a document's gzip form made from kept per-piece blocks (services/feeds/
packed.py) is one valid gzip member of exactly the document's bytes, whatever the pieces
(empty, tiny, larger than deflate's window, repeated), whether its blocks were kept or made
now; and a feed's stored gzip form is so after every render."""

import gzip
import random
import zlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.feeds import packed
from services.feeds.kept import Kept
from services.feeds.packed import gzipped
from tests.hostile_text import bounded


def unpacked(member: bytes) -> bytes:
    """The bytes of exactly one gzip member, checked as strictly as zlib checks (CRC, size,
    nothing after it)."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    body = inflater.decompress(member) + inflater.flush()
    assert inflater.eof and not inflater.unused_data
    assert gzip.decompress(member) == body
    return body


@pytest.fixture(autouse=True)
def _no_blocks_kept_between_tests(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(packed, "_blocks", Kept[tuple[bytes, ...], bytes](packed.KEPT))


def prose(seed: int, words: int) -> bytes:
    chooser = random.Random(seed)
    return " ".join(chooser.choice(["feed", "entry", "<item>", "&amp;", "\u00e9t\u00e9",
                                    "burg", "news"]) for _ in range(words)).encode()


@pytest.mark.parametrize("pieces", [
    [], [b""], [b"", b"", b""], [b"x"], [b"<rss>", b"", b"</rss>"],
    [prose(1, 20_000)],  # one piece larger than the window
    [prose(n, 3_000) for n in range(30)],  # the context reaches past the window
    [prose(7, 500)] * 12,  # the same piece again and again
], ids=["none", "empty", "empties", "byte", "with-empty", "huge", "many", "repeated"])
def test_the_gzip_form_holds_exactly_the_joined_pieces(pieces: list[bytes]) -> None:
    body = b"".join(pieces)
    assert unpacked(gzipped(pieces)) == body
    assert unpacked(gzipped(pieces)) == body  # again, from the kept blocks


@bounded(40)
@given(st.lists(st.binary(max_size=3_000), max_size=12), st.integers(0, 11))
def test_kept_blocks_make_the_same_bytes_as_new_ones(pieces: list[bytes], new: int) -> None:
    gzipped(pieces)
    # A new piece among kept ones, as a new article among the feed's others.
    changed = [*pieces[:new], b"a new entry " * 40, *pieces[new:]]
    warm = gzipped(changed)
    packed._blocks = Kept(packed.KEPT)
    assert gzipped(changed) == warm
    assert unpacked(warm) == b"".join(changed)


def test_a_piece_refers_back_into_the_ones_before_it() -> None:
    entry = prose(3, 400)
    alone = len(gzipped([entry]))
    after_itself = len(gzipped([entry, entry])) - alone
    assert after_itself < alone / 10  # the second copy is a few back-references
