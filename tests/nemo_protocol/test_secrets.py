"""What each secret pattern masks, and that every place that shows requests uses it: the
journal, the access log, the client's output, the cassettes."""

from __future__ import annotations

import io
import logging

import httpx
import pytest

from mock_server.recording.redact import Redactor
from nemo_protocol.secrets import (
    MaskingFilter,
    has_secret,
    is_secret_header,
    mask,
    mask_filename,
    mask_headers,
    mask_query,
    mask_text,
    mask_url_path,
)
from tests.conftest import User

TOKEN = "nmv_usr_KGdwtlGw3hBDUpV-4_FJfEgYqFbTXQuYPKPabcdefgh"
CLAIM = "clm_2PFaFbrGx7bmKKJnj2ycNMNui-GyMIn4"
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlLXZhbHVl"


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        (TOKEN, "nmv_usr_…efgh"),  # a user token: kind and last 4 kept
        ("nmv_clm_abcdef", "nmv_clm_…cdef"),  # any nmv_ kind
        (CLAIM, f"clm_…{CLAIM[-4:]}"),  # a claim token
        (f"Bearer {TOKEN}", "Bearer nmv_usr_…efgh"),  # the scheme stays readable
        ("plainsecret", "…cret"),  # anything else longer than 8: last 4
        ("abc", "…"),  # short: nothing
        (None, "<none>"),
        ("", "<none>"),
    ],
)
def test_mask_one_value(value: str | None, masked: str) -> None:
    assert mask(value) == masked


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        (f"bad token {TOKEN}!", "bad token nmv_usr_…efgh!"),
        (f"claim {CLAIM}", f"claim clm_…{CLAIM[-4:]}"),
        (f"jwt {JWT} end", f"jwt …{JWT[-4:]} end"),
        ("/api/state/nemo_agent/me/123", "/api/state/nemo_agent/me/123"),  # nothing to mask
        ("nmv_usr_ab", "nmv_usr_ab"),  # too short to be a token
    ],
)
def test_mask_text_masks_each_pattern(text: str, masked: str) -> None:
    assert mask_text(text) == masked
    assert has_secret(text) is (text != masked)


@pytest.mark.parametrize(
    ("name", "value", "secret"),
    [
        ("Authorization", "Bearer x", True),
        ("X-Token", "anything", True),
        ("X-Nemo-Token", "anything", True),
        ("X-Client-Id", "c-1", True),
        ("Cookie", "a=b", True),
        ("X-Auth-Key", "k", True),  # by its name
        ("X-Debug", f"{TOKEN}", True),  # by its value
        ("Access-Control-Allow-Credentials", "true", False),
        ("WWW-Authenticate", "Bearer", False),
        ("Content-Type", "application/json", False),
        ("X-Skill-Source", "nemo", False),
    ],
)
def test_which_headers_are_secret(name: str, value: str, secret: bool) -> None:
    assert is_secret_header(name, value) is secret


def test_mask_headers() -> None:
    masked = mask_headers(
        {"x-nemo-token": "supersecretvalue", "x-debug": f"via {TOKEN}", "accept": "*/*"}
    )
    assert masked == {"x-nemo-token": "…alue", "x-debug": "via nmv_usr_…efgh", "accept": "*/*"}


@pytest.mark.parametrize(
    ("query", "masked"),
    [
        (f"token={TOKEN}&a=1", "token=nmv_usr_%E2%80%A6efgh&a=1"),
        ("api_key=abcdefghijk&page=2", "api_key=%E2%80%A6hijk&page=2"),
        ("X-Amz-Signature=0123456789abcdef", "X-Amz-Signature=%E2%80%A6cdef"),
        (f"note={TOKEN}", "note=nmv_usr_…efgh"),  # a token under any name
        ("limit=5&path=/run_sse", "limit=5&path=/run_sse"),
        ("", ""),
    ],
)
def test_mask_query(query: str, masked: str) -> None:
    assert mask_query(query) == masked


def test_mask_url_path_and_filename() -> None:
    assert mask_url_path(f"/x/{TOKEN}?token=abcdefghijk") == "/x/nmv_usr_…efgh?token=%E2%80%A6hijk"
    assert mask_filename("my-private-holiday.mp4") == "…iday.mp4"
    assert mask_filename("a.png") == "….png"
    assert mask_filename(None) is None


def test_access_log_lines_are_masked() -> None:
    """uvicorn's access log (`--log-level info`) formats the request target from args."""
    from mock_server.cli import _uvicorn_config

    config = _uvicorn_config(None, "info")
    filters = config.log_config["filters"]["mask"]
    assert filters["()"] == "nemo_protocol.secrets.MaskingFilter"
    assert all(h["filters"] == ["mask"] for h in config.log_config["handlers"].values())
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.addFilter(MaskingFilter())
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", f"/media/{TOKEN}/a.mp4?token={TOKEN}", "1.1", 200),
        None,
    )
    handler.handle(record)
    line = out.getvalue()
    assert TOKEN not in line
    assert "/media/nmv_usr_…efgh/a.mp4?token=nmv_usr_%E2%80%A6efgh" in line


def test_journal_masks_credential_headers_queries_and_filenames(
    http: httpx.Client, user: User
) -> None:
    http.get(
        "/api/credits/balance/simple",
        params={"token": TOKEN, "api_key": "abcdefghijk"},
        headers={**user.auth, "X-Token": "token-value-1234", "X-Nemo-Token": TOKEN},
    )
    http.post(
        f"/api/upload-video/nemo_agent/me/{user.session_id}",
        headers=user.auth,
        files={"files": ("my-private-holiday.png", b"not really a png", "image/png")},
    )
    entries = http.get("/_fake/requests").json()["requests"]
    text = str(entries)
    for secret in (TOKEN, user.token, "token-value-1234", "abcdefghijk"):
        assert secret not in text
    credits = next(e for e in entries if e["path"] == "/api/credits/balance/simple")
    assert credits["headers"]["x-token"] == "…1234"
    assert credits["headers"]["x-nemo-token"] == "nmv_usr_…efgh"
    upload = next(e for e in entries if e["path"].startswith("/api/upload-video"))
    # what the request carried is masked (the response may name the caller's own file)
    assert upload["body"] == {"multipart": [{"filename": "…iday.png", "size": 16}]}


def test_cassettes_replace_every_pattern_with_placeholders() -> None:
    redactor = Redactor()
    headers = redactor.headers(
        {"X-Nemo-Token": "raw-secret-value", "Authorization": f"Bearer {TOKEN}"}
    )
    assert headers == {"x-nemo-token": "<SECRET_1>", "authorization": "Bearer <TOKEN_1>"}
    text = redactor.text(f"{TOKEN} {CLAIM} {JWT} anon_0123456789abcdef")
    assert text == "<TOKEN_1> <CLAIM_1> <SECRET_2> <USER_1>"
    assert redactor.query({"token": "abc123xyz", "page": "2"}) == {
        "token": "<TOKEN_2>",
        "page": "2",
    }
