"""Small pieces: language guess, client lifecycles and reprs, the draft model, stores."""

from __future__ import annotations

import sys
from pathlib import Path

import httpx
import pytest
import respx

from client import AsyncNemoClient, ClientConfig, Draft, NemoClient, RenderStatus, SessionNotFound
from client.cli import _Progress
from client.core import detect_language
from client.store import SavedState, StateStore

from .helpers import API, SID, TITLE_TRACK, TOKEN, VIDEO_TRACK, Harness, sse, stream_response


@pytest.mark.parametrize(
    ("text", "language"),
    [("make a video", "en"), ("動画を作って", "ja"), ("영상 만들어", "ko"), ("做个视频", "zh-CN")],
)
def test_detect_language(text: str, language: str) -> None:
    assert detect_language(text) == language


def test_sync_client_lifecycle(config: ClientConfig) -> None:
    with NemoClient(config.with_token(TOKEN), session_id=SID) as client:
        assert client.config is not None and client.session_id == SID
        assert TOKEN not in repr(client) and "nmv_usr_…tok1" in repr(client)
    shared = httpx.Client()
    NemoClient(config, http=shared).close()
    assert not shared.is_closed  # an injected client belongs to the caller
    shared.close()


def test_async_client_lifecycle(config: ClientConfig) -> None:
    import asyncio

    async def scenario() -> None:
        async with AsyncNemoClient(config.with_token(TOKEN), task_id="t") as client:
            assert client.config.api_url == API and client.task_id == "t"
            assert TOKEN not in repr(client)
        shared = httpx.AsyncClient()
        await AsyncNemoClient(config, http=shared).aclose()
        assert not shared.is_closed
        await shared.aclose()

    asyncio.run(scenario())


def test_default_config_comes_from_the_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("NEMO_CONFIG_DIR", str(tmp_path))
    monkeypatch.setenv("NEMO_API_URL", "http://127.0.0.1:1")
    assert NemoClient().config.api_url == "http://127.0.0.1:1"
    assert AsyncNemoClient().config.config_dir == tmp_path


def test_in_stream_session_error_is_typed(harness: Harness, basic: respx.MockRouter) -> None:
    basic.post("/run_sse").mock(
        return_value=stream_response(sse({"error": {"code": 1002, "message": "Session gone"}}))
    )
    with pytest.raises(SessionNotFound):
        harness.run(harness.client(), "send", "go")


def test_draft_helpers() -> None:
    draft = Draft.parse({"t": [VIDEO_TRACK, TITLE_TRACK], "extra": {"kept": True}})
    assert [t.describe() for t in draft.tracks_of(7)] == ['Title: "Urban Dreams" (0-3s)']
    assert draft.dump()["extra"] == {"kept": True}
    assert Draft.parse({"t": [{"tt": 0, "sg": [{"s": 0, "d": 1000}]}]}).summary() == (
        "Timeline (1 track): 1. Video: untitled (0-1s)"
    )


def test_saved_state_repr_masks_token(tmp_path: Path) -> None:
    state = SavedState(token=TOKEN, session_id=SID)
    assert TOKEN not in repr(state) and "nmv_usr_…tok1" in repr(state)
    store = StateStore(tmp_path / "new")
    store.save(state)
    assert store.load() == state


def test_progress_on_a_terminal() -> None:
    from rich.console import Console

    console = Console(force_terminal=True, file=open("/dev/null", "w"))  # noqa: SIM115
    with _Progress(console) as bar:
        bar.status(RenderStatus(id="r", status="processing", progress=40))
        bar.status(RenderStatus(id="r", status="completed", progress=100))
        bar.download(10, 20)
        bar.download(20, 20)
    console.file.close()


def test_lazy_package_exports() -> None:
    import subprocess

    import client

    assert set(client.__all__) == set(client._EXPORTS) | {"__version__"}
    for name in client.__all__:
        assert getattr(client, name) is not None
    assert "NemoClient" in dir(client)
    with pytest.raises(AttributeError, match="Nope"):
        _ = client.Nope
    # The fake imports client.draft: that must not drag in httpx and the whole client.
    probe = "import sys, client.draft; print('httpx' in sys.modules, 'client.sync' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
