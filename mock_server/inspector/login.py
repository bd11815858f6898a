"""`/_fake/ui/login`: the one inspector page open without the admin token, where a browser
gives it (the admin guard sends browsers here). A right token sets the session cookie
(mock_server/http/admin_guard.py) and goes on to the page asked for; the token is never
written back into a page, a URL or a log."""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from mock_server.domain.errors import BodyTooLarge
from mock_server.http.admin_guard import (
    INSPECTOR_PREFIX,
    LOGIN_PATH,
    TOKEN_PARAM,
    authorised,
    same_token,
    session_cookie,
)
from mock_server.http.body import read_body
from mock_server.http.request import fake_of
from mock_server.inspector.web import page, stylesheet

FORM_LIMIT = 4096  # bytes: a token and a path


def next_page(target: str | None) -> str:
    """Where to go after logging in: an inspector page of this fake, nowhere else."""
    if (
        target
        and target.startswith(INSPECTOR_PREFIX)
        and not target.startswith(LOGIN_PATH)
        and target.isprintable()
        and "\\" not in target
        and TOKEN_PARAM not in target
    ):
        return target
    return INSPECTOR_PREFIX


def login_page(target: str, wrong: bool, status_code: int = 200) -> Response:
    return page(
        "login.html",
        status_code=status_code,
        next=target,
        wrong=wrong,
        login_path=LOGIN_PATH,
        mode="login",
        inline_css=stylesheet(),  # stands alone: no script, no live feed, no static files
    )


async def login_form(request: Request) -> Response:
    target = next_page(request.query_params.get("next"))
    if authorised(request.scope, fake_of(request).config.admin_token):
        return RedirectResponse(target, status_code=303)
    return login_page(target, wrong=request.query_params.get("wrong") == "1")


async def log_in(request: Request) -> Response:
    admin_token = fake_of(request).config.admin_token
    try:
        raw = await read_body(request, FORM_LIMIT)
    except BodyTooLarge:
        return login_page(INSPECTOR_PREFIX, wrong=True, status_code=413)
    form = dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
    target = next_page(form.get("next"))
    if admin_token is None:
        return RedirectResponse(target, status_code=303)
    if not same_token(form.get(TOKEN_PARAM, ""), admin_token):
        return login_page(target, wrong=True, status_code=401)
    answer = RedirectResponse(target, status_code=303)
    answer.raw_headers.append((b"set-cookie", session_cookie(admin_token, request.scope)))
    return answer
