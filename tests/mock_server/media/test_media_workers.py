from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mock_server.media.render import RenderInfo
from mock_server.media.synth import make_clip
from mock_server.media.workers import RenderWorkers, render_key

SRC = "https://cdn.test/gen.mp4"


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("workers") / "gen.mp4"
    make_clip(path, prompt="workers", seed=9, width=320, height=180, seconds=1)
    return path


def _draft(text: str = "Hello") -> dict[str, Any]:
    return {
        "d": 1000,
        "m": {"width": 320, "height": 180},
        "t": [
            {"tt": 0, "sg": [{"src": SRC, "s": 0, "d": 1000}]},
            {"tt": 7, "sg": [{"tx": text, "s": 0, "d": 1000}]},
        ],
    }


def test_render_key_is_canonical() -> None:
    a = render_key({"t": [], "d": 1000, "m": {"width": 1, "height": 2}}, {"format": "mp4"})
    b = render_key({"m": {"height": 2, "width": 1}, "d": 1000, "t": []}, {"format": "mp4"})
    assert a == b and len(a) == 64 and int(a, 16) >= 0
    assert a != render_key({"t": [], "d": 1000, "m": {"width": 1, "height": 2}}, {"format": "mov"})
    assert a != render_key({"t": [], "d": 1001, "m": {"width": 1, "height": 2}}, {"format": "mp4"})


@pytest.fixture
def inline() -> Iterator[RenderWorkers]:
    with RenderWorkers(max_workers=0) as workers:
        yield workers


def test_inline_renders_once_per_key(
    inline: RenderWorkers, clip: Path, tmp_path: Path, decode: Any
) -> None:
    draft = _draft()
    key = render_key(draft, {"format": "mp4"})
    first = inline.submit(key, draft, tmp_path / "a.mp4", {SRC: str(clip)})
    assert first.done()
    info = first.result()
    assert isinstance(info, RenderInfo) and info.path == tmp_path / "a.mp4"
    assert decode(info.path).video_codec == "h264"
    again = inline.submit(key, draft, tmp_path / "b.mp4", {SRC: str(clip)})
    assert again is first and inline.renders_started == 1
    assert not (tmp_path / "b.mp4").exists()
    other = inline.submit(render_key(_draft("Bye"), {}), _draft("Bye"), tmp_path / "c.mp4", {})
    assert other is not first and other.result().path.exists()
    assert inline.renders_started == 2
    assert inline.cached(key) is first


def test_failed_job_is_not_cached(inline: RenderWorkers, tmp_path: Path) -> None:
    draft = _draft()
    failed = inline.submit("k", draft, tmp_path / "x.webm", {}, fmt="webm")
    assert isinstance(failed.exception(), ValueError)
    retried = inline.submit("k", draft, tmp_path / "x.mp4", {}, fmt="mp4")
    assert retried is not failed and retried.result().path.exists()
    assert inline.renders_started == 2


def test_deleted_output_is_rendered_again(
    inline: RenderWorkers, clip: Path, tmp_path: Path
) -> None:
    first = inline.submit("k", _draft(), tmp_path / "a.mp4", {SRC: str(clip)})
    first.result().path.unlink()
    second = inline.submit("k", _draft(), tmp_path / "a.mp4", {SRC: str(clip)})
    assert second is not first and second.result().path.exists()


def test_clear_forgets_results(inline: RenderWorkers, tmp_path: Path) -> None:
    first = inline.submit("k", _draft(), tmp_path / "a.mp4", {})
    inline.clear()
    assert inline.cached("k") is None
    assert inline.submit("k", _draft(), tmp_path / "b.mp4", {}) is not first


def test_shut_down_workers_refuse_jobs(tmp_path: Path) -> None:
    workers = RenderWorkers(max_workers=0)
    workers.shutdown()
    with pytest.raises(RuntimeError, match="shut down"):
        workers.submit("k", _draft(), tmp_path / "a.mp4", {})


def test_negative_workers_rejected() -> None:
    with pytest.raises(ValueError):
        RenderWorkers(max_workers=-1)


@pytest.mark.parametrize("kind", ["process", "thread"])
def test_pool_renders_and_caches(kind: Any, clip: Path, tmp_path: Path, decode: Any) -> None:
    draft = _draft()
    key = render_key(draft, {"format": "mp4", "kind": kind})
    with RenderWorkers(max_workers=2, kind=kind) as workers:
        first = workers.submit(key, draft, tmp_path / "a.mp4", {SRC: str(clip)}, 320, 180)
        second = workers.submit(key, draft, tmp_path / "b.mp4", {SRC: str(clip)}, 320, 180)
        mov = workers.submit("mov", draft, tmp_path / "c.mov", {SRC: str(clip)}, fmt="mov")
        assert second is first
        info = first.result(timeout=60)
        assert info.path == tmp_path / "a.mp4"
        assert (info.width, info.height) == (320, 180)
        assert decode(info.path).frame_count == 30
        assert not (tmp_path / "b.mp4").exists()
        assert mov.result(timeout=60).path.suffix == ".mov"
        assert workers.renders_started == 2
