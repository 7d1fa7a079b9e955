"""The pages the links in reply e-mails open: `/subscriptions/confirm?token=…` (double
opt-in) and `/subscriptions/unsubscribe?token=…`. They call the notify service's API.

A GET only shows a button (mail scanners open every link); the button's POST acts. The
unsubscribe link also takes RFC 8058's one-click POST from a mail client: the token in the
link, `List-Unsubscribe=One-Click` in the body, and no cookie, so no CSRF field; the signed
token is what allows it."""

from typing import Any

from fastapi import APIRouter, Request, Response

from services.web.apis import UNREACHABLE, Apis, ServiceError
from services.web.forms import Csrf, posted
from services.web.sentences import link_problem
from shared.errors import NotFound

ASK = {
    "confirm": ("Confirm your address",
                "Press the button to get e-mail when someone replies to your comments.",
                "Confirm"),
    "unsubscribe": ("No more e-mail?",
                    "Press the button and this address gets no more e-mail from us.",
                    "Unsubscribe"),
}
# The token is in the address bar: keep it out of Referer headers and caches.
PRIVATE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def subscriptions_router(apis: Apis, page: Any, csrf: Csrf) -> APIRouter:
    """The routes, given the site's APIs, its page renderer and its CSRF tokens."""
    router = APIRouter(prefix="/subscriptions")

    def show(request: Request, status: int = 200, **context: Any) -> Response:
        response: Response = page(request, "subscription.html", status=status, **context)
        response.headers.update(PRIVATE)
        return response

    def broken(request: Request, exc: ServiceError) -> Response:
        """Notify refused the token (400 says why; 422 means it is cut or empty), or is down."""
        if exc.status >= 500:
            return show(request, status=502, title="Please try again soon", text=UNREACHABLE)
        return show(request, status=400, title="This link does not work",
                    text=link_problem(exc))

    @router.get("/{purpose}")
    async def ask(request: Request, purpose: str, token: str = "") -> Response:
        """The page a link opens: what the button will do, and the button."""
        title, text, button = _known(purpose)
        try:
            await apis.check_token(purpose, token)
        except ServiceError as exc:
            return broken(request, exc)
        return csrf.keep(request, show(request, title=title, text=text, button=button,
                                       purpose=purpose, token=token, csrf=csrf.token(request)))

    @router.post("/{purpose}")
    async def act(request: Request, purpose: str, token: str = "") -> Response:
        """The button (or a mail client's one-click unsubscribe): confirm or unsubscribe."""
        _known(purpose)
        form = await posted(request)
        one_click = (purpose == "unsubscribe" and token
                     and form.get("List-Unsubscribe") == "One-Click")
        if not one_click:
            if not csrf.form_ok(request, form):
                return show(request, status=403, title="This form has expired",
                            text="Open the link from the e-mail again and press the button.")
            token = form.get("token", "")
        try:
            address = await apis.subscription(purpose, token)
        except ServiceError as exc:
            return broken(request, exc)
        if purpose == "unsubscribe":
            return show(request, title="Unsubscribed",
                        text=f"{address['email']} gets no more e-mail from us.")
        if address["consent"] == "bounced":
            return show(request, title="We cannot reach this address",
                        text=f"Mail to {address['email']} came back undelivered, so we send "
                             "it nothing.")
        return show(request, title="Address confirmed",
                    text=f"{address['email']} will get e-mail when someone replies to its "
                         "comments. Every e-mail has a link to stop them.")

    return router


def _known(purpose: str) -> tuple[str, str, str]:
    if purpose not in ASK:
        raise NotFound("There is no such page.")
    return ASK[purpose]
