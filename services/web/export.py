"""The site's public data in one file, to move to another site or keep as a backup: every
category, published article and public comment (with its threading) and the nics, as one
JSON document or as a WordPress WXR file (`wxr.py`), which Burg's own imports read back.

Both are written as the services' exports are read (`export_source.py`), piece by piece, so
a site of any size streams out in little memory. The desk offers them at `/editor/export`
(`export_pages.py`); for a backup from cron, the same from the command line:

    python -m services.web.export --format wxr --token TOKEN > burg.xml
    BURG_EDITOR_TOKEN=TOKEN python -m services.web.export --format json > burg.json

The JSON document:

    {"burg_export": 1, "site": {"url": …}, "exported_at": …,
     "categories": [{"slug", "name", "description"}, …],
     "articles": [{…the article, "body" (markup) and "body_html",
                   "comments": [{"id", "parent_id", "number", "nic", "website", "body",
                                 "body_html", "created_at", "edited_at", "removed"}, …]}, …],
     "nics": [{"nic", "first_used_at"}, …]}

A comment with `removed` is a placeholder: taken down, kept (without nic or text) because a
public reply hangs below it."""

import argparse
import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import UTC, datetime
from typing import BinaryIO
from urllib.parse import urlsplit

from services.web import wxr
from services.web.apis import Apis, ServiceError
from services.web.export_source import Export, ExportCut, open_export
from services.web.settings import WebSettings

FORMATS = {"json": ("application/json", "json"), "wxr": ("application/rss+xml", "xml")}
VERSION = 1  # of the JSON document's shape


async def json_document(export: Export, site_url: str, now: datetime) -> AsyncIterator[str]:
    """The export as one JSON document, in pieces."""
    yield (f'{{"burg_export":{VERSION},"site":{_json({"url": site_url})},'
           f'"exported_at":{_json(now.isoformat())},\n"categories":[')
    yield ",".join(_json(category) for category in export.categories)
    yield '],\n"articles":['
    first = True
    async for article in export.articles():
        yield ("\n" if first else ",\n") + _json(article)
        first = False
    yield '],\n"nics":['
    first = True
    async for nic in export.nics():
        yield ("\n" if first else ",\n") + _json(nic)
        first = False
    yield "]}\n"


async def wxr_document(export: Export, site_url: str, now: datetime) -> AsyncIterator[str]:
    """The export as a WordPress WXR file, in pieces (the nics are in its comments)."""
    yield wxr.head(site_url=site_url, title=urlsplit(site_url).netloc or site_url,
                   exported_at=now, authors=export.authors, categories=export.categories)
    names = {category["slug"]: category["name"] for category in export.categories}
    async for article in export.articles():
        yield wxr.item(article, names, now)
    async for _nic in export.nics():  # read to its end: a stream cut short is an error
        pass
    yield wxr.TAIL


WRITERS = {"json": json_document, "wxr": wxr_document}


def filename(format_: str, now: datetime) -> str:
    """The dated name a download is saved under: `burg-export-2026-11-28.xml`."""
    return f"burg-export-{now:%Y-%m-%d}.{FORMATS[format_][1]}"


async def write(format_: str, apis: Apis, token: str, site_url: str, out: BinaryIO) -> None:
    """The export in `format_`, written to `out` as it comes (the command line's)."""
    async with AsyncExitStack() as stack:
        export = await open_export(apis, token, stack)
        async for piece in WRITERS[format_](export, site_url, datetime.now(UTC)):
            out.write(piece.encode())


def _json(value: object) -> str:
    # ASCII, with escapes: any text the APIs gave comes back exactly, a lone surrogate too.
    return json.dumps(value, separators=(",", ":"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m services.web.export",
        description="Write the site's public data (categories, articles, comments, nics) to "
                    "standard output, as WordPress WXR or one JSON document.")
    parser.add_argument("--format", choices=sorted(FORMATS), default="wxr")
    parser.add_argument("--token", help="an editor's API token (else $BURG_EDITOR_TOKEN)")
    args = parser.parse_args(argv)
    token = args.token or os.environ.get("BURG_EDITOR_TOKEN", "")
    if not token:
        parser.error("an editor's token is needed: --token, or $BURG_EDITOR_TOKEN")
    settings = WebSettings()
    apis = Apis(settings)

    async def run() -> None:
        try:
            await write(args.format, apis, token, settings.site_url, sys.stdout.buffer)
        finally:
            await apis.http.aclose()

    try:
        asyncio.run(run())
    except ServiceError as exc:
        print(f"export refused ({exc.status}): {exc.detail}", file=sys.stderr)
        return 1
    except ExportCut as exc:
        print(f"export incomplete: {exc}", file=sys.stderr)
        return 1
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
