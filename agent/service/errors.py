"""Refused requests, and the one JSON shape of every error response: `{"error": {"code", "message"}}`."""

from __future__ import annotations

from fastapi.responses import JSONResponse

from decoding.errors import DecodingError, TageError
from grounding import GroundingError, SceneError

__all__ = ["RequestRefused", "ServiceError", "error_response", "refusal_of"]

# Library errors raised by what a client sent: the code a client can switch on.
_CODES = {SceneError: "invalid_scene", DecodingError: "invalid_instruction", GroundingError: "cannot_answer"}


class ServiceError(TageError):
    """The service cannot start as configured."""


class RequestRefused(TageError):
    """A request the service will not serve: over a limit, an unknown scene id, a wrong token, not ready yet."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code = status, code


def refusal_of(err: TageError) -> RequestRefused:
    """The 4xx of a library error caused by the request's content."""
    if isinstance(err, RequestRefused):
        return err
    code = next((c for cls, c in _CODES.items() if isinstance(err, cls)), "invalid_input")
    return RequestRefused(422, code, str(err))


def error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """The JSON error body every failure answers with."""
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status, headers=headers)
