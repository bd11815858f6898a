"""The inspector with an admin token set (issue 14): a browser gives the token once (the
login form, or `?admin_token=` on any page) and gets an HttpOnly, SameSite=Strict
session cookie that opens the inspector and the admin API; the token itself never shows
in a page, a URL it is redirected to, a cookie or the access log; the cross-site guard
holds for cookie holders too."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from mock_server.app import build_app
from mock_server.config import FakeConfig
from mock_server.fake import Fake
from mock_server.http.admin_guard import SESSION_COOKIE
from mock_server.testing import StreamingTransport
from nemo_protocol.secrets import MaskingFilter

ADMIN_TOKEN = "admin-secret-0123456789"
UI = "/_fake/ui"
ORIGIN = "http://fake.local"
HTML = {"Accept": "text/html,application/xhtml+xml"}  # what a browser asks for


@pytest.fixture
def fake(tmp_path: Path) -> Iterator[Fake]:
    fake = Fake(FakeConfig(clock="manual", data_dir=str(tmp_path), admin_token=ADMIN_TOKEN))
    yield fake
    fake.close()


@pytest.fixture
def browser(fake: Fake) -> Iterator[httpx.Client]:
    """A client that keeps cookies, as a browser does, and shows each redirect."""
    with httpx.Client(transport=StreamingTransport(build_app(fake)), base_url=ORIGIN) as c:
        yield c


def log_in(browser: httpx.Client, token: str = ADMIN_TOKEN, to: str = UI) -> httpx.Response:
    return browser.post(
        f"{UI}/login",
        data={"admin_token": token, "next": to},
        headers={"Origin": ORIGIN, "Sec-Fetch-Site": "same-origin"},
    )


def test_a_browser_without_the_token_is_sent_to_the_login_form(browser: httpx.Client) -> None:
    asked = browser.get(f"{UI}/journal?status=200", headers=HTML)
    assert asked.status_code == 303
    assert (
        asked.headers["location"] == f"{UI}/login?next={quote(f'{UI}/journal?status=200', safe='')}"
    )
    form = browser.get(asked.headers["location"], headers=HTML)
    assert form.status_code == 200 and 'name="admin_token"' in form.text
    assert 'type="password"' in form.text and 'value="/_fake/ui/journal?status=200"' in form.text
    # a script (no text/html) still gets the admin API's 401
    script = browser.get(UI)
    assert script.status_code == 401 and script.json()["code"] == 401


def test_the_login_form_sets_a_strict_httponly_cookie_that_is_not_the_token(
    browser: httpx.Client,
) -> None:
    answer = log_in(browser, to=f"{UI}/control")
    assert answer.status_code == 303 and answer.headers["location"] == f"{UI}/control"
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    attributes = {a.strip().lower() for a in cookie.split(";")[1:]}
    assert {"httponly", "samesite=strict", "path=/_fake"} <= attributes
    assert ADMIN_TOKEN not in cookie
    page = browser.get(f"{UI}/control", headers=HTML)
    assert page.status_code == 200 and "seed" in page.text
    assert ADMIN_TOKEN not in page.text
    assert browser.get(f"{UI}/login", headers=HTML).headers["location"] == UI  # already in


def test_a_wrong_token_is_refused_without_echoing_it(browser: httpx.Client) -> None:
    wrong = "not-the-admin-token-42"
    answer = log_in(browser, token=wrong)
    assert answer.status_code == 401 and "not the admin token" in answer.text
    assert wrong not in answer.text and "set-cookie" not in answer.headers
    assert browser.get(UI, headers=HTML).status_code == 303  # still not logged in


def test_the_token_in_the_url_logs_in_and_is_dropped_from_it(browser: httpx.Client) -> None:
    answer = browser.get(f"{UI}/journal?status=200&admin_token={ADMIN_TOKEN}", headers=HTML)
    assert answer.status_code == 303 and answer.headers["location"] == f"{UI}/journal?status=200"
    assert ADMIN_TOKEN not in answer.headers["set-cookie"]
    assert browser.get(answer.headers["location"], headers=HTML).status_code == 200


def test_a_wrong_token_in_the_url_goes_to_the_form_and_sets_nothing(
    browser: httpx.Client,
) -> None:
    answer = browser.get(f"{UI}?admin_token=wrong-token-0123456789", headers=HTML)
    assert answer.status_code == 303 and "set-cookie" not in answer.headers
    assert answer.headers["location"] == f"{UI}/login?next={quote(UI, safe='')}&wrong=1"
    assert "wrong-token" not in answer.headers["location"]
    assert "not the admin token" in browser.get(answer.headers["location"]).text


def test_the_inspectors_own_requests_carry_the_cookie(browser: httpx.Client, fake: Fake) -> None:
    """What inspector.js sends: same-origin JSON with the cookie; the live feed is a GET."""
    log_in(browser)
    now = fake.clock.now()
    moved = browser.post(
        "/_fake/clock/advance",
        json={"seconds": 5},
        headers={"Origin": ORIGIN, "Sec-Fetch-Site": "same-origin"},
    )
    assert moved.status_code == 200 and fake.clock.now() == now + 5
    assert browser.get("/_fake/config").status_code == 200
    assert browser.get(f"{UI}/journal", headers=HTML).status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "http://evil.test"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site", "Origin": "http://fake.local:8080"},
        {},  # the cookie alone, with nothing saying the fake's own page sent it
    ],
    ids=["other-origin", "cross-site", "same-site", "no-origin"],
)
def test_a_change_with_the_cookie_from_elsewhere_is_refused(
    browser: httpx.Client, fake: Fake, headers: dict[str, str]
) -> None:
    log_in(browser)
    now = fake.clock.now()
    answer = browser.post("/_fake/clock/advance", json={"seconds": 60}, headers=headers)
    assert answer.status_code in (401, 403), answer.text
    assert fake.clock.now() == now and fake.faults.list() == []


def test_a_cross_site_token_url_sets_no_cookie(browser: httpx.Client) -> None:
    answer = browser.get(
        f"{UI}?admin_token={ADMIN_TOKEN}", headers={**HTML, "Sec-Fetch-Site": "cross-site"}
    )
    assert answer.status_code == 403 and "set-cookie" not in answer.headers
    cross_form = browser.post(
        f"{UI}/login", data={"admin_token": ADMIN_TOKEN}, headers={"Origin": "http://evil.test"}
    )
    assert cross_form.status_code == 403 and "set-cookie" not in cross_form.headers


def test_a_forged_cookie_opens_nothing(browser: httpx.Client) -> None:
    browser.cookies.set(SESSION_COOKIE, "0" * 64, domain="fake.local", path="/_fake")
    assert browser.get(UI, headers=HTML).status_code == 303
    assert browser.get("/_fake/config").status_code == 401


@pytest.mark.parametrize(
    "target", ["http://evil.test/", "//evil.test/x", "/api/x", "/_fake/ui/login", "/\\evil.test"]
)
def test_after_logging_in_only_inspector_pages_are_a_destination(
    browser: httpx.Client, target: str
) -> None:
    assert log_in(browser, to=target).headers["location"] == UI


def test_an_oversized_login_form_is_413(browser: httpx.Client) -> None:
    answer = log_in(browser, token="x" * 10_000)
    assert answer.status_code == 413 and "set-cookie" not in answer.headers


def test_the_access_log_masks_the_token_in_a_url() -> None:
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 0, '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", f"{UI}?admin_token={ADMIN_TOKEN}", "1.1", 303), None,
    )  # fmt: skip
    MaskingFilter().filter(record)
    assert ADMIN_TOKEN not in record.getMessage() and "admin_token=" in record.getMessage()


def test_without_an_admin_token_the_inspector_needs_no_login(tmp_path: Path) -> None:
    fake = Fake(FakeConfig(clock="manual", data_dir=str(tmp_path)))
    try:
        with httpx.Client(transport=StreamingTransport(build_app(fake)), base_url=ORIGIN) as c:
            assert c.get(UI, headers=HTML).status_code == 200
            assert c.get(f"{UI}/login", headers=HTML).headers["location"] == UI
    finally:
        fake.close()
