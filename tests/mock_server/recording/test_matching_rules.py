"""Matching: path templates, links between recorded and live ids, key body fields."""

from __future__ import annotations

import pytest

from mock_server.recording.cassette import RecordedRequest
from mock_server.recording.matching import Links, match, message_text, path_key


@pytest.mark.parametrize(
    ("path", "template", "ids"),
    [
        (
            "/api/state/nemo_agent/me/5529798706024415232/latest",
            "/api/state/nemo_agent/{user}/{session_id}/latest",
            [("user", "me"), ("session_id", "5529798706024415232")],
        ),
        (
            "/api/upload-video/nemo_agent/anon_abc/123",
            "/api/upload-video/nemo_agent/{user}/{session_id}",
            [("user", "anon_abc"), ("session_id", "123")],
        ),
        ("/api/render/proxy/lambda", "/api/render/proxy/lambda", []),
        (
            "/api/render/proxy/lambda/my-export",
            "/api/render/proxy/lambda/{render_id}",
            [("render_id", "my-export")],
        ),
        (
            "/api/render/proxy/lambda/r1/cancel",
            "/api/render/proxy/lambda/{render_id}/cancel",
            [("render_id", "r1")],
        ),
        (
            "/api/render/proxy/r1/download",
            "/api/render/proxy/{render_id}/download",
            [("render_id", "r1")],
        ),
        ("/api/render/proxy/task_9", "/api/render/proxy/{render_id}", [("render_id", "task_9")]),
        (
            "/media/med_1a2b3c4d/clip.mp4",
            "/media/{media_id}/clip.mp4",
            [("media_id", "med_1a2b3c4d")],
        ),
        (
            "/render-result/render_17.mp4",
            "/render-result/{render_id}.mp4",
            [("render_id", "render_17")],
        ),
        ("/api/other/task_1a2b3c4d5e/x", "/api/other/{id}/x", [("id", "task_1a2b3c4d5e")]),
        ("/api/credits/balance/simple", "/api/credits/balance/simple", []),
    ],
)
def test_path_templates(path: str, template: str, ids: list[tuple[str, str]]) -> None:
    key = path_key(path)
    assert key.template == template
    assert list(key.ids) == ids


def _poll(render_id: str) -> RecordedRequest:
    return RecordedRequest("GET", f"/api/render/proxy/lambda/{render_id}")


def test_a_client_chosen_id_links_once_and_then_must_stay() -> None:
    links = Links()
    submit_recorded = RecordedRequest(
        "POST",
        "/api/render/proxy/lambda",
        {},
        {"content-type": "application/json"},
        {"id": "render_1", "sessionId": "42"},
    )
    submit_live = RecordedRequest(
        "POST",
        "/api/render/proxy/lambda",
        {},
        {"content-type": "application/json"},
        {"id": "render_999", "sessionId": "42"},
    )
    result = match(submit_recorded, submit_live, links)
    assert result.ok
    for recorded, live in result.bindings:
        links.bind(recorded, live)
    assert links.live("render_1") == "render_999"
    assert match(_poll("render_1"), _poll("render_999"), links).ok
    miss = match(_poll("render_1"), _poll("render_other"), links)
    assert not miss.ok
    assert "render_1 is linked to render_999" in miss.differences[0]
    assert (
        links.substitute("<BASE>/render-result/render_1.mp4")
        == "<BASE>/render-result/render_999.mp4"
    )
    assert links.substitute("render_999", to_live=False) == "render_1"


def test_run_sse_needs_the_same_message() -> None:
    def sse(text: str, camel: bool = False) -> RecordedRequest:
        key = "newMessage" if camel else "new_message"
        return RecordedRequest(
            "POST",
            "/run_sse",
            {},
            {"content-type": "application/json"},
            {"session_id": "1", key: {"parts": [{"text": text}]}},
        )

    links = Links()
    assert match(sse("make a video"), sse("make a video", camel=True), links).ok
    result = match(sse("make a video"), sse("hello"), links)
    assert not result.ok
    assert result.differences == ["message: recorded 'make a video', got 'hello'"]
    assert (
        message_text({"new_message": {"parts": [{"text": "a"}, {"x": 1}, {"text": "b"}]}}) == "a\nb"
    )
    assert message_text({"new_message": "nope"}) is None


def test_method_path_and_upload_files() -> None:
    links = Links()
    get = RecordedRequest("GET", "/api/credits/balance/simple")
    assert not match(get, RecordedRequest("POST", "/api/credits/balance/simple"), links).ok
    assert not match(get, RecordedRequest("GET", "/api/credits/balance"), links).ok
    up = "/api/upload-video/nemo_agent/me/1"
    mp = {"content-type": "multipart/form-data; boundary=x"}

    def files(name: str) -> dict[str, object]:
        return {
            "multipart": [
                {
                    "name": "files",
                    "filename": name,
                    "size": 1,
                    "sha256": "0" * 64,
                    "content_type": None,
                }
            ]
        }

    assert match(
        RecordedRequest("POST", up, {}, mp, files("a.mp4")),
        RecordedRequest("POST", up, {}, mp, files("a.mp4")),
        links,
    ).ok
    assert not match(
        RecordedRequest("POST", up, {}, mp, files("a.mp4")),
        RecordedRequest("POST", up, {}, mp, files("b.mp4")),
        links,
    ).ok


def test_me_matches_any_user_segment() -> None:
    links = Links()
    recorded = RecordedRequest("GET", "/api/state/nemo_agent/me/7/latest")
    assert match(
        recorded, RecordedRequest("GET", "/api/state/nemo_agent/anon_x1/7/latest"), links
    ).ok


def test_the_bearer_token_is_a_linked_id() -> None:
    links = Links()
    credits = "/api/credits/balance/simple"
    recorded = RecordedRequest("GET", credits, {}, {"authorization": "Bearer <TOKEN_1>"})
    mine = RecordedRequest("GET", credits, {}, {"authorization": "Bearer nmv_usr_mine"})
    first = match(recorded, mine, links)
    assert first.ok and first.bindings == [("<TOKEN_1>", "nmv_usr_mine")]
    links.bind("<TOKEN_1>", "nmv_usr_mine")
    other = RecordedRequest("GET", credits, {}, {"authorization": "Bearer nmv_usr_other"})
    result = match(recorded, other, links)
    assert not result.ok
    assert result.differences[0].startswith("authorization: recorded Bearer <TOKEN_1>")
    missing = match(recorded, RecordedRequest("GET", credits), links)
    assert missing.differences == ["authorization: recorded Bearer <TOKEN_1>, got none"]
    extra = RecordedRequest("GET", "/x", {}, {"authorization": "Bearer t"})
    assert match(RecordedRequest("GET", "/x"), extra, links).ok
