"""Each router lists its routes in one table at the top of its module, and the table is
true: the same methods, paths and handlers as the router, in order."""

from __future__ import annotations

import importlib
import re

import pytest
from fastapi.routing import APIRoute, APIWebSocketRoute

from mock_server.app import build_app
from mock_server.fake import Fake

ROUTERS = [
    *(f"mock_server.http.{name}" for name in ("routes_auth", "routes_session", "routes_upload", "routes_render", "routes_media", "routes_sse", "admin", "docs")),
    "mock_server.gateway.routes",
    "mock_server.gateway.chat",
]  # fmt: skip


def _methods(route: APIRoute | APIWebSocketRoute) -> str:
    return " ".join(sorted(route.methods)) if isinstance(route, APIRoute) else "WS"


ROW = re.compile(r"^\| (?P<methods>[A-Z ]+) \| `(?P<path>[^`]+)` \| `(?P<handler>\w+)` \|$")


@pytest.mark.parametrize("name", ROUTERS)
def test_the_table_at_the_top_lists_the_routers_routes(name: str) -> None:
    module = importlib.import_module(name)
    table = [
        m.groupdict() for line in (module.__doc__ or "").splitlines() if (m := ROW.match(line))
    ]
    routes = [r for r in module.router.routes if isinstance(r, APIRoute | APIWebSocketRoute)]
    assert len(routes) == len(module.router.routes)
    assert table == [
        {"methods": _methods(r), "path": r.path, "handler": r.endpoint.__name__} for r in routes
    ]


def test_inspector_table_lists_its_routes() -> None:
    from mock_server.inspector import routes as inspector

    table = [
        m.group("path") for line in (inspector.__doc__ or "").splitlines() if (m := ROW.match(line))
    ]
    assert table == [getattr(r, "path", None) for r in inspector.routes()]


def test_every_route_of_the_app_comes_from_a_table(fake: Fake) -> None:
    """No route is mounted that no table lists (/openapi.json aside: the contract itself)."""
    modules = [*ROUTERS, "mock_server.inspector.routes"]
    listed = {
        (m.group("path"))
        for name in modules
        for line in (importlib.import_module(name).__doc__ or "").splitlines()
        if (m := ROW.match(line))
    }
    app = build_app(fake)
    mounted = {getattr(r, "path", None) for r in app.router.routes}
    assert mounted - listed <= {"/openapi.json"}
