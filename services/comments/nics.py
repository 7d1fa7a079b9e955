"""When two nics are the same nic: compared as RFC 8266 prescribes, and by how they look.

A nic is refused if it holds an invisible or direction-control character (a zero-width space,
a soft hyphen, a direction mark…), or anything else the PRECIS Nickname profile (RFC 8266)
disallows. Its comparison keys (`NicKeys`):

- `key`: the RFC 8266 comparison form: spaces mapped and collapsed, NFKC (so fullwidth and
  mathematical letters are the plain ones), Unicode default case folding. "ADMIN", "admin"
  in fullwidth letters and in mathematical bold are all "admin".
- `skeleton`: the Unicode TR39 skeleton of that key: each character replaced by the prototype
  of its confusables class, so "admin" with a Cyrillic "a", and "ADMIN" with a Greek Alpha
  and Iota (case-folded to alpha and iota), are "admin" again ("m" becomes "rn", as TR39 has
  it).
- `skeleton_cased`: the skeleton of the nic as typed, case-folded afterwards: capitals that
  pass for other capitals ("HAL" with a Cyrillic En and A) are caught too.

Two nics are the same nic when any of their keys are equal. Skeletons are never shown: they
are keys, "a hodgepodge of scripts" (TR39).
"""

import json
import unicodedata
from functools import cache, lru_cache
from importlib import resources
from typing import NamedTuple

from precis_i18n import get_profile

MAX_KEY = 40  # characters of the comparison form (what the table's key column holds)
MAX_SKELETON = 160  # skeletons can be longer ("m" is "rn")

_ENFORCE = get_profile("NicknameCasePreserved")
_COMPARE = get_profile("NicknameCaseMapped:CaseFold")
# Characters that show nothing (or turn the text around) yet are not format characters (Cf),
# which are all refused: the Unicode default-ignorable ones of other categories, and blanks.
_INVISIBLE = frozenset(
    "\u034f\u115f\u1160\u17b4\u17b5\u180b\u180c\u180d\u180f\u2800\u3164\uffa0"
    + "".join(map(chr, range(0xFE00, 0xFE10)))
    + "".join(map(chr, range(0xE0100, 0xE01F0))))
# Emoji presentation selectors: what a phone keyboard puts after "❤"; kept when they follow a
# symbol (they change its colour, not what it is), and left out of the keys.
_PRESENTATION = "\ufe0e\ufe0f"


class NicKeys(NamedTuple):
    key: str
    skeleton: str
    skeleton_cased: str


@lru_cache(maxsize=4096)  # validation and the claim both ask, for the same nic
def nic_keys(nic: str) -> NicKeys:
    """The comparison keys of `nic`; ValueError saying what is wrong with a nic that holds an
    invisible or direction-control character, or that RFC 8266 does not allow."""
    _refuse_invisible(nic)
    plain = _without_presentation(nic)
    try:
        key = _COMPARE.enforce(plain)
        cased = _ENFORCE.enforce(plain)
    except UnicodeEncodeError as exc:
        raise ValueError(_why(exc, plain)) from None
    if len(key) > MAX_KEY:
        raise ValueError(f"is too long once normalised (at most {MAX_KEY} characters, "
                         f"not {len(key)})")
    keys = NicKeys(key, skeleton(key), skeleton(cased).casefold())
    if max(len(keys.skeleton), len(keys.skeleton_cased)) > MAX_SKELETON:
        raise ValueError("is too long once normalised")
    return keys


@lru_cache(maxsize=4096)
def stored_nic_keys(nic: str) -> NicKeys:
    """The keys of a nic that was not checked by these rules (a nic stored before them, an
    editor's, one typed to look a nic up): its invisible characters left out, and if RFC 8266
    still refuses it, compared case-folded."""
    visible = "".join(c for c in nic if not _is_invisible(c))
    try:
        return nic_keys(visible)
    except ValueError:
        folded = unicodedata.normalize("NFKC", visible).casefold().strip() or nic.casefold()
        return NicKeys(folded[:MAX_KEY], skeleton(folded)[:MAX_SKELETON],
                       skeleton(visible).casefold()[:MAX_SKELETON])


def skeleton(text: str) -> str:
    """The TR39 skeleton of `text`: NFD, each character replaced by its prototype, NFD."""
    prototypes = _prototypes()
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFD", "".join(prototypes.get(c, c) for c in decomposed))


@cache
def _prototypes() -> dict[str, str]:
    """Each confusable character's prototype, from Unicode's confusables.txt as the
    confusable-homoglyphs package ships it.

    That package keeps each line of the file (`source → prototype`) as a pair in both
    directions, sources first, and wraps right-to-left characters in U+200E marks. Every
    class is a star: a prototype and its sources. A prototype is the middle of its star: the
    member confusable with all others; a class of two is one line, its source first; a
    sequence ("rn") is always the prototype.
    """
    path = resources.files("confusable_homoglyphs") / "confusables.json"
    table: dict[str, list[dict[str, str]]] = json.loads(path.read_text(encoding="utf-8"))
    pairs = {k.replace("\u200e", ""): [e["c"].replace("\u200e", "") for e in entries]
             for k, entries in table.items()}
    prototypes: dict[str, str] = {}
    seen: set[str] = set()
    for source, others in pairs.items():
        seen.add(source)
        if len(source) != 1 or len(others) != 1:
            continue  # a sequence, or the prototype of several
        target = others[0]
        if len(pairs.get(target, ())) > 1 or target not in seen:
            prototypes[source] = target
    return prototypes


def _refuse_invisible(nic: str) -> None:
    for place, char in enumerate(nic):
        if _is_invisible(char) and not (
                char in _PRESENTATION and place and unicodedata.category(nic[place - 1]) == "So"):
            raise ValueError(f"must not contain U+{ord(char):04X} (character {place + 1}): an "
                             "invisible or direction-control character lets one nic pass for "
                             "another")


def _is_invisible(char: str) -> bool:
    return unicodedata.category(char) == "Cf" or char in _INVISIBLE


def _without_presentation(nic: str) -> str:
    return nic.translate({ord(c): None for c in _PRESENTATION})


def _why(exc: UnicodeEncodeError, nic: str) -> str:
    reason = str(exc.reason).removeprefix("DISALLOWED/")
    if reason == "empty":
        return "must not be blank"
    where = exc.object if isinstance(exc.object, str) else nic
    if exc.start < exc.end <= len(where):
        char = where[exc.start]
        name = unicodedata.name(char, "").lower()
        return (f"must not contain U+{ord(char):04X}{', ' + name if name else ''} (character "
                f"{exc.start + 1}): RFC 8266 nicknames do not allow it ({reason})")
    return f"is not a nickname RFC 8266 allows ({reason})"
