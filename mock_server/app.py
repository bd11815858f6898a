"""The composition root: `build_app(fake)` wraps the core's façade (`Fake`) in the HTTP
shell (FastAPI, the routers, the journal/fault middleware). Handlers only call the core,
as moto's `responses.py` only call its backend. The same app serves uvicorn and
in-process tests; `create_app(config)` is the one-call form."""

from __future__ import annotations

import inspect
from typing import get_type_hints

from fastapi import FastAPI, Request
from fastapi.routing import APIRoute
from starlette.convertors import StringConvertor
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, Route
from starlette.types import Scope

from mock_server import __version__, contract_files, gateway
from mock_server.config import FakeConfig
from mock_server.domain.errors import FakeError
from mock_server.fake import Fake
from mock_server.http import (
    admin,
    docs,
    routes_auth,
    routes_media,
    routes_render,
    routes_session,
    routes_sse,
    routes_upload,
)
from mock_server.http.admin_guard import AdminGuard
from mock_server.http.envelopes import JSONBytes, error_response
from mock_server.http.fast_path import FastRoutes, PlainRoute, fast_routes
from mock_server.http.middleware import JournalFaultMiddleware


def _plain(route: BaseRoute) -> BaseRoute:
    """An APIRoute whose endpoint takes only the Request and `str` path parameters, as
    every endpoint of the fake does, served as a Starlette Route: the same path, methods
    (no implicit HEAD), name and exception handling, without FastAPI's per-request
    dependency solving (a third of the app's time for a GET, by profile)."""
    if not isinstance(route, APIRoute) or not _request_and_str_params(route):
        return route
    methods = route.methods or set()
    plain = PlainRoute(route.path, route.endpoint, sorted(methods), route.name)
    if plain.methods is not None and "HEAD" not in methods:
        plain.methods.discard("HEAD")  # Starlette adds HEAD to GET routes; FastAPI does not
    return plain


def _request_and_str_params(route: APIRoute) -> bool:
    """`async def endpoint(request: Request, <each path parameter>: str)`, nothing else."""
    try:
        hints = get_type_hints(route.endpoint)
    except (NameError, TypeError):
        return False
    names = list(inspect.signature(route.endpoint).parameters)
    path_params = route.param_convertors
    return (
        inspect.iscoroutinefunction(route.endpoint)
        and not route.dependencies
        and bool(names)
        and hints.get(names[0]) is Request
        and set(names[1:]) == set(path_params)
        and all(hints.get(n) is str for n in names[1:])
        and all(isinstance(c, StringConvertor) for c in path_params.values())
    )


def allowed_methods(app: FastAPI, scope: Scope) -> str:
    """Every method any route serves at this path (Starlette's 405 names only the first
    route's, and GET and PATCH /_fake/config are two routes)."""
    matching = [
        route
        for route in app.router.routes
        if isinstance(route, Route)
        and route.methods
        and route.matches({**scope, "method": ""})[0] is not Match.NONE
    ]
    # A literal path is more specific than a template that also matches it (OpenAPI's
    # rule): /api/render/proxy/lambda is not the first version's /api/render/proxy/{id}.
    literal = [r for r in matching if "{" not in r.path]
    methods: set[str] = set()
    for route in literal or matching:
        methods |= route.methods or set()
    return ", ".join(sorted(methods))


# The requests a fake answers most, served past the router (http/fast_path.py), per
# method: the seeds' flow and the hot GETs (not the render's download: the poll's
# /lambda/{id} route shadows it)
FAST_ROUTES = {
    "GET": (routes_session.credits, routes_session.state, routes_render.poll),
    "POST": (
        routes_auth.anonymous_token,
        routes_session.create_session,
        routes_sse.run_sse,
        routes_render.submit,
    ),
}


def create_app(config: FakeConfig | None = None) -> FastAPI:
    return build_app(Fake(config))


def build_app(fake: Fake, *, fast_path: bool = True) -> FastAPI:
    """`fast_path=False`: every request through the router (the tests hold the fast path
    to it)."""
    app = FastAPI(
        title="nemo-fake",
        version=__version__,
        docs_url=None,
        redoc_url=None,
        # no OpenTelemetry: checking for a configured provider costs every request
        # environment reads, and a test double has nothing to trace
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.fake = fake
    for module in (
        routes_auth,
        routes_session,
        routes_upload,
        routes_render,
        routes_media,
        routes_sse,
        gateway,
        admin,
        docs,
    ):
        # Each route goes straight onto the app's router as a plain Starlette route (see
        # _plain), not through include_router: FastAPI matches an included router as a
        # nested router on every request (~40% of the app's time for a GET), and solves
        # dependencies the endpoints do not have. The routers carry no prefix,
        # dependencies or defaults of their own (admin's prefix is in its routes' paths),
        # so routing, 404/405 and redirects are the same.
        app.router.routes.extend(_plain(route) for route in module.router.routes)

    # The inspector's pages (/_fake/ui) and the landing page `/`: plain Starlette routes.
    from mock_server.inspector.routes import routes as inspector_routes

    app.router.routes.extend(inspector_routes())

    # The hand-written contract is the OpenAPI document the fake serves.
    app.openapi = contract_files.openapi  # type: ignore[method-assign]

    @app.exception_handler(FakeError)
    async def _fake_error(request: Request, exc: FakeError) -> Response:
        return error_response(exc, request.url.path, fake.config)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        message = "No such endpoint" if exc.status_code == 404 else str(exc.detail)
        headers = exc.headers
        if exc.status_code == 405:
            headers = {**(headers or {}), "Allow": allowed_methods(app, request.scope)}
        body = {
            "code": exc.status_code,
            "message": f"{message}: {request.method} {request.url.path}",
            "data": None,
        }
        # keep Starlette's headers: a 405 must list the allowed methods (RFC 9110 Allow)
        return JSONBytes(body, status_code=exc.status_code, headers=headers)

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

    if fast_path:
        routes = {m: fast_routes(app.router.routes, h, m) for m, h in FAST_ROUTES.items()}
        app.add_middleware(FastRoutes, routes=routes, on_error=_fake_error)
    app.add_middleware(AdminGuard, fake=fake)
    app.add_middleware(JournalFaultMiddleware, fake=fake)
    return app
