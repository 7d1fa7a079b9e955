"""Posted forms and their CSRF protection, the same on every page.

Every page with a form sets a random browser id in a cookie (HttpOnly, SameSite=Lax; named
`__Host-burg_csrf` on an https site, so that no other host or plain-http page can plant one)
and puts a token in the form's hidden `csrf` field: a fresh nonce with an HMAC, under the
site's secret key, of that nonce and the browser id. A POST is taken only if its token was
made for the id in the cookie it carries. Another site can make a browser POST but cannot
read the page, so it has no token for that browser; a token it fetched for itself fails
with the victim's cookie; no cookie at all fails. A cross-site POST is also refused on the
browser's own word (`Sec-Fetch-Site`) before the token is looked at.

The article page is the same for every reader, so its form gets its token from
`/articles/<slug>/reader` (reader.js); a comment form posted with no token at all (no
JavaScript) passes on the browser's word that our own origin sent it (`tokenless_same_origin`).

The nonce makes each page's token different (nothing secret repeats in compressed pages
that also echo what a visitor typed), and the browser id never appears in a page."""

import hashlib
import secrets
from collections.abc import Callable, Mapping
from typing import Any

from fastapi import Request, Response
from itsdangerous import Signer

FIELD = "csrf"
HEADER = "X-CSRF-Token"  # the preview's fetch sends the form's token here
# Browsers say where a request comes from; a form of another site is "cross-site" (another
# host name) or "same-site" (another port or subdomain of ours). None of our pages posts
# across origins, so only these pass (absent: an old browser, or not a browser).
SAME_ORIGIN = {None, "same-origin", "none"}


async def posted(request: Request) -> dict[str, str]:
    """The posted form (urlencoded or multipart), first value of each text field."""
    fields: dict[str, str] = {}
    for name, value in (await request.form(max_files=0)).multi_items():
        if isinstance(value, str):
            fields.setdefault(name, value)
    return fields


class Csrf:
    """Makes and checks the forms' tokens, with the site's keys (newest last)."""

    def __init__(self, keys: list[str], *, secure: bool) -> None:
        self.secure = secure
        self.cookie = "__Host-burg_csrf" if secure else "burg_csrf"
        self._signer = Signer(keys, salt="burg.web.csrf", key_derivation="hmac",
                              digest_method=hashlib.sha256)

    def token(self, request: Request) -> str:
        """A token for the page's forms, made for the browser's id (a new id if it has
        none; `keep` then sets it)."""
        browser = self._browser(request) or secrets.token_urlsafe(32)
        request.state.csrf_browser = browser
        nonce = secrets.token_urlsafe(16)
        return f"{nonce}.{self._signature(browser, nonce)}"

    def ok(self, request: Request, token: str) -> bool:
        """Whether `token` was made by us for the browser id in the request's cookie, and
        the browser does not say the request comes from another site."""
        if request.headers.get("sec-fetch-site") not in SAME_ORIGIN:
            return False
        browser = self._browser(request)
        nonce, _, signature = token.partition(".")
        return bool(browser and nonce and signature) and self._signer.verify_signature(
            f"{browser}:{nonce}", signature)

    def form_ok(self, request: Request, form: dict[str, str]) -> bool:
        """Whether the posted form carries a good token (`ok`)."""
        return self.ok(request, form.get(FIELD, ""))

    def tokenless_same_origin(self, request: Request, form: dict[str, str]) -> bool:
        """Whether a form came without a token (a page whose script did not run) and the
        browser says our own origin sent it: browsers set `Sec-Fetch-Site` themselves, and
        no page of another site or origin can make it say `same-origin`."""
        return not form.get(FIELD) and request.headers.get("sec-fetch-site") == "same-origin"

    def keep(self, request: Request, response: Response) -> Response:
        """Set (or renew) the cookie the page's tokens were made for."""
        browser = getattr(request.state, "csrf_browser", None)
        if browser:
            response.set_cookie(self.cookie, browser, httponly=True, samesite="lax",
                                secure=self.secure, path="/")
        return response

    def _browser(self, request: Request) -> str | None:
        value = request.cookies.get(self.cookie, "")
        # Ours are 43 URL-safe characters; anything else was not set by us.
        return value if len(value) == 43 and value.replace("-", "").replace(
            "_", "").isalnum() and value.isascii() else None

    def _signature(self, browser: str, nonce: str) -> str:
        return self._signer.get_signature(f"{browser}:{nonce}").decode()


class PrivatePages:
    """The pages of a person's own form (forgetting, recovery, a report…): each kept by no
    cache (`headers`, e.g. no-store) and carrying this browser's CSRF token. `page` is the
    site's renderer; `defaults` fill what a template reads but a page does not say."""

    def __init__(self, page: Callable[..., Response], csrf: "Csrf", template: str,
                 headers: Mapping[str, str], **defaults: Any) -> None:
        self.page, self.csrf, self.template = page, csrf, template
        self.headers, self.defaults = dict(headers), defaults

    def show(self, request: Request, status: int = 200, template: str | None = None,
             **context: Any) -> Response:
        """`template` (the form's by default) with a fresh CSRF token."""
        response = self.page(request, template or self.template, status=status,
                             csrf=self.csrf.token(request), **(self.defaults | context))
        response.headers.update(self.headers)
        return self.csrf.keep(request, response)

    def sorry(self, request: Request, status: int, message: str) -> Response:
        """The error page saying `message`, kept by no cache either."""
        response = self.page(request, "error.html", status=status, message=message)
        response.headers.update(self.headers)
        return response
