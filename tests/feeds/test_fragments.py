"""In-process: a feed joined from kept fragments (services/feeds/fragments.py) is, byte for
byte, the document feedgen builds whole (services/feeds/whole.py), and strictly valid, for any
text, any number of entries, with or without a WebSub hub; kept fragments follow a changed
entry, never an old copy of it."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.feeds import fragments
from services.feeds.feed import EPOCH
from services.feeds.render import Entry, Feed, render
from services.feeds.settings import FeedsSettings
from services.feeds.whole import render_whole
from tests.feeds.strict import assert_strict
from tests.hostile_text import bounded, hostile

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
PLAIN = FeedsSettings(site_url="https://burg.example", feeds_url="https://burg.example")
HUB = FeedsSettings(site_url="https://other.example", feeds_url="https://feeds.example",
                    site_name="Other <&> \u201cSite\u201d", websub_hub="https://hub.example/")


def entry(number: int, text: str = "", *, updated: datetime = T0,
          category: tuple[str, str] | None = ("world", "World")) -> Entry:
    return Entry(id=f"tag:burg.example,2025:article-{number}", title=f"Article {number} {text}",
                 link=f"https://burg.example/a/{number}", author=f"ed {text}",
                 published=T0 + timedelta(minutes=number), updated=updated,
                 summary=f"s {text}", content_html=f"<p>{text}</p>\n<p>b</p>",
                 category=category)


def feed(entries: list[Entry], text: str = "") -> Feed:
    return Feed(path_stem="categories/world", title=f"Burg: World {text}",
                description=f"World news {text}",
                page_url="https://burg.example/categories/world", entries=entries)


def assert_as_built_whole(settings: FeedsSettings, shown: Feed,
                          updated: datetime | None = None) -> None:
    joined = render(settings, shown, updated)
    assert joined == render_whole(settings, shown, updated)
    for fmt, body in joined.items():
        assert_strict(f"categories/world.{fmt}", body)


@pytest.mark.parametrize("settings", [PLAIN, HUB], ids=["plain", "hub"])
@pytest.mark.parametrize("count", [0, 1, 2, 50])
def test_a_joined_feed_is_the_feed_built_whole(settings: FeedsSettings, count: int) -> None:
    entries = [entry(n, category=None if n % 3 else ("world", "World")) for n in range(count)]
    assert_as_built_whole(settings, feed(entries))
    assert_as_built_whole(settings, feed(entries), T0 + timedelta(days=1))


@bounded(30)
@given(texts=st.lists(hostile(2_000), min_size=1, max_size=4), title=hostile(200))
def test_any_text_joins_into_the_bytes_built_whole(texts: list[str], title: str) -> None:
    entries = [entry(n, text, category=("world", f"World {text}"))
               for n, text in enumerate(texts)]
    for settings in (PLAIN, HUB):
        assert_as_built_whole(settings, feed(entries, title))
        # the same entries again, from the kept fragments, in another order and feed
        assert_as_built_whole(settings, feed(entries[::-1], title + "!"))


def test_markup_in_text_cannot_split_an_entry_in_two() -> None:
    closing = "</item>\n</entry>\n  </channel>\n</feed>\n\u2028 ]\n}"
    shown = feed([entry(1, closing), entry(2, closing)], closing)
    assert_as_built_whole(PLAIN, shown)
    assert_as_built_whole(HUB, shown)


def test_a_changed_entry_is_rendered_anew_and_a_new_one_alone() -> None:
    older = [entry(n, "kept") for n in range(5)]
    render(PLAIN, feed(older))
    made: list[int] = []
    original = fragments._make

    def counting(settings: FeedsSettings, entries: list[Entry]) -> list[fragments.Fragments]:
        made.append(len(entries))
        return original(settings, entries)

    fragments._make = counting  # type: ignore[assignment]
    try:
        edited = entry(2, "kept", updated=T0 + timedelta(hours=1))
        newest = entry(9, "new")
        shown = feed([newest, *older[:2], edited, *older[3:]])
        assert render(PLAIN, shown) == render_whole(PLAIN, shown)
    finally:
        fragments._make = original  # type: ignore[assignment]
    assert made == [2]  # the new entry and the edited one, in one document; the rest kept


@pytest.mark.parametrize("settings", [PLAIN, HUB], ids=["plain", "hub"])
def test_a_frame_made_once_says_each_renders_time_and_only_there(settings: FeedsSettings) -> None:
    # The frame is made at EPOCH and given each render's time: a title that reads like the
    # element holding EPOCH keeps its text.
    epoch = ("<updated>2025-01-01T00:00:00+00:00</updated> "
             "<lastBuildDate>Wed, 01 Jan 2025 00:00:00 +0000</lastBuildDate>")
    for moment in (EPOCH, T0, T0 + timedelta(seconds=1), T0 + timedelta(days=400)):
        assert_as_built_whole(settings, feed([entry(1)], epoch), moment)
        assert_as_built_whole(settings, feed([], epoch), moment)
