"""HAR 1.2 import, on a file shaped like a browser's devtools export."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from mock_server.cli import app as cli
from mock_server.recording.capture import sha256_hex
from mock_server.recording.cassette import Cassette
from mock_server.recording.har import HarError, import_har
from mock_server.recording.replay import replay_app, synthetic_value
from mock_server.testing import StreamingTransport

API = "https://mega-api-prod.nemovideo.ai"
TOKEN = "nmv_usr_KGdwtlGw3hBDUpV-4_FJfEgYqFbTXQuYPKPharTest1"
CLIENT = "0b7f7a8e-5d1c-4f0e-9a77-har000000001"
USER = "anon_1234abcd5678ef90"
SID = "5529798706024415232"
VIDEO = b"\x00\x00\x00\x18ftypmp42" + bytes(range(200))
SSE = (
    'data: {"content":{"parts":[{"text":"Generating"}],"role":"model"}}\n\n'
    'data: {"content":{"parts":[{"functionCall":{"name":"generate_video_with_seedance","args":{}}}],"role":"model"}}\n\n'
    "data: \n\n"
    'data: {"content":{"parts":[{"text":"Done"}],"role":"model"}}\n\n'
)


def _headers(**extra: str) -> list[dict[str, str]]:
    base = {
        ":authority": "mega-api-prod.nemovideo.ai",
        ":method": "GET",
        ":scheme": "https",
        "accept": "*/*",
        "user-agent": "Mozilla/5.0 Chrome/131",
    }
    return [{"name": k, "value": v} for k, v in {**base, **extra}.items()]


def _entry(
    started: str,
    method: str,
    url: str,
    status: int,
    mime: str,
    text: str | None,
    *,
    headers: dict[str, str] | None = None,
    post: dict[str, Any] | None = None,
    query: list[dict[str, str]] | None = None,
    encoding: str | None = None,
    receive: float = 2.0,
) -> dict[str, Any]:
    content: dict[str, Any] = {"size": len(text or ""), "mimeType": mime, "compression": 0}
    if text is not None:
        content["text"] = text
    if encoding:
        content["encoding"] = encoding
    request: dict[str, Any] = {
        "method": method,
        "url": url,
        "httpVersion": "http/2.0",
        "headers": _headers(**(headers or {})),
        "queryString": query or [],
        "cookies": [],
        "headersSize": -1,
        "bodySize": 0,
    }
    if post is not None:
        request["postData"] = post
    return {
        "_initiator": {"type": "script"},
        "_priority": "High",
        "_resourceType": "fetch",
        "cache": {},
        "connection": "443",
        "request": request,
        "response": {
            "status": status,
            "statusText": "",
            "httpVersion": "http/2.0",
            "headers": [
                {"name": "content-type", "value": mime},
                {"name": "content-encoding", "value": "br"},
                {"name": "date", "value": "Sat, 14 Mar 2026 10:00:00 GMT"},
            ],
            "cookies": [],
            "content": content,
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": -1,
            "_transferSize": 500,
            "_error": None,
        },
        "serverIPAddress": "203.0.113.7",
        "startedDateTime": started,
        "time": 50 + receive,
        "timings": {
            "blocked": 1.5,
            "dns": -1,
            "ssl": -1,
            "connect": -1,
            "send": 0.2,
            "wait": 45.0,
            "receive": receive,
            "_blocked_queueing": 0.4,
        },
    }


def browser_har() -> dict[str, Any]:
    auth = {"authorization": f"Bearer {TOKEN}", "x-skill-source": "nemo-video"}
    envelope = lambda data: json.dumps({"code": 0, "message": "success", "data": data})  # noqa: E731
    entries = [
        _entry(
            "2026-03-14T10:00:00.000Z",
            "POST",
            f"{API}/api/auth/anonymous-token",
            200,
            "application/json",
            envelope({"token": TOKEN, "user_id": USER, "credits": 100}),
            headers={"x-client-id": CLIENT},
        ),
        _entry(
            "2026-03-14T10:00:01.000Z",
            "POST",
            f"{API}/api/tasks/me/with-session/nemo_agent",
            200,
            "application/json",
            envelope({"task_id": "task_9f8e7d6c5b4a3921", "session_id": SID}),
            headers=auth,
            post={
                "mimeType": "application/json",
                "text": '{"task_name":"project","language":"en"}',
            },
        ),
        _entry(
            "2026-03-14T10:00:02.000Z",
            "POST",
            f"{API}/api/upload-video/nemo_agent/me/{SID}",
            200,
            "application/json",
            envelope(
                {
                    "files": [
                        {
                            "filename": "clip.mp4",
                            "cdn_url": "https://cdn.nemovideo.ai/u/clip.mp4?Expires=1&Signature=abc",
                        }
                    ]
                }
            ),
            headers=auth,
            post={
                "mimeType": "multipart/form-data; boundary=----WebKitFormBoundaryX",
                "params": [
                    {
                        "name": "files",
                        "value": "fake-bytes",
                        "fileName": "clip.mp4",
                        "contentType": "video/mp4",
                    }
                ],
            },
        ),
        _entry(
            "2026-03-14T10:00:03.000Z",
            "GET",
            f"{API}/api/state/nemo_agent/me/{SID}/latest?t=1",
            200,
            "application/json",
            envelope({"session_id": SID, "state": {"draft": {}}}),
            headers=auth,
            query=[{"name": "t", "value": "1"}],
        ),
        _entry(
            "2026-03-14T10:00:04.000Z",
            "POST",
            f"{API}/run_sse",
            200,
            "text/event-stream",
            SSE,
            headers={**auth, "accept": "text/event-stream"},
            post={
                "mimeType": "application/json",
                "text": json.dumps(
                    {
                        "app_name": "nemo_agent",
                        "user_id": "me",
                        "session_id": SID,
                        "new_message": {"parts": [{"text": "make a video"}]},
                    }
                ),
            },
            receive=3000.0,
        ),
        _entry(
            "2026-03-14T10:04:00.000Z",
            "GET",
            f"{API}/api/render/proxy/lambda/render_1",
            200,
            "application/json",
            json.dumps(
                {
                    "success": True,
                    "data": {
                        "id": "render_1",
                        "status": "completed",
                        "outputUrl": "https://static1.nemovideo.ai/render-result/render_1.mp4?X-Amz-Signature=deadbeef",
                    },
                }
            ),
            headers=auth,
        ),
        _entry(
            "2026-03-14T10:04:01.000Z",
            "GET",
            "https://static1.nemovideo.ai/render-result/render_1.mp4",
            200,
            "video/mp4",
            base64.b64encode(VIDEO).decode(),
            encoding="base64",
        ),
        _entry(
            "2026-03-14T10:04:02.000Z",
            "GET",
            f"{API}/api/credits/balance/simple",
            0,
            "",
            None,
            headers=auth,
        ),
        _entry(
            "2026-03-14T10:04:03.000Z",
            "GET",
            f"{API}/api/render/proxy/render_1/download",
            200,
            "video/mp4",
            base64.b64encode(VIDEO).decode(),
            headers=auth,
            encoding="base64",
        ),
    ]
    return {
        "log": {
            "version": "1.2",
            "creator": {"name": "WebInspector", "version": "537.36"},
            "pages": [],
            "entries": entries,
        }
    }


@pytest.fixture
def har_file(tmp_path: Path) -> Path:
    path = tmp_path / "session.har"
    path.write_text(json.dumps(browser_har(), indent=1))
    return path


def test_import_a_browser_har(har_file: Path) -> None:
    cassette = import_har(har_file)
    assert cassette.validate() == []
    text = cassette.dumps()
    for secret in (TOKEN, CLIENT, USER, "deadbeef", "Signature=abc"):
        assert secret not in text
    assert cassette.provenance["kind"] == "recorded"
    assert cassette.provenance["client"] == "har:WebInspector 537.36"
    assert cassette.provenance["base_url"] == API
    assert cassette.provenance["recorded_at"] == "2026-03-14T10:00:00.000Z"
    paths = [i.request.path for i in cassette.interactions]
    assert paths == [
        "/api/auth/anonymous-token",
        "/api/tasks/me/with-session/nemo_agent",
        f"/api/upload-video/nemo_agent/me/{SID}",
        f"/api/state/nemo_agent/me/{SID}/latest",
        "/run_sse",
        "/api/render/proxy/lambda/render_1",
        "/api/render/proxy/render_1/download",
    ]  # the CDN entry (other origin) and the aborted one (status 0) are skipped
    token, session, upload, state, sse, poll, download = cassette.interactions
    assert token.request.headers == {
        "accept": "*/*",
        "user-agent": "Mozilla/5.0 Chrome/131",
        "x-client-id": "<CLIENT_ID_1>",
    }
    assert token.response.headers == {
        "content-type": "application/json"
    }  # no encoding/date: they no longer apply
    assert token.response.body["data"] == {
        "token": "<TOKEN_1>",
        "user_id": "<USER_1>",
        "credits": 100,
    }
    assert session.request.body == {"task_name": "project", "language": "en"}
    assert session.request.headers["authorization"] == "Bearer <TOKEN_1>"
    assert session.started_at_offset_ms == 1000
    assert upload.request.body == {
        "multipart": [
            {
                "name": "files",
                "filename": "clip.mp4",
                "size": 10,
                "sha256": sha256_hex(b"fake-bytes"),
                "content_type": "video/mp4",
            }
        ]
    }
    assert (
        upload.response.body["data"]["files"][0]["cdn_url"] == "https://cdn.nemovideo.ai/u/clip.mp4"
    )
    assert state.request.query == {"t": "1"}
    assert sse.response.sse is not None
    assert [round(c.offset_ms) for c in sse.response.sse] == [
        0,
        1000,
        2000,
        3000,
    ]  # spread over timings.receive
    assert "".join(c.raw for c in sse.response.sse) == SSE
    assert (
        poll.response.body["data"]["outputUrl"]
        == "https://static1.nemovideo.ai/render-result/render_1.mp4"
    )
    assert download.response.binary == {
        "size": len(VIDEO),
        "sha256": sha256_hex(VIDEO),
        "content_type": "video/mp4",
    }
    assert "2 from other origins or incomplete" in (cassette.description or "")


def test_the_imported_cassette_replays(har_file: Path) -> None:
    import httpx

    app = replay_app(import_har(har_file))
    with httpx.Client(transport=StreamingTransport(app), base_url="http://replay.local") as client:
        token = client.post("/api/auth/anonymous-token").json()["data"]["token"]
        assert token == synthetic_value("<TOKEN_1>")
        auth = {"Authorization": f"Bearer {token}"}
        client.post(
            "/api/tasks/me/with-session/nemo_agent", json={"task_name": "project"}, headers=auth
        )
        body = {"session_id": SID, "new_message": {"parts": [{"text": "make a video"}]}}
        wrong = client.post("/run_sse", json=body, headers={"Authorization": "Bearer someone-else"})
        assert wrong.status_code == 404
        assert client.post("/run_sse", json=body, headers=auth).text == SSE
    assert len(app.misses) == 1


def test_import_har_command(har_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "out" / "har.json"
    result = CliRunner().invoke(cli, ["import-har", str(har_file), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "7 interaction(s)" in result.output
    assert Cassette.load(out).provenance["client"].startswith("har")
    bad = tmp_path / "bad.har"
    bad.write_text('{"log": {}}')
    result = CliRunner().invoke(cli, ["import-har", str(bad), "-o", str(out)])
    assert result.exit_code == 2
    assert "not a HAR file" in result.output


def test_har_errors(tmp_path: Path) -> None:
    with pytest.raises(HarError, match="cannot read"):
        import_har(tmp_path / "missing.har")
    with pytest.raises(HarError, match="no entries"):
        import_har({"log": {"entries": []}})
    har = browser_har()
    with pytest.raises(HarError, match="no entries for"):
        import_har(har, base_url="https://elsewhere.example")
