"""The site's own words for what the APIs refuse.

An API names a problem for programs ("body: Value error, email: an address is needed…",
"cursor: not a cursor this API handed out"). A page says it to a person: one sentence beside
each field concerned, a sentence at the top of the form, and a plain page for an address
that leads nowhere. Every such sentence is here, so the site speaks in one voice; an answer
this module does not know gets a general sentence, never the API's words."""

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from services.web.apis import UNREACHABLE, ServiceError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Refusal:
    """Why a form was not accepted: `summary` for the top of the form, and a sentence per
    field concerned (the field's name → the sentence shown beside it)."""

    summary: str
    fields: dict[str, str] = field(default_factory=dict)


# What a problem is about, from the validation error's type and message.
EMPTY, LONG, CHARACTERS, LINKS, NEEDED, TAKEN, OTHER = (
    "empty", "long", "characters", "links", "needed", "taken", "other")

COMMENT_FIELDS: dict[str, dict[str, str]] = {
    "nic": {EMPTY: "Please give a name to post under.",
            LONG: "Your name is too long{at_most}.",
            CHARACTERS: "Your name must be one line, without special characters.",
            TAKEN: "This name belongs to another commenter. Please choose another one.",
            OTHER: "Please check your name."},
    "body": {EMPTY: "Please write your comment.",
             LONG: "Your comment is too long{at_most}.",
             CHARACTERS: "Your comment holds characters that cannot be shown. Please remove "
                         "them.",
             LINKS: "Your comment has too many links or pictures{at_most}.",
             OTHER: "Please check your comment."},
    "email": {NEEDED: "To get e-mail about replies, please give your e-mail address.",
              OTHER: "This does not look like an e-mail address. Please check it."},
    "website": {OTHER: "The website must be a whole address starting with http:// or "
                       "https://."},
}

ARTICLE_FIELDS: dict[str, dict[str, str]] = {
    "title": {EMPTY: "Give the article a title.",
              LONG: "The title is too long{at_most}.",
              CHARACTERS: "The title must be one line, without special characters.",
              OTHER: "Please check the title."},
    "category": {OTHER: "Choose one of the categories."},
    "dateline": {OTHER: "The date must be a day, as 2026-11-28."},
    "dateline_place": {LONG: "The dateline's place is too long{at_most}.",
                       CHARACTERS: "The dateline's place must be one line, without special "
                                   "characters.",
                       OTHER: "Please check the dateline's place."},
    "comments_close_at": {OTHER: "The closing time must be a day and a time (UTC)."},
    "source_name": {LONG: "The source's name is too long{at_most}.",
                    CHARACTERS: "The source's name must be one line, without special "
                                "characters.",
                    OTHER: "Please check the source's name."},
    "source_url": {OTHER: "The source link must be a whole address starting with http:// "
                          "or https://."},
    "source_note": {LONG: "The source note is too long{at_most}.",
                    CHARACTERS: "The source note must be one line, without special "
                                "characters.",
                    OTHER: "Please check the source note."},
    "body": {EMPTY: "Write the article's text.",
             LONG: "The text is too long{at_most}.",
             CHARACTERS: "The text holds characters that cannot be shown. Please remove them.",
             OTHER: "Please check the text."},
}


def comment_refusal(exc: ServiceError) -> Refusal:
    """The comment form's sentences for what the comments service answered."""
    detail = exc.detail.lower()
    if exc.status == 409 and "nic" in detail:
        return _with_fields("Your comment was not posted.", {"nic": COMMENT_FIELDS["nic"][TAKEN]})
    if exc.status == 413:
        return _with_fields("Your comment was not posted.",
                            {"body": COMMENT_FIELDS["body"][LONG].format(at_most="")})
    if exc.status == 422:
        fields = _fields(exc, COMMENT_FIELDS)
        if fields:
            return _with_fields("Your comment was not posted.", fields)
        if "homepage" in detail:  # the field people never see: what a bot fills in
            return Refusal("Your comment was not posted: the form came back filled in as a "
                           "program fills it. If you are a person, please post it again.")
    if exc.status == 403:
        if "closed" in detail:
            return Refusal("Sorry. Comments have been closed on this article.")
        if "banned" in detail:
            return Refusal("Your comment was not posted: you can no longer comment here.")
    if exc.status == 404:
        if "reply to" in detail:
            return Refusal("Your reply was not posted: the comment you answer is not there "
                           "any more. You can still post it as a comment of its own.")
        return Refusal("Your comment was not posted: this article takes no comments yet. "
                       "Please try again in a minute.")
    if exc.status == 401:
        return Refusal("Your comment was not posted: this browser's commenter key is no "
                       "longer valid. Post it again to get a new one.")
    return Refusal(_general(exc, "Your comment was not posted. Please check it and post "
                                 "it again."))


def article_refusal(exc: ServiceError) -> Refusal:
    """The editor's article form's sentences for what the posts service answered."""
    detail = exc.detail.lower()
    if exc.status == 404 and "category" in detail:
        return _with_fields("The article was not saved.",
                            {"category": ARTICLE_FIELDS["category"][OTHER]})
    if exc.status == 413:
        return _with_fields("The article was not saved.",
                            {"body": ARTICLE_FIELDS["body"][LONG].format(at_most="")})
    if exc.status == 422:
        fields = _fields(exc, ARTICLE_FIELDS)
        if fields:
            return _with_fields("The article was not saved.", fields)
    if exc.status == 409:
        if "retracted" in detail:
            return Refusal("This article was retracted: it cannot be changed or published "
                           "again.")
        if "draft" in detail or "published article" in detail:
            return Refusal("That can only be done to a published article.")
        return Refusal("Another change came first. Please press the button again.")
    if exc.status == 401:
        return Refusal("Your editor token is no longer valid. Please sign in again.")
    return Refusal(_general(exc, "The article was not saved. Please check it and try again."))


