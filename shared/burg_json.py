"""Reading Burg's own JSON export (`python -m services.web.export --format json`), for the
imports that take it back: the posts service's (categories, articles) and the comments
service's (each article's thread). Each service reads the same file with a reader of its own
(`services/posts/burg_json.py`, `services/comments/sources/burg_json.py`); what they share is
here: opening the file, checking it is a Burg export, and looking at a record's fields with
their types checked, so that a hostile value skips its record instead of raising.

The file is read whole (`json.loads`): an export of 10,000 articles and 100,000 comments
(120 MB) takes about 330 MB at the peak while it is read, which a machine that runs Burg has;
a stream parser would be a dependency for little. A number of more than MAX_DIGITS digits is read as
no number at all (`TooLong`): Python refuses to make an int of over 4,300 digits, and a
value no field takes should skip its record, not refuse the whole file.
"""

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from shared.errors import Invalid

VERSION = 1  # the `burg_export` this reads (services/web/export.py's VERSION)
MAX_DIGITS = 30
# A lone surrogate (JSON may escape one, `"\\ud800"`) is no character: no database stores it.
_SURROGATE = re.compile("[\ud800-\udfff]")


class NotBurgExport(Invalid):
    """The file cannot be read as a Burg JSON export: the reason."""


class TooLong:
    """A JSON number too long to be any id: of no type a field takes."""


def _number(digits: str) -> int | TooLong:
    return int(digits) if len(digits) <= MAX_DIGITS else TooLong()


def load(path: Path) -> dict[str, Any]:
    """The export at `path`, parsed whole; NotBurgExport (one line) if it cannot be read, is
    not JSON, or is not a Burg export of a version this reads."""
    try:
        with open(path, "rb") as stream:
            raw = stream.read()
    except OSError as exc:
        raise NotBurgExport(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise NotBurgExport(f"{path} is not JSON: not UTF-8 ({exc.reason})") from None
    del raw  # the bytes and the objects are never held at once: a third less at the peak
    try:
        document = json.loads(content, parse_int=_number)
    except (ValueError, RecursionError) as exc:  # json.JSONDecodeError is a ValueError
        raise NotBurgExport(f"{path} is not JSON: {exc}") from None
    finally:
        del content
    if not isinstance(document, dict) or "burg_export" not in document:
        raise NotBurgExport(f'{path} is not a Burg export: no "burg_export" field (write one '
                            "with python -m services.web.export --format json)")
    if document["burg_export"] != VERSION or isinstance(document["burg_export"], bool):
        raise NotBurgExport(f'{path} is a Burg export of version {document["burg_export"]!r}'
                            f"; this version of Burg reads version {VERSION}")
    for name in ("categories", "articles"):
        if not isinstance(document.get(name, []), list):
            raise NotBurgExport(f'{path} is not a Burg export: its "{name}" is not a list')
    return document


class Fields:
    """A record's fields, each read with its type checked: a missing or mistyped one raises
    BadField, whose message the summary gives as the reason the record was skipped."""

    def __init__(self, record: object, what: str) -> None:
        if not isinstance(record, dict):
            raise BadField(f"{what} is not an object")
        self.record, self.what = record, what

    def id(self, name: str = "id") -> str:
        """An id: a positive integer, as text (how imports keep source ids)."""
        value = self.record.get(name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise BadField(f'its "{name}" is not a positive integer')
        return str(value)

    def optional_id(self, name: str) -> str | None:
        return None if self.record.get(name) is None else self.id(name)

    def text(self, name: str) -> str:
        """A text, lone surrogates left out (as the import leaves out of bodies what no
        field may hold)."""
        value = self.record.get(name)
        if not isinstance(value, str):
            raise BadField(f'its "{name}" is missing or not a text')
        return _SURROGATE.sub("", value)

    def optional_text(self, name: str) -> str:
        """A text that may be null or missing (then "")."""
        value = self.record.get(name)
        if value is None:
            return ""
        if not isinstance(value, str):
            raise BadField(f'its "{name}" is not a text')
        return _SURROGATE.sub("", value)

    def moment(self, name: str) -> datetime:
        """An ISO 8601 moment with its zone (a naive one taken as UTC), in UTC."""
        found = self.optional_moment(name)
        if found is None:
            raise BadField(f'its "{name}" is missing')
        return found

    def optional_moment(self, name: str) -> datetime | None:
        value = self.record.get(name)
        if value is None:
            return None
        if not isinstance(value, str) or len(value) > 40:
            raise BadField(f'its "{name}" is not a date and time')
        try:
            moment = datetime.fromisoformat(value)
            moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
            moment = moment.astimezone(UTC)
        except (ValueError, OverflowError):
            raise BadField(f'its "{name}" is not a date and time') from None
        if not 1970 <= moment.year <= 9998:
            raise BadField(f'its "{name}" is out of range')
        return moment

    def flag(self, name: str) -> bool:
        value = self.record.get(name, False)
        if not isinstance(value, bool):
            raise BadField(f'its "{name}" is not true or false')
        return value

    def items(self, name: str) -> list[Any]:
        value = self.record.get(name, [])
        if not isinstance(value, list):
            raise BadField(f'its "{name}" is not a list')
        return value


class BadField(ValueError):
    """A field of a record is missing or of the wrong type: the record is skipped."""


def shown_id(record: object) -> str:
    """A record's id as the summary names it, whatever it holds."""
    value = record.get("id") if isinstance(record, dict) else None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return "(no id)"
