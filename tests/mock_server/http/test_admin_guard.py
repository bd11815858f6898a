"""The admin API: the admin token, no cross-site driving, JSON bodies only, and requests
checked exactly as the contract says (issue 14: 5, 7, 10)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mock_server.app import build_app
from mock_server.config import FakeConfig
from mock_server.fake import Fake
from mock_server.testing import StreamingTransport

ADMIN_TOKEN = "admin-secret-0123456789"


@pytest.fixture
def guarded(tmp_path: Path) -> Iterator[tuple[Fake, httpx.Client]]:
    fake = Fake(FakeConfig(clock="manual", data_dir=str(tmp_path), admin_token=ADMIN_TOKEN))
    with httpx.Client(
        transport=StreamingTransport(build_app(fake)), base_url="http://fake.local"
    ) as c:
        yield fake, c
    fake.close()


ADMIN_CALLS = [
    ("GET", "/_fake/health", None),
    ("GET", "/_fake/config", None),
    ("PATCH", "/_fake/config", {"public_url": "http://evil.test"}),
    ("POST", "/_fake/reset", {}),
    ("POST", "/_fake/clock/advance", {"seconds": 5}),
    ("POST", "/_fake/faults", {"path": "/run_sse", "error_code": 1001}),
    ("GET", "/_fake/requests", None),
    ("POST", "/_fake/accounts", {"credits": 10**6}),
]


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_CALLS)
def test_with_an_admin_token_every_admin_route_needs_it(
    guarded: tuple[Fake, httpx.Client], method: str, path: str, body: object
) -> None:
    fake, http = guarded
    for headers in ({}, {"Authorization": "Bearer wrong-token-0123456789"}):
        refused = http.request(method, path, json=body, headers=headers)
        assert refused.status_code == 401 and refused.json()["code"] == 401
        assert refused.headers["www-authenticate"].startswith("Bearer")
    assert fake.config.public_url is None and fake.faults.list() == []
    allowed = http.request(
        method, path, json=body, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}
    )
    assert allowed.status_code in (200, 201), allowed.text


def test_the_config_never_shows_the_admin_token_nor_lets_it_change(
    guarded: tuple[Fake, httpx.Client],
) -> None:
    _, http = guarded
    auth = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    shown = http.get("/_fake/config", headers=auth).json()
    assert (
        shown["admin_token"] == "…"
        and ADMIN_TOKEN not in http.get("/_fake/config", headers=auth).text
    )
    patch = http.patch("/_fake/config", headers=auth, json={"admin_token": "x" * 20})
    assert patch.status_code == 400


def test_with_an_admin_token_tokens_are_not_drawn_from_the_seed(tmp_path: Path) -> None:
    def first_token(config: FakeConfig) -> str:
        fake = Fake(config)
        try:
            return fake.mint_account()[0].value
        finally:
            fake.close()

    seeded = FakeConfig(seed=7, data_dir=str(tmp_path / "a"))
    assert first_token(seeded) == first_token(seeded)  # tests: reproducible
    guarded = seeded.model_copy(update={"admin_token": ADMIN_TOKEN})
    assert first_token(guarded) != first_token(guarded) != first_token(seeded)
    forced = guarded.model_copy(update={"deterministic_tokens": True})
    assert first_token(forced) == first_token(seeded)


CROSS_SITE = [
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site"},
    {"Origin": "http://evil.test"},
    {"Origin": "null"},
    {"Origin": "http://fake.local:8080"},
]


@pytest.mark.parametrize(
    "headers", CROSS_SITE, ids=lambda h: ":".join(h.items().__iter__().__next__())
)
@pytest.mark.parametrize(
    "path", ["/_fake/reset", "/_fake/accounts", "/_fake/faults", "/_fake/clock/advance"]
)
def test_cross_site_requests_are_refused(
    http: httpx.Client, fake: Fake, headers: dict[str, str], path: str
) -> None:
    now = fake.clock.now()
    response = http.post(path, headers=headers, json={"seconds": 60, "error_code": 503})
    assert response.status_code == 403 and response.json()["code"] == 403
    assert fake.clock.now() == now and fake.faults.list() == []


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "same-origin"},
        {"Sec-Fetch-Site": "none"},
        {"Origin": "http://fake.local"},
    ],
)
def test_same_origin_requests_pass(http: httpx.Client, headers: dict[str, str]) -> None:
    assert (
        http.post("/_fake/clock/advance", headers=headers, json={"seconds": 1}).status_code == 200
    )


@pytest.mark.parametrize(
    "path", ["/_fake/reset", "/_fake/accounts", "/_fake/faults", "/_fake/clock/advance"]
)
@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"]
)
def test_admin_bodies_must_be_json(
    http: httpx.Client, fake: Fake, path: str, content_type: str
) -> None:
    user_count = len(fake.journal)
    response = http.post(
        path, headers={"Content-Type": content_type}, content=b'{"seconds": 60, "error_code": 503}'
    )
    assert response.status_code == 415 and response.json()["code"] == 415
    assert fake.faults.list() == [] and len(fake.journal) == user_count


@pytest.mark.parametrize(
    ("path", "allow"),
    [
        ("/_fake/config", "GET, PATCH"),
        ("/_fake/faults", "DELETE, GET, POST"),
        ("/_fake/requests", "DELETE, GET"),
        ("/_fake/faults/flt_1", "DELETE"),
        ("/api/render/proxy/render_1/download", "GET, HEAD"),
    ],
)
def test_405_lists_every_method_of_the_path(http: httpx.Client, path: str, allow: str) -> None:
    response = http.options(path)
    assert response.status_code == 405 and response.headers["allow"] == allow


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/_fake/requests?limit=0", None),
        ("GET", "/_fake/requests?limit=-1", None),
        ("PATCH", "/_fake/config", {}),
        ("PATCH", "/_fake/config", {"seed": "5"}),
        ("PATCH", "/_fake/config", {"silent_close_rate": True}),
        ("POST", "/_fake/clock/advance", {"seconds": False}),
        ("POST", "/_fake/clock/advance", {"seconds": "5"}),
        ("POST", "/_fake/reset", {"seed": None}),
        ("POST", "/_fake/reset", {"seed": True}),
        ("POST", "/_fake/reset", {"colour": 1}),
        ("POST", "/_fake/faults", {"path": "", "error_code": 503}),
        ("POST", "/_fake/faults", {"path": "/x", "error_code": 503, "times": True}),
        ("POST", "/_fake/faults", {"method": "PO ST", "error_code": 503}),
        ("POST", "/_fake/accounts", {"credits": 1.5}),
        ("POST", "/_fake/accounts", {"credits": False}),
    ],
)
def test_admin_requests_the_contract_forbids_are_400(
    http: httpx.Client, fake: Fake, method: str, path: str, body: object
) -> None:
    seed, clock = fake.config.seed, fake.clock.now()
    response = http.request(method, path, json=body)
    assert response.status_code == 400 and response.json()["message"], response.text
    assert fake.config.seed == seed and fake.clock.now() == clock and fake.faults.list() == []


def test_far_future_times_never_break_a_read(http: httpx.Client, fake: Fake) -> None:
    """Found by schemathesis on the admin API: a huge TTL or clock made token reads 500."""
    assert http.patch("/_fake/config", json={"token_ttl_seconds": 1e300}).status_code == 200
    minted = http.post("/_fake/accounts", json={})
    assert minted.status_code == 201 and minted.json()["expires_at"] == "9999-12-31T23:59:59Z"
    assert http.patch("/_fake/config", json={"start_time": 1e300}).status_code == 400
    too_far = http.post("/_fake/clock/advance", json={"seconds": 315360000})
    for _ in range(800):  # ten years at a time until the clock would pass 9999
        if too_far.status_code != 200:
            break
        too_far = http.post("/_fake/clock/advance", json={"seconds": 315360000})
    assert too_far.status_code == 400 and "9999" in too_far.json()["message"]
    assert http.get("/_fake/clock").status_code == 200
