"""The notify API, under `/notify`: what the site's confirmation and unsubscribe pages call
with the signed token from an e-mail link. A bad token is a 400 whose `detail` says why
(forged, expired, for the other purpose, older than the address's last change).

`uvicorn --factory services.notify.api:main` serves it; `create_app(service)` builds it for a
service wired by whoever calls it."""

from fastapi import APIRouter, FastAPI, Response

from services.notify import subscriptions
from services.notify.bootstrap import Service, bootstrap
from services.notify.deps import TokensDep
from services.notify.models import AddressPublic, TokenCheck, TokenIn
from shared.api import SessionDep, service_app

router = APIRouter(prefix="/notify")


@router.post("/check", status_code=204)
def check(data: TokenCheck, tokens: TokensDep) -> Response:
    """204 if the token is good for its purpose: the page shows its button only then."""
    subscriptions.check(tokens=tokens, purpose=data.purpose, token=data.token)
    return Response(status_code=204)


@router.post("/confirm", response_model=AddressPublic)
def confirm(data: TokenIn, session: SessionDep, tokens: TokensDep):
    """Confirm the address the token names (double opt-in). A bounced address stays
    bounced: `consent` says so."""
    address = subscriptions.confirm(session=session, tokens=tokens, token=data.token)
    return AddressPublic.model_validate(address, from_attributes=True)


@router.post("/unsubscribe", response_model=AddressPublic)
def unsubscribe(data: TokenIn, session: SessionDep, tokens: TokensDep):
    """Send the address the token names no more e-mail, and drop what waits for it."""
    address = subscriptions.unsubscribe(session=session, tokens=tokens, token=data.token)
    return AddressPublic.model_validate(address, from_attributes=True)


def create_app(service: Service) -> FastAPI:
    """The notify API of `service` (its routes find it through their dependencies)."""
    app = service_app(service, title="Burg notify",
                      description="Reply e-mails and their subscriptions.",
                      max_body_bytes=service.settings.max_body_bytes)
    app.include_router(router)
    return app


def main() -> FastAPI:
    """The app as uvicorn's `--factory` makes it: the service on the environment's settings."""
    return create_app(bootstrap())
