"""The `nemo` command through typer's CliRunner, with respx behind it."""

from __future__ import annotations

import json
import re
import stat
import sys
from pathlib import Path

import httpx
import pytest
import respx
from typer.testing import CliRunner

from client import cli
from client.cli import CliRuntime, app

# the same names as test_turn.py imports (both script /run_sse turns): an import list
from .helpers import (
    API,
    SID,
    SID2,
    STATE,
    TITLE_TRACK,
    TOKEN,
    TOKEN2,
    VIDEO_TRACK,
    WEB,
    ChunkStream,
    FakeClock,
    adk_call,
    adk_text,
    fail,
    ok,
    sse,
    state_body,
    stream_response,
)

CDN = "https://cdn.test/render-result/r.mp4"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        "NEMO_API_URL": API,
        "NEMO_WEB_URL": WEB,
        "NEMO_CLIENT_ID": "cli-client",
        "NEMO_CONFIG_DIR": str(tmp_path / "cfg"),
    }


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def invoke(env: dict[str, str], clock: FakeClock, *args: str):  # type: ignore[no-untyped-def]
    runtime = CliRuntime(environ=env, sleep=clock.sleep, monotonic=clock.monotonic)
    return CliRunner().invoke(app, list(args), obj=runtime)


def saved(env: dict[str, str]) -> dict[str, str]:
    return json.loads((Path(env["NEMO_CONFIG_DIR"]) / "state.json").read_text())


def test_token_prints_masked_and_saves_state(
    env: dict[str, str], clock: FakeClock, basic: respx.MockRouter
) -> None:
    result = invoke(env, clock, "token")
    assert result.exit_code == 0, result.output
    assert "nmv_usr_…tok1" in result.output and TOKEN not in result.output
    assert "anon_0123456789abcdef" in result.output and "100 credits" in result.output
    state_file = Path(env["NEMO_CONFIG_DIR"]) / "state.json"
    assert saved(env)["token"] == TOKEN
    assert stat.S_IMODE(state_file.stat().st_mode) == 0o600
    assert basic.calls[0].request.headers["X-Client-Id"] == "cli-client"
    again = invoke(env, clock, "token")
    assert "(existing)" in again.output and len(basic.calls) == 1


def test_token_new_without_user_details(
    env: dict[str, str], clock: FakeClock, api: respx.MockRouter
) -> None:
    api.post("/api/auth/anonymous-token").mock(return_value=ok({"token": TOKEN2}))
    result = invoke({**env, "NEMO_TOKEN": TOKEN}, clock, "token", "--new")
    assert result.exit_code == 0 and "nmv_usr_…tok2" in result.output


def test_session_command(env: dict[str, str], clock: FakeClock, basic: respx.MockRouter) -> None:
    result = invoke(env, clock, "session", "--language", "ja")
    assert result.exit_code == 0
    assert f"Session: {SID} (task task_1)" in result.output
    assert saved(env)["session_id"] == SID and saved(env)["language"] == "ja"


def test_chat_streams_text_and_throttles_still_working(
    env: dict[str, str], clock: FakeClock, basic: respx.MockRouter
) -> None:
    body = sse(
        adk_text("I'll ", partial=True),
        adk_text("I'll generate your video now."),
        *([None] * 5),
        ": ping\n\n",
        adk_call("generate_video_with_seedance"),
        {"errorCode": "SAFETY", "errorMessage": "soft warning"},
        adk_text("Done!"),
    )
    basic.post("/run_sse").mock(return_value=stream_response(body))
    result = invoke(env, clock, "chat", "make a video", "-v")
    assert result.exit_code == 0, result.output
    assert result.output.count("⏳ Still working...") == 1
    assert "I'll generate your video now.\n" in result.output and "Done!" in result.output
    assert "… generate_video_with_seedance" in result.output
    assert "Agent warning: soft warning" in result.output


def test_still_working_repeats_every_two_minutes(
    env: dict[str, str], clock: FakeClock, basic: respx.MockRouter
) -> None:
    # Printer and core each read the clock per heartbeat: 50 s pass per heartbeat.
    clock.tick = 25.0
    basic.post("/run_sse").mock(return_value=stream_response(sse(*([None] * 8), adk_text("ok"))))
    result = invoke(env, clock, "chat", "go")
    assert result.exit_code == 0, result.output
    assert result.output.count("⏳ Still working...") == 3


def test_chat_silent_close_lists_changes(
    env: dict[str, str], clock: FakeClock, basic: respx.MockRouter
) -> None:
    basic.get(STATE).mock(
        side_effect=[ok(state_body([VIDEO_TRACK])), ok(state_body([VIDEO_TRACK, TITLE_TRACK]))]
    )
    basic.post("/run_sse").mock(return_value=stream_response(sse(adk_call("edit_multitrack"))))
    result = invoke(env, clock, "chat", "add title")
    assert result.exit_code == 0
    assert "… edit_multitrack" not in result.output  # tool calls stay quiet without -v
    assert 'Updated:\n  • added track Title: "Urban Dreams" (0-3s)' in result.output


