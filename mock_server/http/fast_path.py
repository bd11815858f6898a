"""The requests a fake answers most (the flow's POSTs: token, session, `/run_sse`, export;
the GETs: credits, a session's state, a render's poll) handed straight to their
endpoints, in front of FastAPI's routing: the router tries each route's pattern
in turn, and a route wraps every request in three more layers (a third of the app's CPU
for a GET, by profile).

Only the routing is skipped, nothing around the endpoint: this middleware sits inside
the journal/fault middleware and the admin guard, a `FakeError` gets the app's own
handler (as the route's exception wrapper would give it), and any other exception goes
up to the same ServerErrorMiddleware. A route is served here only when no route before
it in the router could take the same request (`shadowed`), so the router would have picked
the same endpoint. tests/mock_server/http/test_fast_path.py holds every answer, error and
journal entry to the routed app's.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping, Sequence

from starlette._utils import get_route_path
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from mock_server.domain.errors import FakeError

Handler = Callable[..., Awaitable[Response]]  # (request, **str path parameters)
ErrorHandler = Callable[[Request, FakeError], Awaitable[Response]]
_PARAM = re.compile(r"{[^}]*}")


class PlainRoute(Route):
    """A Starlette route to `handler(request, **str path parameters)`, which it keeps for
    the fast path."""

    def __init__(self, path: str, handler: Handler, methods: Sequence[str], name: str) -> None:
        async def endpoint(request: Request) -> Response:
            return await handler(request, **request.path_params)

        super().__init__(path, endpoint, methods=list(methods), name=name)
        self.handler = handler


def fast_routes(
    routes: Sequence[BaseRoute], handlers: Sequence[Handler], method: str = "GET"
) -> list[PlainRoute]:
    """The plain `method` routes to these handlers that no earlier route shadows."""
    chosen = []
    for index, route in enumerate(routes):
        if (
            isinstance(route, PlainRoute)
            and route.handler in handlers
            and method in (route.methods or ())
            and not any(shadowed(route.path, earlier, method) for earlier in routes[:index])
        ):
            chosen.append(route)
    return chosen


def shadowed(path: str, earlier: BaseRoute, method: str = "GET") -> bool:
    """Whether `earlier` might take a `method` request to a path that `path`'s template matches (when in
    doubt, yes: the route then goes through the router)."""
    if isinstance(earlier, WebSocketRoute):
        return False
    if not isinstance(earlier, Route):
        return True  # a mount, a host: not worth proving apart
    if earlier.methods is not None and method not in earlier.methods:
        return False
    mine, theirs = path.split("/"), earlier.path.split("/")
    return len(mine) == len(theirs) and all(
        a == b or _PARAM.search(a) or _PARAM.search(b) for a, b in zip(mine, theirs, strict=True)
    )


class FastRoutes:
    def __init__(
        self, app: ASGIApp, routes: Mapping[str, Sequence[PlainRoute]], on_error: ErrorHandler
    ) -> None:
        """`routes`: per method, the routes `fast_routes` chose for it."""
        self.app = app
        self.on_error = on_error
        self.exact = {
            (method, r.path): r.handler
            for method, chosen in routes.items()
            for r in chosen
            if not r.param_convertors
        }
        self.templated = {
            method: [(r.path_regex, r.handler) for r in chosen if r.param_convertors]
            for method, chosen in routes.items()
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        method = scope.get("method")
        if scope["type"] == "http" and method in self.templated:
            path = get_route_path(scope)
            handler = self.exact.get((method, path))
            params: dict[str, str] = {}
            if handler is None:
                for regex, candidate in self.templated[method]:
                    match = regex.match(path)
                    if match is not None:
                        handler, params = candidate, match.groupdict()
                        break
            if handler is not None:
                request = Request(scope, receive, send)
                try:
                    response = await handler(request, **params)
                except FakeError as exc:
                    response = await self.on_error(request, exc)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
