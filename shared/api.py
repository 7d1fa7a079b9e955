"""What every service's FastAPI app shares: JSON errors, a body size cap, a health route,
paging cursors, and the route dependencies every service has (its `deps.py` adds its own)."""

import base64
import binascii
import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING, Annotated, Any, Protocol

from fastapi import Depends, FastAPI, Path, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DataError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlmodel import Session

from shared.errors import BurgError
from shared.http import DeclaredBodyLimit
from shared.observability import metrics_page
from shared.observed import TALLY, Observed, Reads
from shared.outbox import Outbox
from shared.proxies import TrustedProxies

if TYPE_CHECKING:
    from shared.runtime import Runtime

log = logging.getLogger(__name__)

# A slug as the posts service makes them (plus "-2"…); the web sends no other to an API.
SLUG = r"^[a-z0-9]+(-[a-z0-9]+)*$"
MAX_ID = 2**31 - 1  # ids are 32-bit in PostgreSQL; larger ones are simply unknown
# An id in a path: a positive number that fits the database, else 422 naming it.
Id = Annotated[int, Path(ge=1, le=MAX_ID)]


def cursor_of(position: str) -> str:
    """A paging cursor for a position in a list (text only its API reads): opaque to clients,
    and safe in a URL."""
    return base64.urlsafe_b64encode(position.encode()).decode().rstrip("=")


def position_of(cursor: str) -> str:
    """The position a cursor names ("" for one no API handed out: the caller refuses it)."""
    try:
        return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return ""


NO_TELEMETRY: Any = {"tracing": False, "metrics": False, "logs": False}
# The body of every 422 (see `_invalid` in service_app), as the OpenAPI documents show it.
VALIDATION_ERROR: dict[str, Any] = {
    "title": "HTTPValidationError", "type": "object", "required": ["detail"],
    "properties": {
        "detail": {"type": "string", "title": "Detail",
                   "description": "each invalid field and what is wrong with it, in words"},
        "errors": {"type": "array", "title": "Errors",
                   "items": {"$ref": "#/components/schemas/ValidationError"}}}}


class ObservedApp(FastAPI):
    """FastAPI whose outermost layer (`Observed`, once `observed` is set), before FastAPI's
    and Starlette's own, gives each request its id, counts it, and answers what `reads` has in
    hand; then an oversized Content-Length gets a JSON 413 (FastAPI's own `max_body_size`,
    further in, still stops bodies sent without a length)."""

    observed: tuple[str, bool] | None = None  # (service, access log) once service_app set it
    reads: Reads | None = None  # the service's reads from bytes (shared/observed.py)
    # BURG_TRUSTED_PROXIES: whose X-Forwarded-For names the client (shared/proxies.py).
    trusted_proxies: str = ""
    _outermost: Any = None

    def __init__(self, **options: Any) -> None:
        # Burg's metrics are Prometheus's (shared/observed.py). FastAPI's own OpenTelemetry
        # would look up three global providers on every request only to find them unset.
        super().__init__(**{"telemetry": NO_TELEMETRY} | options)

    def build_middleware_stack(self) -> Any:
        app: Any = super().build_middleware_stack()
        app = DeclaredBodyLimit(app, self.max_body_size) if self.max_body_size else app
        # Trusting nobody (the default) needs no layer: the peer is the client.
        return TrustedProxies(app, self.trusted_proxies) if self.trusted_proxies else app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if self._outermost is None:
            inner = super().__call__
            self._outermost = (Observed(inner, *self.observed, reads=self.reads)
                               if self.observed else inner)
        await self._outermost(scope, receive, send)


class Wired(Protocol):
    """A service as its `bootstrap()` returns it: at least its runtime."""

    runtime: "Runtime"


