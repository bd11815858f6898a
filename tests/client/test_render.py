"""Export: submit, poll every documented shape, retry with a new id, download + fallback."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from client import (
    DownloadFailed,
    DuplicateRenderId,
    ExportBlocked,
    NothingToExport,
    Policy,
    RenderFailed,
    RenderNotFound,
    RenderStatus,
    RenderTimeout,
)

from .helpers import SID, TOKEN, VIDEO_TRACK, Harness, json_of, ok, state_body

SUBMIT = "/api/render/proxy/lambda"
POLL = re.compile(r"/api/render/proxy/lambda/(?P<rid>render_[^/]+)$")
CDN = "https://cdn.test/render-result/out.mp4"
VIDEO = b"\x00\x00\x00\x18ftypmp42" + b"x" * 5000


def accepted(request: httpx.Request) -> httpx.Response:
    rid = json_of(request)["id"]
    return httpx.Response(
        200, json={"success": True, "data": {"id": rid, "status": "pending", "progress": 5}}
    )


def poll_body(
    shape: str, rid: str, status: str, url: str | None = CDN, error: str | None = None
) -> Any:
    progress = 100 if status == "completed" else 50
    if shape == "data":
        data: dict[str, Any] = {"id": rid, "status": status, "progress": progress, "createdAt": 1}
        if url and status == "completed":
            data["outputUrl"] = url
        if error:
            data["error"] = error
        return {"success": True, "data": data}
    legacy: dict[str, Any] = {"taskId": rid, "status": status, "progress": progress}
    if url and status == "completed":
        legacy["output"] = {"url": url, "duration": 10.0, "size": len(VIDEO)}
    if error:
        legacy["error"] = error
    if shape == "legacy":
        return legacy
    compat = poll_body("data", rid, status, url, error)
    compat["data"].update({"output": legacy.get("output")} if "output" in legacy else {})
    return {**legacy, **compat}


def poller(shape: str, statuses: list[str], url: str | None = CDN) -> Any:
    remaining = list(statuses)

    def answer(request: httpx.Request, rid: str) -> httpx.Response:
        status = remaining.pop(0) if len(remaining) > 1 else remaining[0]
        error = "invalid draft" if status == "failed" else None
        return httpx.Response(200, json=poll_body(shape, rid, status, url, error))

    return answer


@pytest.fixture
def exportable(basic: respx.MockRouter) -> respx.MockRouter:
    basic.get(f"/api/state/nemo_agent/me/{SID}/latest").mock(
        return_value=ok(state_body([VIDEO_TRACK]))
    )
    return basic


def cdn(router: respx.MockRouter, *responses: httpx.Response) -> respx.Route:
    route = router.get(CDN)
    if len(responses) == 1:
        return route.mock(return_value=responses[0])
    return route.mock(side_effect=list(responses))


def video() -> httpx.Response:
    return httpx.Response(200, content=VIDEO, headers={"content-type": "video/mp4"})


@pytest.mark.parametrize("shape", ["data", "legacy", "compat"])
def test_export_follows_every_poll_shape(
    harness: Harness, exportable: respx.MockRouter, tmp_path: Path, shape: str
) -> None:
    submit = exportable.post(SUBMIT).mock(side_effect=accepted)
    polls = exportable.get(POLL).mock(
        side_effect=poller(shape, ["processing", "processing", "completed"])
    )
    download = cdn(exportable, video())
    seen: list[RenderStatus] = []
    progress: list[tuple[int, int | None]] = []
    result = harness.run(
        harness.client(),
        "export",
        tmp_path / "out" / "video.mp4",
        on_status=seen.append,
        on_progress=lambda done, total: progress.append((done, total)),
    )
    body = json_of(submit.calls[0].request)
    assert re.fullmatch(r"render_1767225600123_[0-9a-f]{6}", body["id"])
    assert body["sessionId"] == SID
    assert body["draft"] == state_body([VIDEO_TRACK])["state"]["draft"]  # the raw draft, as is
    assert body["output"] == {"format": "mp4", "quality": "high"}
    assert polls.call_count == 3
    assert harness.clock.sleeps == [10.0, 10.0, 10.0]  # default interval, before each poll
    assert [s.status for s in seen] == ["pending", "processing", "processing", "completed"]
    assert (tmp_path / "out" / "video.mp4").read_bytes() == VIDEO
    assert not (tmp_path / "out" / "video.mp4.part").exists()
    assert progress[-1] == (len(VIDEO), len(VIDEO))
    assert (result.bytes, result.attempts, result.via_proxy, result.output_url) == (
        len(VIDEO),
        1,
        False,
        CDN,
    )
    # A CDN on another origin never sees the token; attribution headers go everywhere.
    assert "Authorization" not in download.calls[0].request.headers
    assert download.calls[0].request.headers["X-Skill-Source"] == "test-skill"


def test_duplicate_id_retries_once_with_a_new_id(
    harness: Harness, exportable: respx.MockRouter, tmp_path: Path
) -> None:
    duplicate = httpx.Response(
        409, json={"success": False, "error": "Render id already exists", "code": 409}
    )
    submit = exportable.post(SUBMIT).mock(side_effect=[duplicate, accepted])  # type: ignore[list-item]
    exportable.get(POLL).mock(side_effect=poller("data", ["completed"]))
    cdn(exportable, video())
    result = harness.run(harness.client(), "export", tmp_path / "v.mp4")
    first, second = (json_of(c.request)["id"] for c in submit.calls)
    assert first != second and result.render_id == second and result.attempts == 2


def test_duplicate_twice_surfaces(
    harness: Harness, exportable: respx.MockRouter, tmp_path: Path
) -> None:
    exportable.post(SUBMIT).mock(
        return_value=httpx.Response(200, json={"success": False, "error": "duplicate render id"})
    )
    with pytest.raises(DuplicateRenderId):
        harness.run(harness.client(), "export", tmp_path / "v.mp4")


def test_failed_render_retries_once_with_a_new_id(
    harness: Harness, exportable: respx.MockRouter, tmp_path: Path
) -> None:
    submit = exportable.post(SUBMIT).mock(side_effect=accepted)
    outcomes = {"n": 0}

    def answer(request: httpx.Request, rid: str) -> httpx.Response:
        outcomes["n"] += 1
        status = "failed" if outcomes["n"] == 1 else "completed"
        return httpx.Response(
            200,
            json=poll_body(
                "legacy", rid, status, error="invalid draft" if status == "failed" else None
            ),
        )

    exportable.get(POLL).mock(side_effect=answer)
    cdn(exportable, video())
    result = harness.run(harness.client(), "export", tmp_path / "v.mp4")
    assert submit.call_count == 2 and result.attempts == 2


def test_failed_twice_is_render_failed(
    harness: Harness, exportable: respx.MockRouter, tmp_path: Path
) -> None:
    submit = exportable.post(SUBMIT).mock(side_effect=accepted)
    exportable.get(POLL).mock(side_effect=poller("data", ["failed"]))
    with pytest.raises(RenderFailed, match="invalid draft"):
        harness.run(harness.client(), "export", tmp_path / "v.mp4")
    assert submit.call_count == 2


def test_submit_5xx_is_a_failure_cured_by_a_new_id_not_a_blind_resend(
    harness: Harness, exportable: respx.MockRouter, tmp_path: Path
) -> None:
    submit = exportable.post(SUBMIT).mock(side_effect=[httpx.Response(502), accepted])  # type: ignore[list-item]
    exportable.get(POLL).mock(side_effect=poller("data", ["completed"]))
    cdn(exportable, video())
    harness.run(harness.client(), "export", tmp_path / "v.mp4")
    ids = [json_of(c.request)["id"] for c in submit.calls]
    assert len(set(ids)) == 2


def test_export_block_is_not_retried(
    harness: Harness, exportable: respx.MockRouter, tmp_path: Path
) -> None:
    submit = exportable.post(SUBMIT).mock(
        return_value=httpx.Response(
            402, json={"success": False, "error": "Free plan export blocked", "code": 402}
        )
    )
    with pytest.raises(ExportBlocked):
        harness.run(harness.client(), "export", tmp_path / "v.mp4")
    assert submit.call_count == 1


def test_poll_limit_is_render_timeout(
    harness: Harness, exportable: respx.MockRouter, tmp_path: Path
) -> None:
    exportable.post(SUBMIT).mock(side_effect=accepted)
    polls = exportable.get(POLL).mock(side_effect=poller("data", ["processing"]))
    client = harness.client(policy=Policy(poll_interval=30, max_polls=10))  # the v1.9 guidance
    with pytest.raises(RenderTimeout, match="10 polls"):
        harness.run(client, "export", tmp_path / "v.mp4")
    assert polls.call_count == 10 and harness.clock.sleeps == [30.0] * 10


def test_poll_5xx_is_retried_and_404_is_typed(harness: Harness, basic: respx.MockRouter) -> None:
    rid = "render_1_abc"
    basic.get(f"/api/render/proxy/lambda/{rid}").mock(
        side_effect=[
            httpx.Response(503),
            httpx.Response(200, json=poll_body("data", rid, "processing")),
        ]
    )
    assert harness.run(harness.client(), "poll_render", rid).status == "processing"
    basic.get("/api/render/proxy/lambda/render_404").mock(
        return_value=httpx.Response(
            404, json={"success": False, "error": "Render job not found", "code": 404}
        )
    )
    with pytest.raises(RenderNotFound):
        harness.run(harness.client(), "poll_render", "render_404")


def test_cancelled_render(harness: Harness, basic: respx.MockRouter) -> None:
    basic.get(POLL).mock(side_effect=poller("data", ["cancelled"]))
    with pytest.raises(RenderFailed, match="cancelled: no reason"):
        harness.run(harness.client(), "wait_render", "render_9")


def test_submit_with_explicit_id_and_output(harness: Harness, basic: respx.MockRouter) -> None:
    submit = basic.post(SUBMIT).mock(return_value=httpx.Response(200, json={"success": True}))
    status = harness.run(
        harness.client(),
        "submit_render",
        {"t": []},
        "render_42",
        {"format": "mp4", "resolution": "1080p"},
    )
    assert status.status == "pending" and status.id == "render_42"
    assert json_of(submit.calls[0].request)["output"] == {"format": "mp4", "resolution": "1080p"}


def test_nothing_to_export(harness: Harness, basic: respx.MockRouter, tmp_path: Path) -> None:
    with pytest.raises(NothingToExport):
        harness.run(harness.client(), "export", tmp_path / "v.mp4")


def test_export_with_given_draft_skips_state(
    harness: Harness, basic: respx.MockRouter, tmp_path: Path
) -> None:
    basic.post(SUBMIT).mock(side_effect=accepted)
    basic.get(POLL).mock(side_effect=poller("data", ["completed"]))
    cdn(basic, video())
    harness.run(harness.client(), "export", tmp_path / "v.mp4", draft={"t": [VIDEO_TRACK]})
    assert not any("/api/state/" in str(c.request.url) for c in basic.calls)


# --- download -------------------------------------------------------------------------


def completed(url: str | None = CDN, rid: str = "render_7") -> RenderStatus:
    return RenderStatus(id=rid, status="completed", progress=100, output_url=url)


def test_download_falls_back_to_the_proxy_with_bearer(
    harness: Harness, basic: respx.MockRouter, tmp_path: Path
) -> None:
    cdn(basic, httpx.Response(403, text="expired link"))
    proxy = basic.get("/api/render/proxy/render_7/download").mock(return_value=video())
    client = harness.client()
    written = harness.run(client, "download_render", completed(), tmp_path / "v.mp4")
    assert written.bytes == len(VIDEO)
    assert proxy.calls[0].request.headers["Authorization"] == f"Bearer {TOKEN}"


def test_download_without_output_url_uses_the_proxy(
    harness: Harness, basic: respx.MockRouter, tmp_path: Path
) -> None:
    proxy = basic.get("/api/render/proxy/render_7/download").mock(return_value=video())
    harness.run(harness.client(), "download_render", completed(None), tmp_path / "v.mp4")
    assert proxy.call_count == 1


def test_same_origin_output_url_gets_bearer_and_relative_urls_resolve(
    harness: Harness, basic: respx.MockRouter, tmp_path: Path
) -> None:
    route = basic.get("/render-result/render_7.mp4").mock(return_value=video())
    harness.run(
        harness.client(),
        "download_render",
        completed("/render-result/render_7.mp4"),
        tmp_path / "v.mp4",
    )
    assert route.calls[0].request.headers["Authorization"] == f"Bearer {TOKEN}"


def test_download_retries_5xx_then_succeeds(
    harness: Harness, basic: respx.MockRouter, tmp_path: Path
) -> None:
    route = cdn(basic, httpx.Response(503), video())
    harness.run(harness.client(), "download_render", completed(), tmp_path / "v.mp4")
    assert route.call_count == 2 and harness.clock.sleeps == [1.0]


def test_download_drop_leaves_no_partial_file(
    harness: Harness, basic: respx.MockRouter, tmp_path: Path
) -> None:
    from .helpers import ChunkStream

    broken = httpx.Response(
        200,
        headers={"content-type": "video/mp4"},
        stream=ChunkStream([b"abc"], httpx.ReadError("reset")),
    )
    cdn(basic, broken, video())
    harness.run(harness.client(), "download_render", completed(), tmp_path / "v.mp4")
    assert (tmp_path / "v.mp4").read_bytes() == VIDEO
    assert list(tmp_path.iterdir()) == [tmp_path / "v.mp4"]


def test_proxy_json_error_on_200_is_recognised(
    harness: Harness, basic: respx.MockRouter, tmp_path: Path
) -> None:
    basic.get("/api/render/proxy/render_7/download").mock(
        side_effect=[
            httpx.Response(200, json={"code": 1001, "message": "Token expired"}),
            httpx.Response(200, json={"code": 0, "data": {"not": "a video"}}),
        ]
    )
    tokens = basic.routes[0]
    with pytest.raises(DownloadFailed, match="answered JSON instead of a video"):
        harness.run(harness.client(), "download_render", completed(None), tmp_path / "v.mp4")
    assert tokens.call_count == 2  # initial token + the 1001 re-acquisition


def test_download_failures_everywhere(
    harness: Harness, basic: respx.MockRouter, tmp_path: Path
) -> None:
    cdn(basic, httpx.Response(404))
    basic.get("/api/render/proxy/render_7/download").mock(return_value=httpx.Response(500))
    with pytest.raises(DownloadFailed) as caught:
        harness.run(harness.client(), "download_render", completed(), tmp_path / "v.mp4")
    assert CDN in str(caught.value) and "proxy" in str(caught.value)
    assert not (tmp_path / "v.mp4").exists()


def test_foreign_1001_is_not_reauthenticated(
    harness: Harness, basic: respx.MockRouter, tmp_path: Path
) -> None:
    cdn(basic, httpx.Response(401, json={"code": 1001}))
    basic.get("/api/render/proxy/render_7/download").mock(return_value=httpx.Response(500))
    with pytest.raises(DownloadFailed, match=r"\[1001\]"):
        harness.run(harness.client(), "download_render", completed(), tmp_path / "v.mp4")
    assert basic.routes[0].call_count == 1  # the only token fetch: for the proxy, not the CDN
