"""Errors a use case raises; every API turns them into a 4xx JSON answer (see `api.py`)."""


class BurgError(Exception):
    """Base of the errors that reach a client; `status` is the HTTP status it becomes."""

    status = 400

    def __init__(self, detail: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.headers = headers


class NotFound(BurgError):
    status = 404


class Unauthorized(BurgError):
    status = 401


class Forbidden(BurgError):
    status = 403


class Conflict(BurgError):
    status = 409


class TooLarge(BurgError):
    status = 413


class Invalid(BurgError):
    status = 422


class TooMany(BurgError):
    """Too many requests: carries a Retry-After header."""

    status = 429


class Unavailable(BurgError):
    """A part of the service is not set up or not reachable (say, no key to seal with)."""

    status = 503
