"""The inspector's routes on a live fake, under /_fake/ui (plus the landing page at `/`).

| GET | `/` | `landing` |
| GET | `/_fake/ui` | `overview` |
| GET | `/_fake/ui/` | `overview` |
| GET | `/_fake/ui/sessions/{session_id}` | `session` |
| GET | `/_fake/ui/renders` | `renders` |
| GET HEAD | `/_fake/ui/renders/{public_key}.mp4` | `render_file` |
| GET | `/_fake/ui/thumbs/{media_id}.jpg` | `thumb` |
| GET | `/_fake/ui/journal` | `journal` |
| GET | `/_fake/ui/journal/{seq}` | `journal_entry` |
| GET | `/_fake/ui/control` | `control` |
| GET | `/_fake/ui/live` | `live` |
| GET | `/_fake/ui/login` | `login_form` |
| POST | `/_fake/ui/login` | `log_in` |
| GET | `/_fake/ui/static` | `static` |

`/` is a landing page linking the inspector, the contract and the admin API; `/_fake/ui`
lists accounts and sessions, newest first; a session page shows its turns with their
events, the draft's timeline, media, canvas and renders; `renders/{id}.mp4` serves a
completed render (range requests); `thumbs/` draws a thumbnail of an upload or generated
clip; `journal?method=&path=&status=&code=` filters the request journal and
`journal/{seq}` opens one request and response (masked as /_fake/requests) with its
stream frames; `control` holds the forms over the admin API; `live` is the SSE feed
(`change` whenever what the pages show changes); `static` serves the CSS and script;
`login` takes the admin token when one is set (mock_server/inspector/login.py).

The pages only read; every action on the control page is a same-origin JSON request to
the admin API (`/_fake/...`) made by the page's script, so the page has no power of its own.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from mock_server.fake import FROZEN_KEYS
from mock_server.http.request import fake_of
from mock_server.inspector import views
from mock_server.inspector.login import log_in, login_form
from mock_server.inspector.thumbs import thumbnail
from mock_server.inspector.web import PREFIX, live_feed, page, static_mount

ERROR_CODES = (1001, 1002, 2001, 4001, 4002, 400, 402, 429, 500, 502, 503, 504)


def _common(request: Request, section: str) -> dict[str, Any]:
    fake = fake_of(request)
    return {"clock": fake.clock_info(), "section": section, "mode": "live"}


async def landing(request: Request) -> Response:
    return page("landing.html", **_common(request, "home"))


async def overview(request: Request) -> Response:
    fake = fake_of(request)
    return page(
        "sessions.html",
        accounts=views.accounts_overview(fake),
        renders=views.renders_overview(fake)[:10],
        **_common(request, "sessions"),
    )


async def session(request: Request, session_id: str) -> Response:
    view = views.session_view(fake_of(request), session_id)
    if view is None:
        return page(
            "missing.html",
            status_code=404,
            what=f"No session {session_id}",
            **_common(request, "sessions"),
        )
    return page("session.html", s=view, **_common(request, "sessions"))


async def renders(request: Request) -> Response:
    return page(
        "renders.html",
        renders=views.renders_overview(fake_of(request)),
        **_common(request, "renders"),
    )


async def render_file(request: Request, public_key: str) -> Response:
    record = views.render_record(fake_of(request), public_key)
    if record is None or record.artifact is None or not record.artifact.is_file():
        return HTMLResponse("no output for this render (yet)", status_code=404)
    kind = "video/quicktime" if record.artifact.suffix == ".mov" else "video/mp4"
    return FileResponse(record.artifact, media_type=kind)


async def thumb(request: Request, media_id: str) -> Response:
    media = views.media_file(fake_of(request), media_id)
    if media is None or media.path is None:
        return Response(status_code=404)
    data = await run_in_threadpool(thumbnail, media.path, media.file_type)
    if data is None:
        return Response(status_code=404)
    return Response(data, media_type="image/jpeg", headers={"cache-control": "max-age=60"})


async def journal(request: Request) -> Response:
    flt = views.JournalFilter.from_query(request.query_params)
    rows, matched = views.journal_rows(fake_of(request), flt)
    return page(
        "journal.html",
        rows=rows,
        matched=matched,
        total=len(fake_of(request).journal),
        flt=flt,
        limit=views.JOURNAL_ROWS,
        **_common(request, "journal"),
    )


async def journal_entry(request: Request, seq: str) -> Response:
    entry = views.journal_entry(fake_of(request), int(seq)) if seq.isdigit() else None
    if entry is None:
        return page(
            "missing.html",
            status_code=404,
            what=f"No request #{seq} in the journal",
            **_common(request, "journal"),
        )
    return page(
        "request.html",
        e=entry.to_dict(),
        frames=views.frame_rows(entry),
        truncated=bool(entry.extra.get("frames_truncated")),
        pretty=views.pretty,
        **_common(request, "journal"),
    )


async def control(request: Request) -> Response:
    fake = fake_of(request)
    return page(
        "control.html",
        faults=[f.to_dict() for f in fake.faults.list()],
        fields=views.config_fields(fake, FROZEN_KEYS),
        seed=fake.config.seed,
        error_codes=ERROR_CODES,
        **_common(request, "control"),
    )


async def live(request: Request) -> Response:
    fake = fake_of(request)
    return live_feed(request, lambda: views.fingerprint(fake))


def routes() -> list[BaseRoute]:
    return [
        Route("/", landing, methods=["GET"], name="landing"),
        Route(PREFIX, overview, methods=["GET"], name="inspector"),
        Route(f"{PREFIX}/", overview, methods=["GET"]),
        Route(f"{PREFIX}/sessions/{{session_id}}", _path(session), methods=["GET"]),
        Route(f"{PREFIX}/renders", renders, methods=["GET"]),
        Route(f"{PREFIX}/renders/{{public_key}}.mp4", _path(render_file), methods=["GET", "HEAD"]),
        Route(f"{PREFIX}/thumbs/{{media_id}}.jpg", _path(thumb), methods=["GET"]),
        Route(f"{PREFIX}/journal", journal, methods=["GET"]),
        Route(f"{PREFIX}/journal/{{seq}}", _path(journal_entry), methods=["GET"]),
        Route(f"{PREFIX}/control", control, methods=["GET"]),
        Route(f"{PREFIX}/live", live, methods=["GET"]),
        Route(f"{PREFIX}/login", login_form, methods=["GET"]),
        Route(f"{PREFIX}/login", log_in, methods=["POST"]),
        static_mount(),
    ]


def _path(endpoint: Callable[..., Awaitable[Response]]) -> Callable[[Request], Awaitable[Response]]:
    """Starlette hands path parameters in `request.path_params`; pass them as arguments."""

    async def handle(request: Request) -> Response:
        response: Response = await endpoint(request, **request.path_params)
        return response

    return handle
