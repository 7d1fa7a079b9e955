"""The archive by date: the published articles of a year, a month or a day (in UTC), with the
nearest periods before and after that have articles, and counts per month, day and year.

Everything is a range of `published_at` (start inclusive, end exclusive) compared with aware
UTC moments, and counts are sums of CASE expressions over such ranges: the same SQL on SQLite
and PostgreSQL, whatever the database session's time zone (no strftime, no EXTRACT)."""

import calendar
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func
from sqlalchemy import select as sql_select
from sqlmodel import Session, col, select

from services.posts.browsing import pages_for
from services.posts.models import ArchivePublic, Article, ArticleStatus, Period, PeriodCount
from services.posts.reading import to_public
from services.posts.settings import PostsSettings
from shared.errors import Invalid, NotFound

MAX_YEARS = 200  # years counted for the list of years (the newest ones, were there more)
PUBLISHED = col(Article.status) == ArticleStatus.published
AT = col(Article.published_at)


def period_of(year: str, month: str | None = None, day: str | None = None) -> Period:
    """The period the digits name; Invalid (422) for a year 0, a month 13, a 30 February."""
    y, m, d = int(year), int(month) if month else None, int(day) if day else None
    if not 1 <= y <= 9999:
        raise Invalid(f"year: {year} is not a year of the archive (1 to 9999)")
    if m is not None and not 1 <= m <= 12:
        raise Invalid(f"month: {month} is not a month (01 to 12)")
    if m is not None and d is not None and not 1 <= d <= calendar.monthrange(y, m)[1]:
        raise Invalid(f"day: {year}-{month}-{day} is not a date")
    return Period(year=y, month=m, day=d)


def bounds(period: Period) -> tuple[datetime, datetime | None]:
    """The period's first moment and the first moment after it (None after 9999)."""
    start = datetime(period.year, period.month or 1, period.day or 1, tzinfo=UTC)
    try:
        if period.day is not None:
            return start, start + timedelta(days=1)
        if period.month is not None:
            return start, (start.replace(month=period.month + 1) if period.month < 12
                           else start.replace(year=period.year + 1, month=1))
        return start, start.replace(year=period.year + 1)
    except (ValueError, OverflowError):
        return start, None


def archive_page(*, session: Session, settings: PostsSettings, period: Period, page: int,
                 limit: int) -> ArchivePublic:
    """What the archive API answers for `period`: a page of its articles and its
    surroundings (see ArchivePublic)."""
    found, total, pages = articles_of(session=session, period=period, page=page, limit=limit)
    older, newer = neighbours(session=session, period=period)
    start, end = bounds(period)
    return ArchivePublic(
        period=period, start=start, end=end, page=page, pages=pages, total=total,
        data=[to_public(session, a, settings) for a in found], older=older, newer=newer,
        parts=parts(session=session, period=period), years=years(session=session))


def articles_of(*, session: Session, period: Period, page: int,
                limit: int) -> tuple[list[Article], int, int]:
    """Page `page` of the period's articles, newest first: the articles, their total, and the
    number of pages (NotFound past the last; page 1 of an empty period is empty)."""
    start, end = bounds(period)
    where = [PUBLISHED, AT >= start] + ([AT < end] if end else [])
    total = session.exec(select(func.count()).select_from(Article).where(*where)).one()
    pages = pages_for(total, limit)
    if page > pages:
        raise NotFound(f"page {page}: this period has {pages} pages of {limit} articles")
    query = (select(Article).where(*where).order_by(AT.desc(), col(Article.id).desc())
             .offset((page - 1) * limit).limit(limit))
    return list(session.exec(query).all()), total, pages


def neighbours(*, session: Session, period: Period) -> tuple[Period | None, Period | None]:
    """The nearest period of the same kind before and after `period` with articles in it."""
    start, end = bounds(period)
    before = _moment(session, func.max(AT), AT < start)
    after = _moment(session, func.min(AT), AT >= end) if end else None
    return (_around(before, period) if before else None,
            _around(after, period) if after else None)


def parts(*, session: Session, period: Period) -> list[PeriodCount]:
    """The counts of the parts of `period`: a year's months, or the days of a month (of a
    day's month, for a day), every part listed, none left out for being empty."""
    if period.month is None:
        named = [Period(year=period.year, month=m) for m in range(1, 13)]
    else:
        days = calendar.monthrange(period.year, period.month)[1]
        named = [Period(year=period.year, month=period.month, day=d) for d in range(1, days + 1)]
    return [PeriodCount(count=n, **p.model_dump())
            for p, n in zip(named, _counts(session, [bounds(p) for p in named]), strict=True)]


def years(*, session: Session) -> list[PeriodCount]:
    """Every year with published articles (the newest MAX_YEARS of them), with its count."""
    first = _moment(session, func.min(AT))
    last = _moment(session, func.max(AT))
    if first is None or last is None:
        return []
    named = [Period(year=y) for y in range(max(first.year, last.year - MAX_YEARS + 1),
                                           last.year + 1)]
    counted = zip(named, _counts(session, [bounds(p) for p in named]), strict=True)
    return [PeriodCount(count=n, year=p.year) for p, n in counted if n]


def _counts(session: Session, ranges: list[tuple[datetime, datetime | None]]) -> list[int]:
    """How many published articles fall in each range, in one query."""
    def within(start: datetime, end: datetime | None) -> Any:
        return and_(AT >= start, AT < end) if end else AT >= start

    sums = [func.coalesce(func.sum(case((within(*r), 1), else_=0)), 0) for r in ranges]
    first, last = ranges[0][0], ranges[-1][1]
    query = sql_select(*sums).where(PUBLISHED, within(first, last))
    return [int(n) for n in session.connection().execute(query).one()]


def _moment(session: Session, aggregate: Any, *where: Any) -> datetime | None:
    moment: datetime | None = session.exec(select(aggregate).where(PUBLISHED, *where)).one()
    return moment.astimezone(UTC) if moment else None


def _around(moment: datetime, like: Period) -> Period:
    """The period of the same kind as `like` that holds `moment`."""
    return Period(year=moment.year, month=moment.month if like.month else None,
                  day=moment.day if like.day else None)
