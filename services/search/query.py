"""What a reader types, made safe to search for: words and "quoted phrases", every one
quoted for the index, so that nothing a reader types is ever read as an operator (FTS5's
NEAR, AND, `*`, `^`, `title:`; PostgreSQL's `|`, `!`, `<->`)."""

import re
from dataclasses import dataclass

from shared.errors import Invalid

# A word: letters and digits (of any script). Everything else separates words, as it does in
# the index's tokenizers, and is never passed on.
WORD = re.compile(r"[^\W_]+")
PHRASE = re.compile(r'"([^"]*)"')


@dataclass(frozen=True)
class Query:
    """A query as searched: its terms, each a word or a phrase (words in a row)."""

    text: str  # as the reader typed it (trimmed)
    terms: tuple[tuple[str, ...], ...]

    def fts5(self) -> str:
        """The query in SQLite FTS5's syntax: every term a quoted string, all required."""
        return " ".join('"' + " ".join(words).replace('"', '""') + '"' for words in self.terms)

    def websearch(self) -> str:
        """The query for PostgreSQL's `websearch_to_tsquery`: every term in quotes, so that
        "or" and a leading "-" are words, not operators."""
        return " ".join('"' + " ".join(words) + '"' for words in self.terms)


def parse(text: str, *, max_chars: int, max_words: int) -> Query:
    """The words and phrases of `text`; Invalid (422) if it is too long, has too many words,
    or none at all. An unbalanced quote is taken as a space."""
    if len(text) > max_chars:
        raise Invalid(f"q: a search is at most {max_chars} characters")
    terms: list[tuple[str, ...]] = []
    rest = PHRASE.sub(lambda m: _phrase(m.group(1), terms), text)
    terms += [(word,) for word in WORD.findall(rest)]
    if not terms:
        raise Invalid("q: give at least one word to search for")
    if sum(len(words) for words in terms) > max_words:
        raise Invalid(f"q: a search is at most {max_words} words")
    return Query(text=text.strip(), terms=tuple(terms))


def _phrase(inside: str, terms: list[tuple[str, ...]]) -> str:
    if words := tuple(WORD.findall(inside)):
        terms.append(words)
    return " "