def service_app(service: Wired, *, title: str, description: str,
                max_body_bytes: int | None) -> ObservedApp:
    """The FastAPI app of `service`, kept in `app.state.service` where its routes'
    dependencies find it (never a module's global: each app may have a service of its own).
    Its errors are JSON `{"detail": …}`, its request bodies are capped at `max_body_bytes`
    (413; None for an app that reads no bodies), every request gets an id and is counted, and
    it answers `/healthz` (the process is up), `/readyz` (its
    database and Redis answer) and `/metrics` (Prometheus)."""
    runtime = service.runtime
    app = ObservedApp(title=title, description=description, max_body_size=max_body_bytes)
    app.state.service = service
    app.observed = (runtime.name, runtime.settings.access_log)
    app.trusted_proxies = runtime.settings.trusted_proxies
    metrics = metrics_page(runtime.name, runtime.outbox.backlog,
                           runtime.celery.conf.broker_url)

    @app.exception_handler(BurgError)
    async def _burg_error(_request: Request, exc: BurgError) -> JSONResponse:
        headers = dict(exc.headers or {})
        if exc.status == 401:
            headers["WWW-Authenticate"] = "Bearer"
        return JSONResponse({"detail": exc.detail}, status_code=exc.status, headers=headers)

    @app.exception_handler(DataError)
    async def _unstorable(_request: Request, _exc: DataError) -> JSONResponse:
        # The database refused a value the validation let through (PostgreSQL takes no NUL
        # character in text, say): the transaction is rolled back, nothing is stored.
        return JSONResponse({"detail": "a value in the request cannot be stored (a NUL "
                                       "character, or a number out of range?)"},
                            status_code=400)

    @app.exception_handler(OperationalError)
    @app.exception_handler(PoolTimeout)
    async def _database_down(_request: Request, exc: Exception) -> JSONResponse:
        # Unreachable, or every connection of this process busy for pool_timeout seconds.
        log.warning("database unavailable: %s", getattr(exc, "orig", None) or exc)
        return JSONResponse({"detail": "the database is unavailable; try again soon"},
                            status_code=503, headers={"Retry-After": "5"})

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        # Name each bad field in plain words, keep FastAPI's structured list beside it.
        problems = [f"{'.'.join(str(p) for p in e['loc'] if p != 'body') or 'body'}: {e['msg']}"
                    for e in exc.errors()]
        errors = [{k: e[k] for k in ("loc", "msg", "type")} for e in exc.errors()]
        return JSONResponse({"detail": "; ".join(problems), "errors": errors}, status_code=422)

    default_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        # Say what a 422 really is (`_invalid` above), not FastAPI's list in `detail`: clients
        # generated from the document, and schemathesis, read this.
        if app.openapi_schema is None:
            schemas = default_openapi().get("components", {}).get("schemas", {})
            if "HTTPValidationError" in schemas:
                schemas["HTTPValidationError"] = VALIDATION_ERROR
        return app.openapi_schema or default_openapi()

    app.openapi = openapi  # type: ignore[method-assign]

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    def readyz() -> JSONResponse:
        checks = runtime.health()
        ready = all(state == "ok" for state in checks.values())
        return JSONResponse({"status": "ready" if ready else "not ready"} | checks,
                            status_code=200 if ready else 503)

    @app.get("/metrics", include_in_schema=False)
    def prometheus() -> Response:
        TALLY.flush()  # this process's requests, to the last one
        body, content_type = metrics()
        return Response(body, media_type=content_type)

    return app



# The route dependencies every service has. Each service's `deps.py` names its own
# `ServiceDep` and `SettingsDep` (with its own types) on `get_service` and `get_settings`,
# and adds what is its own. One function each, so FastAPI computes each once a request,
# whichever route or dependency asks. Async where they only read what `service_app` was
# given: no trip to a worker thread.
async def get_service(request: Request) -> Any:
    return request.app.state.service


async def get_settings(service: Annotated[Wired, Depends(get_service)]) -> Any:
    return service.runtime.settings


async def get_outbox(service: Annotated[Wired, Depends(get_service)]) -> Outbox:
    return service.runtime.outbox


def get_session(service: Annotated[Wired, Depends(get_service)]) -> Iterator[Session]:
    with service.runtime.sessions() as session:
        yield session


OutboxDep = Annotated[Outbox, Depends(get_outbox)]
SessionDep = Annotated[Session, Depends(get_session)]