def test_chat_silent_without_change(
    env: dict[str, str], clock: FakeClock, basic: respx.MockRouter
) -> None:
    basic.post("/run_sse").mock(return_value=stream_response(sse(adk_call("edit"))))
    result = invoke(env, clock, "chat", "noop")
    assert "(no reply and no visible change)" in result.output


def test_chat_recovery_is_explained(
    env: dict[str, str], clock: FakeClock, basic: respx.MockRouter
) -> None:
    basic.get(STATE).mock(side_effect=[ok(state_body()), ok(state_body([VIDEO_TRACK]))])
    basic.post("/run_sse").mock(
        return_value=stream_response([sse(adk_text("Working"))], error=httpx.ReadError("reset"))
    )
    result = invoke(env, clock, "chat", "go")
    assert result.exit_code == 0, result.output
    assert "Connection lost. Not re-sending" in result.output
    assert "outcome read from the session state" in result.output
    assert "added track Video: city timelapse (0-10s)" in result.output
    assert clock.sleeps == [30.0]


def test_chat_text_then_recovery_without_changes_list(
    env: dict[str, str], clock: FakeClock, basic: respx.MockRouter
) -> None:
    basic.get(STATE).mock(side_effect=[ok(state_body()), ok(state_body(video_infos=[1]))])
    basic.post("/run_sse").mock(
        return_value=stream_response([sse(adk_text("Hi"))], error=httpx.ReadError("x"))
    )
    result = invoke(env, clock, "chat", "go")
    assert "added 1 asset" in result.output


def test_chat_fatal_error_exits_1(
    env: dict[str, str], clock: FakeClock, basic: respx.MockRouter
) -> None:
    basic.post("/run_sse").mock(return_value=stream_response(sse({"error": "boom"})))
    result = invoke(env, clock, "chat", "go")
    assert result.exit_code == 1 and "boom" in result.stderr
    assert "Agent warning" not in result.output


def test_upload_files_and_urls(
    env: dict[str, str], clock: FakeClock, basic: respx.MockRouter, tmp_path: Path
) -> None:
    media = tmp_path / "clip.mp4"
    media.write_bytes(b"x")
    files = [
        {
            "filename": "clip.mp4",
            "file_type": "video",
            "cdn_url": "https://cdn/clip.mp4",
            "duration": 3.5,
        }
    ]
    route = basic.post(f"/api/upload-video/nemo_agent/me/{SID}").mock(
        side_effect=[
            ok({"files": files}),
            ok({"files": [{"filename": "u.mp4", "cdn_url": "https://cdn/u"}]}),
        ]
    )
    result = invoke(env, clock, "upload", str(media), "--url", "https://example.com/u.mp4")
    assert result.exit_code == 0, result.output
    assert "Uploaded clip.mp4 (video, 3.5s) → https://cdn/clip.mp4" in result.output
    assert "Uploaded u.mp4 (file) → https://cdn/u" in result.output
    assert route.call_count == 2


def test_upload_only_urls_or_only_files(
    env: dict[str, str], clock: FakeClock, basic: respx.MockRouter, tmp_path: Path
) -> None:
    route = basic.post(f"/api/upload-video/nemo_agent/me/{SID}").mock(
        return_value=ok({"files": []})
    )
    assert invoke(env, clock, "upload", "--url", "https://e/x.mp4").exit_code == 0
    media = tmp_path / "a.png"
    media.write_bytes(b"png")
    assert invoke(env, clock, "upload", str(media)).exit_code == 0
    assert route.call_count == 2


def test_upload_needs_something(env: dict[str, str], clock: FakeClock) -> None:
    result = invoke(env, clock, "upload")
    assert result.exit_code == 2


def test_upload_error_lists_formats(
    env: dict[str, str], clock: FakeClock, basic: respx.MockRouter, tmp_path: Path
) -> None:
    media = tmp_path / "doc.txt"
    media.write_text("x")
    basic.post(f"/api/upload-video/nemo_agent/me/{SID}").mock(
        return_value=fail(4001, 415, "Unsupported file type")
    )
    result = invoke(env, clock, "upload", str(media))
    assert result.exit_code == 1
    assert "Error:" in result.stderr and "mp4, mov" in result.stderr


def test_credits_and_state(env: dict[str, str], clock: FakeClock, basic: respx.MockRouter) -> None:
    basic.get("/api/credits/balance/simple").mock(
        return_value=ok({"available": 60, "frozen": 40, "total": 100})
    )
    basic.get(STATE).mock(return_value=ok(state_body([VIDEO_TRACK, TITLE_TRACK])))
    credits = invoke(env, clock, "credits")
    assert "Credits: 60 available, 40 frozen, 100 total" in credits.output
    summary = invoke(env, clock, "state")
    assert (
        'Timeline (2 tracks): 1. Video: city timelapse (0-10s) 2. Title: "Urban Dreams" (0-3s)'
        in summary.output
    )
    raw = invoke(env, clock, "state", "--json")
    assert json.loads(raw.output)["state"]["draft"]["t"][1]["tt"] == 7


