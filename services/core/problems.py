"""Errors as RFC 9457 problem details (`application/problem+json`), the same in every service."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException  # FastAPI's and Starlette's (404, 405)

MEDIA_TYPE = "application/problem+json"


def body(status: int, detail: str, **extensions: Any) -> bytes:
    """`type` stays about:blank: the status and its `title` say what kind of problem it is."""
    return orjson.dumps(
        {
            "type": "about:blank",
            "title": HTTPStatus(status).phrase,
            "status": status,
            "detail": detail,
            **extensions,
        }
    )


def problem(
    status: int, detail: str, headers: dict[str, str] | None = None, **extensions: Any
) -> Response:
    return Response(body(status, detail, **extensions), status, headers, MEDIA_TYPE)


def from_http(exc: HTTPException) -> Response:
    return problem(exc.status_code, str(exc.detail), dict(exc.headers or {}))


def install(app: FastAPI) -> None:
    """Every HTTPException and every request that fails validation answers a problem;
    a validation failure keeps pydantic's list of errors as the `errors` member."""

    async def http_error(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        if exc.status_code == 400:  # e.g. a body that is not UTF-8: bad input, like the rest
            return problem(422, str(exc.detail), dict(exc.headers or {}))
        return from_http(exc)

    async def invalid(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        errors = [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in exc.errors()]
        where = ", ".join(".".join(map(str, e["loc"])) for e in errors[:3])
        return problem(422, f"invalid request: {where}", errors=errors)

    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(RequestValidationError, invalid)
