"""create_app(config) -> the ASGI app. The same app serves uvicorn and in-process tests."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from mock_server import __version__
from mock_server.config import FakeConfig
from mock_server.domain.errors import BadRequest, FakeError
from mock_server.fake import Fake
from mock_server.http import (
    admin,
    routes_auth,
    routes_media,
    routes_render,
    routes_session,
    routes_sse,
    routes_upload,
)
from mock_server.http.middleware import JournalFaultMiddleware
from mock_server.http.wire import JSONBytes, error_response

CONTRACT = Path(__file__).resolve().parent.parent / "contracts" / "openapi.yaml"


@cache
def load_contract() -> dict[str, Any]:
    import yaml  # only /openapi.json and /docs need it: kept out of start-up

    with CONTRACT.open(encoding="utf-8") as handle:
        contract: dict[str, Any] = yaml.safe_load(handle)
    return contract


def create_app(config: FakeConfig | None = None) -> FastAPI:
    return Fake(config).app


def build_app(fake: Fake) -> FastAPI:
    app = FastAPI(title="nemo-fake", version=__version__, docs_url="/docs", redoc_url=None)
    app.state.fake = fake
    for module in (
        routes_auth,
        routes_session,
        routes_upload,
        routes_render,
        routes_media,
        routes_sse,
        admin,
    ):
        # The routers' APIRoutes go straight onto the app's router rather than through
        # include_router: FastAPI matches an included router as a nested router on every
        # request, which was ~40% of the time in the app for a GET. The routers carry no
        # prefix, dependencies or defaults of their own to apply (admin's prefix is already
        # in its routes' paths), so routing, 404/405 and redirects are the same.
        app.router.routes.extend(module.router.routes)

    # The hand-written contract is the OpenAPI document the fake serves.
    app.openapi = load_contract  # type: ignore[method-assign]

    @app.exception_handler(FakeError)
    async def _fake_error(request: Request, exc: FakeError) -> Response:
        return error_response(exc, request.url.path, fake.config)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        return error_response(
            BadRequest(f"Invalid request: {exc.errors()[0]['msg']}"), request.url.path, fake.config
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        message = "No such endpoint" if exc.status_code == 404 else str(exc.detail)
        body = {
            "code": exc.status_code,
            "message": f"{message}: {request.method} {request.url.path}",
            "data": None,
        }
        # keep Starlette's headers: a 405 must list the allowed methods (RFC 9110 Allow)
        return JSONBytes(body, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> Response:  # pragma: no cover - a bug
        return JSONBytes(
            {
                "code": 500,
                "message": f"Internal error in the fake: {type(exc).__name__}: {exc}",
                "data": None,
            },
            status_code=500,
        )

    app.add_middleware(JournalFaultMiddleware, fake=fake)
    return app