def mock_render(router: respx.MockRouter) -> None:
    router.post("/api/render/proxy/lambda").mock(
        return_value=httpx.Response(
            200, json={"success": True, "data": {"status": "pending", "progress": 5}}
        )
    )
    router.get(re.compile(r"/api/render/proxy/lambda/render_\w+$")).mock(
        side_effect=[
            httpx.Response(
                200, json={"success": True, "data": {"status": "processing", "progress": 50}}
            ),
            httpx.Response(
                200,
                json={
                    "success": True,
                    "data": {"status": "completed", "progress": 100, "outputUrl": CDN},
                },
            ),
        ]
    )
    router.get(CDN).mock(
        return_value=httpx.Response(
            200,
            headers={"content-type": "video/mp4", "content-length": "7"},
            stream=ChunkStream([b"MP4", b"DATA"]),
        )
    )


def test_export_command(
    env: dict[str, str], clock: FakeClock, basic: respx.MockRouter, tmp_path: Path
) -> None:
    basic.get(STATE).mock(return_value=ok(state_body([VIDEO_TRACK])))
    mock_render(basic)
    out = tmp_path / "out.mp4"
    result = invoke(env, clock, "export", "-o", str(out), "--interval", "2", "--max-polls", "5")
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == b"MP4DATA"
    assert "⏳ Render processing 50%" in result.output
    assert f"Saved {out} (7 bytes" in result.output
    assert clock.sleeps == [2.0, 2.0]


def test_generate_command(
    env: dict[str, str], clock: FakeClock, basic: respx.MockRouter, tmp_path: Path
) -> None:
    basic.get(STATE).mock(side_effect=[ok(state_body()), ok(state_body([VIDEO_TRACK]))])
    basic.post("/run_sse").mock(return_value=stream_response(sse(adk_text("Here you go"))))
    mock_render(basic)
    out = tmp_path / "gen.mp4"
    result = invoke(env, clock, "generate", "a sunset", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "Here you go" in result.output and out.read_bytes() == b"MP4DATA"
    assert saved(env)["session_id"] == SID


def test_claim_command(env: dict[str, str], clock: FakeClock, basic: respx.MockRouter) -> None:
    basic.post("/api/auth/claim-token").mock(return_value=ok({"claim_token": "clm_" + "z" * 32}))
    result = invoke(env, clock, "claim")
    assert result.exit_code == 0
    assert result.output.strip() == f"{WEB}/workspace/claim?ct=clm_{'z' * 32}"


def test_env_token_and_session_win_over_the_state_file(
    env: dict[str, str], clock: FakeClock, api: respx.MockRouter
) -> None:
    state_dir = Path(env["NEMO_CONFIG_DIR"])
    state_dir.mkdir(parents=True)
    (state_dir / "state.json").write_text(
        json.dumps({"token": TOKEN, "session_id": SID2, "task_id": "old"})
    )
    route = api.get(STATE).mock(return_value=ok(state_body()))
    result = invoke({**env, "NEMO_TOKEN": TOKEN2, "NEMO_SESSION_ID": SID}, clock, "state")
    assert result.exit_code == 0, result.output
    assert route.calls[0].request.headers["Authorization"] == f"Bearer {TOKEN2}"


def test_errors_exit_1_and_new_session_is_saved(
    env: dict[str, str], clock: FakeClock, basic: respx.MockRouter
) -> None:
    basic.post("/api/tasks/me/with-session/nemo_agent").mock(
        side_effect=[
            ok({"task_id": "task_1", "session_id": SID}),
            ok({"task_id": "task_2", "session_id": SID2}),
        ]
    )
    basic.get(STATE).mock(return_value=fail(1002, 404, "Session not found"))
    assert invoke(env, clock, "session").exit_code == 0
    result = invoke(env, clock, "state")
    assert result.exit_code == 1
    assert f"created new session {SID2}" in result.stderr
    assert saved(env)["session_id"] == SID2 and saved(env)["task_id"] == "task_2"
    assert TOKEN not in result.output


def test_broken_state_file_is_ignored(
    env: dict[str, str], clock: FakeClock, basic: respx.MockRouter
) -> None:
    state_dir = Path(env["NEMO_CONFIG_DIR"])
    state_dir.mkdir(parents=True)
    (state_dir / "state.json").write_text("[1, 2]")
    assert invoke(env, clock, "token").exit_code == 0
    (state_dir / "state.json").write_text("{not json")
    assert invoke(env, clock, "token").exit_code == 0


def test_main_entry_point(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "argv", ["nemo", "--help"])
    with pytest.raises(SystemExit) as exited:
        cli.main()
    assert exited.value.code == 0
    assert "generate" in capsys.readouterr().out


def test_default_runtime_reads_os_environ(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], basic: respx.MockRouter
) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("NEMO_TOKEN", raising=False)
    monkeypatch.delenv("NEMO_SESSION_ID", raising=False)
    result = CliRunner().invoke(app, ["token"])
    assert result.exit_code == 0 and "nmv_usr_…tok1" in result.output
