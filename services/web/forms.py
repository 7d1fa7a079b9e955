"""Posted forms and their CSRF protection, the same on every page.

Double submit: a page with a form sets a random token in the `burg_csrf` cookie (HttpOnly,
SameSite=Lax) and in the form's hidden `csrf` field; a POST whose field does not match the
cookie is refused. Another site can make a browser POST, but can neither read nor set the
cookie."""

import secrets

from fastapi import Request, Response

CSRF_COOKIE = "burg_csrf"


async def posted(request: Request) -> dict[str, str]:
    """The posted form (urlencoded or multipart), first value of each text field."""
    fields: dict[str, str] = {}
    for name, value in (await request.form(max_files=0)).multi_items():
        if isinstance(value, str):
            fields.setdefault(name, value)
    return fields


def csrf_ok(request: Request, form: dict[str, str]) -> bool:
    """Whether the form's CSRF field matches the cookie."""
    return secrets.compare_digest(form.get("csrf", ""), request.cookies.get(CSRF_COOKIE, "x"))


def csrf_token(request: Request) -> str:
    """The token for the page's forms: the cookie's, or a new one."""
    return request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(24)


def keep_csrf(response: Response, token: str, *, secure: bool) -> Response:
    """Set (or renew) the cookie a page's forms are checked against."""
    response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="lax", secure=secure)
    return response
