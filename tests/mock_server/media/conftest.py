"""Fixtures for the media tests: generated samples (fixtures/media/make_samples.py, loaded
by path) and small decoding helpers built on PyAV."""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import av
import numpy as np
import pytest

SCRIPT = Path(__file__).resolve().parents[3] / "fixtures" / "media" / "make_samples.py"


def _load_make_samples() -> ModuleType:
    name = "nemo_fake_make_samples"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def ms() -> ModuleType:
    """The sample generator module."""
    return _load_make_samples()


@pytest.fixture(scope="session")
def samples(ms: ModuleType, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One valid sample per accepted extension, generated once per session."""
    result: dict[str, Path] = ms.make_all(tmp_path_factory.mktemp("samples"))
    return result


@dataclass
class Decoded:
    container_format: str
    video_codec: str | None
    audio_codec: str | None
    width: int
    height: int
    duration: float  # container duration, seconds
    fps: float
    frame_times: list[float] = field(default_factory=list)
    frames: list[np.ndarray[Any, Any]] = field(default_factory=list)  # rgb24, (h, w, 3)
    audio: np.ndarray[Any, Any] | None = None  # (n, channels) float32
    audio_rate: int = 0
    pix_fmt: str | None = None

    @property
    def frame_count(self) -> int:
        return len(self.frames)

    def frame_at(self, t: float) -> np.ndarray[Any, Any]:
        """The frame shown at time t (the last frame starting at or before t)."""
        index = max(i for i, ft in enumerate(self.frame_times) if ft <= t + 1e-6)
        return self.frames[index]

    def rms(self, start: float = 0.0, end: float | None = None) -> float:
        assert self.audio is not None
        a = self.audio[
            int(start * self.audio_rate) : None if end is None else int(end * self.audio_rate)
        ]
        return float(np.sqrt(np.mean(np.square(a, dtype=np.float64)))) if len(a) else 0.0


def decode_file(path: Path) -> Decoded:
    with av.open(str(path)) as container:
        vs = container.streams.video[0] if container.streams.video else None
        aus = container.streams.audio[0] if container.streams.audio else None
        out = Decoded(
            container_format=container.format.name,
            video_codec=vs.codec_context.name if vs else None,
            audio_codec=aus.codec_context.name if aus else None,
            width=vs.codec_context.width if vs else 0,
            height=vs.codec_context.height if vs else 0,
            duration=(container.duration or 0) / av.time_base,
            fps=float(vs.average_rate or 0) if vs else 0.0,
            pix_fmt=vs.codec_context.pix_fmt if vs else None,
        )
        chunks: list[np.ndarray[Any, Any]] = []
        resampler = av.AudioResampler(format="flt", layout="stereo", rate=48000)
        streams = [s for s in (vs, aus) if s is not None]
        for frame in container.decode(*streams):
            if isinstance(frame, av.VideoFrame):
                out.frame_times.append(float(frame.time or 0.0))
                out.frames.append(frame.to_ndarray(format="rgb24"))
            elif isinstance(frame, av.AudioFrame):
                for res in resampler.resample(frame):
                    chunks.append(res.to_ndarray().reshape(-1, 2))
        if aus is not None:
            for res in resampler.resample(None):
                chunks.append(res.to_ndarray().reshape(-1, 2))
            out.audio = np.concatenate(chunks) if chunks else np.zeros((0, 2), np.float32)
            out.audio_rate = 48000
    return out


@pytest.fixture(scope="session")
def decode() -> Any:
    """decode(path) -> Decoded: every frame (rgb) and all audio (48 kHz stereo)."""
    return decode_file