CATEGORY_FIELDS: dict[str, dict[str, str]] = {
    "name": {EMPTY: "Give the category a name.",
             LONG: "The name is too long{at_most}.",
             CHARACTERS: "The name must be one line, without special characters.",
             TAKEN: "There is a category of this name already. Choose another name.",
             OTHER: "Please check the name."},
    "description": {LONG: "The description is too long{at_most}.",
                    CHARACTERS: "The description holds characters that cannot be shown.",
                    OTHER: "Please check the description."},
}


def category_refusal(exc: ServiceError) -> Refusal:
    """The categories page's sentences for what the posts service answered."""
    if exc.status == 409:
        return _with_fields("The category was not saved.",
                            {"name": CATEGORY_FIELDS["name"][TAKEN]})
    if exc.status == 422:
        fields = _fields(exc, CATEGORY_FIELDS)
        if fields:
            return _with_fields("The category was not saved.", fields)
    if exc.status == 404:
        return Refusal("This category is not there any more. Reload the page.")
    if exc.status == 401:
        return Refusal("Your editor token is no longer valid. Please sign in again.")
    return Refusal(_general(exc, "The category was not saved. Please check it and try again."))


def page_problem(exc: ServiceError) -> tuple[int, str]:
    """The status and sentence of a page a service could not fill (a GET, or a button)."""
    if exc.status == 404:
        return 404, "There is no such page."
    if exc.status in (400, 422):
        # A damaged or hand-made address (a cursor we never gave out, say).
        return 400, ("This address does not lead to a page: part of it was cut or changed. "
                     "Start again from the first page.")
    if exc.status == 401:
        return 401, "Please sign in again: your editor token is no longer valid."
    if exc.status == 403:
        return 403, "That is not allowed."
    if exc.status == 409:
        return 409, "That cannot be done now: something changed meanwhile. Reload the page."
    return (502 if exc.status >= 500 else exc.status), _general(
        exc, "Something went wrong. Please try again.")


LINK_PROBLEMS = (  # words in the notify service's answer → the page's sentence
    ("expired", "This link has expired. Ask for e-mail again to get a new one."),
    ("older than", "This link is older than the last change to your address. Use the link "
                   "in the newest e-mail."),
    ("copied in full", "This link is not valid. Was all of it copied from the e-mail?"),
    ("any more", "This link is not valid any more."),
)


def link_problem(exc: ServiceError) -> str:
    """The sentence for an e-mail link the notify service refused."""
    detail = exc.detail.lower()
    if exc.status == 400:
        for words, sentence in LINK_PROBLEMS:
            if words in detail:
                return sentence
    return ("This link does not work. Copy all of it from the e-mail, or ask for e-mail "
            "again.")


def _with_fields(summary: str, fields: dict[str, str]) -> Refusal:
    count = len(fields)
    more = "Please see the field marked below." if count == 1 else (
        f"Please see the {count} fields marked below.")
    return Refusal(f"{summary} {more}", fields)


def _general(exc: ServiceError, sentence: str) -> str:
    if exc.status == 429:
        # Limits differ (comments per minute, requests for e-mail per hour): say this one's.
        wait = exc.retry_after or 60
        when = f"{-(-wait // 60)} minutes" if wait > 90 else f"{wait} seconds"
        return f"You are going too fast. Please wait {when}, then try again."
    if exc.status >= 500:
        return UNREACHABLE
    log.info("no sentence for a %s answer: %s", exc.status, exc.detail)
    return sentence


def _fields(exc: ServiceError, table: dict[str, dict[str, str]]) -> dict[str, str]:
    """A sentence for each field of `table` the answer names (the first problem of each)."""
    fields: dict[str, str] = {}
    for name, kind, number in _problems(exc):
        if name in table and name not in fields:
            sentences = table[name]
            sentence = sentences.get(kind) or sentences[OTHER]
            fields[name] = sentence.format(
                at_most=f" (at most {int(number):,} characters)" if number and kind == LONG
                else f" (at most {number})" if number else "")
    return fields


def _problems(exc: ServiceError) -> Iterator[tuple[str, str, str | None]]:
    """(field, kind of problem, the limit it names) for each problem in the answer: from
    the structured list of a validation error, else from `detail` ("field: what")."""
    listed = [(e.get("loc") or [], str(e.get("type", "")), str(e.get("msg", "")))
              for e in exc.errors if isinstance(e, dict)]
    if not listed:
        listed = [([], "", part) for part in exc.detail.split("; ")]
    for loc, type_, message in listed:
        # FastAPI's `loc` starts with where the value was ("body", "query"…), then its name.
        where = 1 if loc and loc[0] in ("body", "query", "path", "header", "cookie") else 0
        names = [str(part) for part in loc[where:]]
        # A check of the whole form names its field in the message ("email: an address…").
        message = re.sub(r"^(Value|Assertion) error, ", "", message)
        named = re.match(r"^(\w+): (.*)$", message, re.DOTALL)
        if named and not names:
            names, message = [named.group(1)], named.group(2)
        limit = re.search(r"at most ([\d,]+)", message)
        yield (names[0] if names else "", _kind(type_, message),
               limit.group(1).replace(",", "") if limit else None)


def _kind(type_: str, message: str) -> str:
    words = message.lower()
    if "address is needed" in words:
        return NEEDED
    if "link" in words and "at most" in words:
        return LINKS
    if type_ in ("missing", "string_too_short") or "blank" in words:
        return EMPTY
    if type_ == "string_too_long" or "too long" in words or "at most" in words:
        return LONG
    if "character" in words or "one line" in words:
        return CHARACTERS
    return OTHER
