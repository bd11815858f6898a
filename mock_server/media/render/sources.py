"""Picture sources of video segments: stills and sequentially decoded clips, scaled to
fit the canvas (letterboxed, centred) and kept in yuv420p."""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from PIL import Image, ImageOps

from mock_server.draft import Segment
from mock_server.media.frames import Yuv420, fit_box
from mock_server.media.probe import kind_for_extension

log = logging.getLogger(__name__)


class Source(ABC):
    """A picture source placed at (x, y) with size (width, height) on the canvas."""

    x = y = 0
    width = height = 0

    @abstractmethod
    def image_at(self, t: float) -> Yuv420:
        """The picture at source time `t` (seconds, non-decreasing between calls); the
        same object as long as the picture does not change."""

    def close(self) -> None:
        return None


class Still(Source):
    def __init__(self, path: Path, canvas: tuple[int, int]) -> None:
        with Image.open(path) as img:
            img.seek(0)
            rgb = ImageOps.exif_transpose(img).convert("RGB")
        self.x, self.y, self.width, self.height = fit_box(rgb.width, rgb.height, *canvas)
        scaled = rgb.resize((self.width, self.height), Image.Resampling.BILINEAR)
        self._image = Yuv420.from_rgb(np.asarray(scaled, dtype=np.uint8))

    def image_at(self, t: float) -> Yuv420:
        return self._image


class Clip(Source):
    """Sequential decoder: `image_at(t)` for non-decreasing source times t (seconds). A
    time past the end holds the last frame."""

    def __init__(self, path: Path, canvas: tuple[int, int], start: float) -> None:
        self._container = av.open(str(path), metadata_errors="ignore")
        try:
            stream = self._container.streams.video[0]
            stream.codec_context.thread_count = 1
            tb = stream.time_base or Fraction(1, 1000)
            rate = stream.average_rate or stream.guessed_rate
            self._step = 1 / float(rate) if rate else 1 / 30
            self._origin = float(stream.start_time * tb) if stream.start_time else 0.0
            self._last = -self._step
            if start > 0.5:
                self._container.seek(int((start + self._origin) / tb), stream=stream)
                self._last = start - self._step
            self._frames: Iterator[av.VideoFrame] = self._container.decode(stream)
            self._current: tuple[av.VideoFrame, float] | None = None
            self._next = self._pull()
            if self._next is None:
                raise ValueError("no video frames")
            first = self._next[0]
            self.x, self.y, self.width, self.height = fit_box(first.width, first.height, *canvas)
            self._shown: tuple[av.VideoFrame, Yuv420] | None = None
        except Exception:
            self._container.close()
            raise

    def _pull(self) -> tuple[av.VideoFrame, float] | None:
        """The next frame and its time from the stream start (counted on when it has none)."""
        frame = next(self._frames, None)
        if frame is None:
            return None
        t = frame.time - self._origin if frame.time is not None else self._last + self._step
        self._last = t
        return frame, t

    def image_at(self, t: float) -> Yuv420:
        while self._next is not None and (self._current is None or self._next[1] <= t + 1e-6):
            self._current, self._next = self._next, self._pull()
        assert self._current is not None
        frame = self._current[0]
        if self._shown is None or self._shown[0] is not frame:
            if (frame.width, frame.height, frame.format.name) != (
                self.width,
                self.height,
                "yuv420p",
            ):
                frame = frame.reformat(
                    width=self.width, height=self.height, format="yuv420p", interpolation="BILINEAR"
                )
            self._shown = (self._current[0], Yuv420(frame))
        return self._shown[1]

    def close(self) -> None:
        self._shown = self._current = self._next = None
        self._container.close()


def source_kind(path: Path, src: str) -> str | None:
    return kind_for_extension(path.name) or kind_for_extension(src.split("?", 1)[0])


def open_source(
    seg: Segment, resolve: Callable[[str], Path | None], canvas: tuple[int, int]
) -> Source | None:
    """The segment's picture source, or None (missing, audio-only or undecodable: black)."""
    if not seg.src:
        return None
    try:
        path = resolve(seg.src)
        if path is None or not Path(path).is_file():
            log.info("render: video source %r is missing; showing black", seg.src)
            return None
        path = Path(path)
        kind = source_kind(path, seg.src)
        if kind == "image":
            return Still(path, canvas)
        if kind == "audio":
            return None
        return Clip(path, canvas, seg.so / 1000)
    except Exception as exc:  # an undecodable source must not fail the render
        log.warning("render: cannot decode video source %r (%s); showing black", seg.src, exc)
        return None
