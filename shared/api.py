"""What every service's FastAPI app shares: JSON errors, a body size cap, a health route."""

import logging
from typing import Annotated, Any

from fastapi import FastAPI, Path, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from shared.errors import BurgError
from shared.http import DeclaredBodyLimit

log = logging.getLogger(__name__)

MAX_ID = 2**31 - 1  # ids are 32-bit in PostgreSQL; larger ones are simply unknown
# An id in a path: a positive number that fits the database, else 422 naming it.
Id = Annotated[int, Path(ge=1, le=MAX_ID)]


class _App(FastAPI):
    """FastAPI with a JSON 413 for an oversized Content-Length, checked before anything else
    (FastAPI's own `max_body_size`, inside it, still stops bodies sent without a length)."""

    def build_middleware_stack(self) -> Any:
        return DeclaredBodyLimit(super().build_middleware_stack(), self.max_body_size or 0)


def create_app(*, title: str, description: str, max_body_bytes: int) -> FastAPI:
    """A FastAPI app whose errors are JSON `{"detail": …}`, whose request bodies are capped at
    `max_body_bytes` (413), and which answers `/healthz`."""
    app = _App(title=title, description=description, max_body_size=max_body_bytes)

    @app.exception_handler(BurgError)
    async def _burg_error(_request: Request, exc: BurgError) -> JSONResponse:
        headers = dict(exc.headers or {})
        if exc.status == 401:
            headers["WWW-Authenticate"] = "Bearer"
        return JSONResponse({"detail": exc.detail}, status_code=exc.status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        # Name each bad field in plain words, keep FastAPI's structured list beside it.
        problems = [f"{'.'.join(str(p) for p in e['loc'] if p != 'body') or 'body'}: {e['msg']}"
                    for e in exc.errors()]
        errors = [{k: e[k] for k in ("loc", "msg", "type")} for e in exc.errors()]
        return JSONResponse({"detail": "; ".join(problems), "errors": errors}, status_code=422)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
