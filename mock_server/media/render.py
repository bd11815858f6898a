"""Render a draft (client/draft.py) to a real video file.

Output formats: "mp4" (default) and "mov" — both H.264 (yuv420p, x264 `ultrafast`,
CRF 23) + AAC (48 kHz stereo, 128 kb/s), `+faststart`; only the container differs. Those are
the formats the docs show (`"format":"mp4"`) plus the one other container that takes the
same codecs unchanged. Anything else raises `ValueError` naming the supported ones, so the
caller can fail the render job with a clear error.

Timeline semantics chosen by the fake (the public docs are silent):

- Canvas: the `width`/`height` arguments (session canvas_config), else `m.width/m.height`,
  else 1920x1080; clamped to at most 1920x1080 / 1080x1920, even sides.
- Duration: `draft.d`, else the latest segment end. Frames are sampled at `t = i / fps`;
  a segment [s, s+d) shows on frames whose time falls inside it.
- Video tracks (`tt` 0) are drawn in list order (later tracks on top). A video segment
  shows its source from `so` ms on, decoded sequentially (one seek at most, to `so`), scaled
  to fit the canvas (letterboxed, centred); when the source is shorter than the segment its
  last frame is held. Image sources are shown still (the first frame of an animated GIF/WebP).
  Gaps are black. The segment's own audio (if the clip has any) is mixed in at `vol`
  (default 1.0).
- Audio tracks (`tt` 1): the source from `so` ms, for `d` ms, at `vol` (default 1.0), not
  looped (silence after the source ends); resampled to 48 kHz stereo
  (`av.AudioResampler`), summed and clipped to [-1, 1], 10 ms fades at the segment edges.
  The output always has an audio track (silence when nothing plays).
- Text tracks (`tt` 7): `tx` word-wrapped to 90 % of the width, Pillow's default font at
  `size` px (default 7 % of the shorter side, scaled by canvas/`m` width when the draft was
  authored for another size), `color` (default white) with a dark outline, `pos`
  top | center (default) | bottom.
- `resolve(src)` returns the local file for a segment's `src`, or None: a missing, vanished
  or undecodable source renders as black/silence instead of failing the render.
- Not modelled: transitions, effects, speed changes, rotation metadata of phone videos,
  non-square pixels, looping BGM.

Memory stays bounded whatever the length: a source is opened on its segment's first
frame and closed after its last, a title is rasterised on its first frame and dropped after
its last, and audio is decoded and mixed in 1024-sample blocks as the video advances.

Speed: pictures are decoded and composed on one worker thread (a few frames ahead) and
the audio is mixed and AAC-encoded on another, while the calling thread feeds x264 and
muxes; PyAV, numpy and x264 release the GIL, so on two cores that work overlaps the
encoder's own threads instead of running between its calls. Blocks are cut and muxed in
the same order as inline, so the file is the same byte for byte.

The file is written next to `out` under a temporary name and renamed into place when
complete, so `out` never exists half-written.
"""

from __future__ import annotations

import logging
import math
import os
import queue
import threading
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import av.container
import numpy as np
from av.video.frame import PictureType
from PIL import Image, ImageOps
from pydantic import ValidationError

from mock_server.draft import AUDIO, TEXT, VIDEO, Draft, Segment
from mock_server.media.frames import (
    F32,
    Overlay,
    Yuv420,
    fit_box,
    fit_canvas,
    parse_color,
    text_overlay,
)
from mock_server.media.probe import kind_for_extension

log = logging.getLogger(__name__)

SUPPORTED_FORMATS: dict[str, str] = {"mp4": "mp4", "mov": "mov"}
DEFAULT_CANVAS = (1920, 1080)
SAMPLE_RATE = 48000
ENCODER_THREADS = 2
VIDEO_OPTIONS = {"preset": "ultrafast", "crf": "23"}
AUDIO_BIT_RATE = 128_000
_FADE_SAMPLES = SAMPLE_RATE // 100
_AUDIO_CHUNK = 1024
_PREFETCH = 4  # pictures composed ahead of the encoder (see _Pictures)


@dataclass(frozen=True)
class RenderInfo:
    path: Path
    duration: float  # seconds
    width: int
    height: int
    size: int  # bytes
    fps: int


def render_draft(
    draft: dict[str, Any],
    out: Path,
    *,
    resolve: Callable[[str], Path | None],
    width: int | None = None,
    height: int | None = None,
    fps: int = 30,
    fmt: str = "mp4",
) -> RenderInfo:
    """Render `draft` to `out` (see the module docstring for the rules)."""
    container_format = SUPPORTED_FORMATS.get(fmt.lower().strip()) if isinstance(fmt, str) else None
    if container_format is None:
        raise ValueError(
            f"unsupported output format {fmt!r}; supported: {', '.join(SUPPORTED_FORMATS)}"
        )
    if fps <= 0 or fps > 120:
        raise ValueError(f"fps must be in 1..120, got {fps}")
    try:
        parsed = Draft.parse(draft)
    except ValidationError as exc:
        raise ValueError(
            f"invalid draft: {exc.error_count()} error(s): {exc.errors()[0]['msg']}"
        ) from None
    duration_ms = parsed.duration_ms
    if duration_ms <= 0:
        raise ValueError("draft has no duration (empty timeline)")
    canvas_w, canvas_h = _canvas(parsed, width, height)
    n_frames = max(1, round(duration_ms * fps / 1000))
    n_samples = round(n_frames * SAMPLE_RATE / fps)

    layers = _video_layers(parsed, resolve, (canvas_w, canvas_h), fps, n_frames)
    texts = _text_layers(parsed, (canvas_w, canvas_h), fps, n_frames)
    feeds = _audio_feeds(parsed, resolve, n_samples)

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{uuid.uuid4().hex[:12]}.part")
    try:
        _encode(tmp, container_format, (canvas_w, canvas_h), fps, n_frames, layers, texts, feeds)
        os.replace(tmp, out)
    finally:
        for layer in layers:
            layer.close()
        for text in texts:
            text.close()
        for feed in feeds:
            feed.close()
        tmp.unlink(missing_ok=True)
    return RenderInfo(out, n_frames / fps, canvas_w, canvas_h, out.stat().st_size, fps)


def _canvas(draft: Draft, width: int | None, height: int | None) -> tuple[int, int]:
    if width and height:
        return fit_canvas(int(width), int(height))
    mw, mh = draft.m.get("width"), draft.m.get("height")
    if isinstance(mw, int | float) and isinstance(mh, int | float) and mw > 0 and mh > 0:
        return fit_canvas(int(mw), int(mh))
    return fit_canvas(*DEFAULT_CANVAS)


def _frame_range(seg: Segment, fps: int, n_frames: int) -> tuple[int, int]:
    """Output frames i with s <= i/fps*1000 < s+d."""
    first = math.ceil(seg.s * fps / 1000 - 1e-9)
    stop = math.ceil(seg.end * fps / 1000 - 1e-9)
    return max(0, first), min(n_frames, stop)


# --- video ---------------------------------------------------------------------------------


class _Layer:
    """One video-track segment: frames [first, stop) of the output show its source. The
    source is opened on the segment's first frame and closed after its last, so only the
    segments on screen hold a decoder."""

    def __init__(
        self,
        first: int,
        stop: int,
        seg: Segment,
        resolve: Callable[[str], Path | None],
        canvas: tuple[int, int],
    ) -> None:
        self.first, self.stop, self.seg = first, stop, seg
        self._resolve, self._canvas = resolve, canvas
        self._opened = False
        self.source: _Source | None = None

    def picture_at(self, t: float) -> tuple[_Source, Yuv420] | None:
        """Its source and picture at output time `t` (seconds); None if unusable."""
        if not self._opened:
            self._opened = True
            self.source = _open_source(self.seg, self._resolve, self._canvas)
        if self.source is None:
            return None
        source_time = self.seg.so / 1000 + t - self.seg.s / 1000
        try:
            return self.source, self.source.image_at(source_time)
        except Exception as exc:  # a decode error mid-clip: black from here on
            log.warning("render: decoding %r failed (%s); showing black", self.seg.src, exc)
            self.close()
            return None

    def close(self) -> None:
        if self.source is not None:
            self.source.close()
            self.source = None


class _Source(ABC):
    """A picture source placed at (x, y) with size (width, height) on the canvas."""

    x = y = 0
    width = height = 0

    @abstractmethod
    def image_at(self, t: float) -> Yuv420:
        """The picture at source time `t` (seconds, non-decreasing between calls)."""

    def close(self) -> None:
        return None


class _Still(_Source):
    def __init__(self, path: Path, canvas: tuple[int, int]) -> None:
        with Image.open(path) as img:
            img.seek(0)
            rgb = ImageOps.exif_transpose(img).convert("RGB")
        self.x, self.y, self.width, self.height = fit_box(rgb.width, rgb.height, *canvas)
        scaled = rgb.resize((self.width, self.height), Image.Resampling.BILINEAR)
        self._image = Yuv420.from_rgb(np.asarray(scaled, dtype=np.uint8))

    def image_at(self, t: float) -> Yuv420:
        return self._image


class _Clip(_Source):
    """Sequential decoder: `image_at(t)` for non-decreasing source times t (seconds)."""

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


def _source_kind(path: Path, src: str) -> str | None:
    return kind_for_extension(path.name) or kind_for_extension(src.split("?", 1)[0])


def _open_source(
    seg: Segment, resolve: Callable[[str], Path | None], canvas: tuple[int, int]
) -> _Source | None:
    if not seg.src:
        return None
    try:
        path = resolve(seg.src)
        if path is None or not Path(path).is_file():
            log.info("render: video source %r is missing; showing black", seg.src)
            return None
        path = Path(path)
        kind = _source_kind(path, seg.src)
        if kind == "image":
            return _Still(path, canvas)
        if kind == "audio":
            return None
        return _Clip(path, canvas, seg.so / 1000)
    except Exception as exc:  # an undecodable source must not fail the render
        log.warning("render: cannot decode video source %r (%s); showing black", seg.src, exc)
        return None


def _video_layers(
    draft: Draft,
    resolve: Callable[[str], Path | None],
    canvas: tuple[int, int],
    fps: int,
    n_frames: int,
) -> list[_Layer]:
    layers: list[_Layer] = []
    for track in draft.tracks_of(VIDEO):
        for seg in sorted(track.sg, key=lambda s: s.s):
            first, stop = _frame_range(seg, fps, n_frames)
            if stop > first:
                layers.append(_Layer(first, stop, seg, resolve, canvas))
    return layers


class _TextLayer:
    """A text segment: rendered on its first frame, dropped after its last."""

    def __init__(
        self, first: int, stop: int, seg: Segment, canvas: tuple[int, int], size: int
    ) -> None:
        self.first, self.stop, self.seg, self._canvas, self._size = first, stop, seg, canvas, size
        self._overlay: Overlay | None = None

    def overlay(self) -> Overlay:
        if self._overlay is None:
            self._overlay = text_overlay(
                self.seg.tx or "",
                self._canvas,
                size=self._size,
                color=parse_color(self.seg.color),
                pos=(self.seg.pos or "center").lower(),
            )
        return self._overlay

    def close(self) -> None:
        self._overlay = None


def _text_layers(
    draft: Draft, canvas: tuple[int, int], fps: int, n_frames: int
) -> list[_TextLayer]:
    ref_w = draft.m.get("width")
    scale = canvas[0] / ref_w if isinstance(ref_w, int | float) and ref_w > 0 else 1.0
    default_size = round(min(canvas) * 0.07)
    layers: list[_TextLayer] = []
    for track in draft.tracks_of(TEXT):
        for seg in track.sg:
            if not seg.tx or not seg.tx.strip():
                continue
            first, stop = _frame_range(seg, fps, n_frames)
            if stop <= first:
                continue
            size = round(seg.size * scale) if seg.size else default_size
            layers.append(_TextLayer(first, stop, seg, canvas, max(8, min(size, canvas[1] // 2))))
    return layers


# --- audio ---------------------------------------------------------------------------------


class _AudioFeed:
    """One segment's audio, decoded on demand: `read(n)` returns its next n samples
    (48 kHz stereo float32, gain and edge fades applied; zeros past the source's end).
    Opened on first read and closed after the last, so memory stays bounded."""

    def __init__(self, seg: Segment, path: Path, at: int, want: int, gain: float) -> None:
        self.seg, self.path, self.at, self.want, self.gain = seg, path, at, want, gain
        self.end = at + want
        self._pos = 0  # samples handed out so far
        self._buf: F32 = np.zeros((0, 2), np.float32)
        self._container: av.container.InputContainer | None = None
        self._frames: Iterator[av.AudioFrame] | None = None
        self._resampler: av.AudioResampler | None = None
        self._origin = 0.0
        self._skip: int | None = None  # samples to drop before the offset, once known
        self._done = False

    def _open(self) -> None:
        container = av.open(str(self.path), metadata_errors="ignore")
        if not container.streams.audio:
            container.close()
            self._done = True
            return
        self._container = container
        stream = container.streams.audio[0]
        tb = stream.time_base or Fraction(1, SAMPLE_RATE)
        self._origin = float(stream.start_time * tb) if stream.start_time else 0.0
        start = self.seg.so / 1000
        if start > 0.5:
            container.seek(int((start + self._origin) / tb), stream=stream)
        self._resampler = av.AudioResampler(format="flt", layout="stereo", rate=SAMPLE_RATE)
        self._frames = container.decode(stream)

    def _append(self, frames: list[av.AudioFrame]) -> None:
        for out in frames:
            chunk = out.to_ndarray().reshape(-1, 2).astype(np.float32, copy=False)
            if self._skip:
                dropped = min(self._skip, len(chunk))
                chunk, self._skip = chunk[dropped:], self._skip - dropped
            if len(chunk):
                self._buf = np.concatenate([self._buf, chunk])

    def _fill(self, n: int) -> None:
        if self._frames is None and not self._done:
            self._open()
        while len(self._buf) < n and not self._done:
            assert self._frames is not None and self._resampler is not None
            frame = next(self._frames, None)
            if frame is None:
                self._append(self._resampler.resample(None))
                self._done = True
                break
            if self._skip is None:
                first_at = (frame.time - self._origin) if frame.time is not None else 0.0
                offset = round((self.seg.so / 1000 - first_at) * SAMPLE_RATE)
                self._skip = max(0, offset)
                if offset < 0:  # the stream starts after the offset: silence first
                    self._buf = np.zeros((-offset, 2), np.float32)
            self._append(self._resampler.resample(frame))

    def read(self, n: int) -> F32:
        try:
            self._fill(n)
        except Exception as exc:  # a bad source goes silent, it does not fail the render
            log.warning("render: cannot decode audio of %r (%s); silence", self.seg.src, exc)
            self.close()
            self._done = True
        data, self._buf = self._buf[:n], self._buf[n:]
        if len(data) < n:
            data = np.concatenate([data, np.zeros((n - len(data), 2), np.float32)])
        k = np.arange(self._pos, self._pos + n, dtype=np.float32)
        fade = max(1, min(_FADE_SAMPLES, self.want // 2))
        envelope = np.minimum(1.0, np.minimum((k + 1) / fade, (self.want - k) / fade))
        self._pos += n
        return (data * (self.gain * envelope)[:, None]).astype(np.float32, copy=False)

    def close(self) -> None:
        if self._container is not None:
            self._container.close()
        self._container = self._frames = self._resampler = None
        self._done = True
        self._buf = np.zeros((0, 2), np.float32)


def _audio_feeds(
    draft: Draft, resolve: Callable[[str], Path | None], n_samples: int
) -> list[_AudioFeed]:
    """Audio tracks' segments, then video segments' own sound, at their volumes."""
    feeds: list[_AudioFeed] = []
    segments = [seg for track in draft.tracks_of(AUDIO) for seg in track.sg]
    segments += [seg for track in draft.tracks_of(VIDEO) for seg in track.sg]
    for seg in segments:
        gain = 1.0 if seg.vol is None else float(seg.vol)
        at = round(seg.s * SAMPLE_RATE / 1000)
        want = min(round(seg.end * SAMPLE_RATE / 1000), n_samples) - at
        if not seg.src or gain <= 0 or want <= 0:
            continue
        try:
            path = resolve(seg.src)
        except Exception as exc:
            log.warning("render: cannot resolve %r (%s); silence", seg.src, exc)
            continue
        if path is None or not Path(path).is_file() or _source_kind(Path(path), seg.src) == "image":
            continue
        feeds.append(_AudioFeed(seg, Path(path), at, want, gain))
    return feeds


def _mix_block(feeds: list[_AudioFeed], a: int, b: int) -> F32:
    """Timeline samples [a, b) as planar (2, n) float32, clipped to [-1, 1]."""
    mix = np.zeros((b - a, 2), np.float32)
    for feed in feeds:
        lo, hi = max(a, feed.at), min(b, feed.end)
        if hi > lo:
            mix[lo - a : hi - a] += feed.read(hi - lo)
            if feed.end <= b:
                feed.close()
    np.clip(mix, -1.0, 1.0, out=mix)
    return np.ascontiguousarray(mix.T)


# --- encode --------------------------------------------------------------------------------


def _encode(
    path: Path,
    container_format: str,
    canvas: tuple[int, int],
    fps: int,
    n_frames: int,
    layers: list[_Layer],
    texts: list[_TextLayer],
    feeds: list[_AudioFeed],
) -> None:
    width, height = canvas
    n_samples = round(n_frames * SAMPLE_RATE / fps)
    with av.open(
        str(path), "w", format=container_format, options={"movflags": "+faststart"}
    ) as container:
        vstream = container.add_stream("libx264", rate=fps)
        vstream.width, vstream.height = width, height
        vstream.pix_fmt = "yuv420p"
        vstream.codec_context.thread_count = ENCODER_THREADS
        vstream.codec_context.gop_size = 2 * fps
        vstream.options = dict(VIDEO_OPTIONS)
        astream = container.add_stream("aac", rate=SAMPLE_RATE, layout="stereo")
        astream.bit_rate = AUDIO_BIT_RATE
        video_tb = Fraction(1, fps)
        # Audio is muxed level with video, so the muxer interleaves without buffering:
        # after video frame i, the audio up to sample marks[i]; the rest at the end.
        marks = [min(n_samples, round((i + 1) * SAMPLE_RATE / fps)) for i in range(n_frames)]
        pictures = _Pictures(n_frames, fps, layers, texts, canvas)
        audio = _AudioTrack(astream, feeds, [*marks, n_samples])
        try:
            for i in range(n_frames):
                frame = pictures.next().to_frame()
                frame.pict_type = PictureType.NONE  # decoded frames carry theirs: x264 obeys
                frame.pts = i
                frame.time_base = video_tb
                container.mux(vstream.encode(frame))  # x264 has copied the picture on return
                audio.mux_until(container, marks[i])
            container.mux(vstream.encode(None))
            audio.mux_until(container, n_samples)
            audio.mux_flush(container)
        finally:
            pictures.close()
            audio.close()


class _Worker:
    """A daemon thread feeding a bounded queue; an exception it raises is handed over
    and raised on the consuming side. `close()` stops it and waits for it."""

    def __init__(self, name: str, depth: int) -> None:
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._guarded, name=name, daemon=True)

    def _guarded(self) -> None:
        try:
            self._run()
        except BaseException as exc:  # raised in the consuming thread by _get()
            self._put(exc)

    def _run(self) -> None:
        raise NotImplementedError

    def _put(self, item: Any) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _get(self) -> Any:
        item = self._queue.get()
        if isinstance(item, BaseException):
            raise item
        return item

    def close(self) -> None:
        self._stop.set()
        self._thread.join()


class _AudioTrack(_Worker):
    """The audio track, mixed and AAC-encoded on a worker thread ahead of the video. The
    blocks are cut exactly as they would be inline (at each mark, at most `_AUDIO_CHUNK`
    samples) and each block's packets are muxed at the same point in the stream, so the
    file is the same byte for byte; only the encoding itself moves off the muxing thread."""

    def __init__(self, stream: av.AudioStream, feeds: list[_AudioFeed], marks: list[int]) -> None:
        super().__init__("render-audio", depth=256)
        self._stream, self._feeds, self._marks = stream, feeds, marks
        self._muxed = 0  # samples whose packets have been muxed
        self._thread.start()

    def _run(self) -> None:
        pos = 0
        for until in self._marks:
            while pos < until:
                stop = min(until, pos + _AUDIO_CHUNK)
                frame = av.AudioFrame.from_ndarray(
                    _mix_block(self._feeds, pos, stop), format="fltp", layout="stereo"
                )
                frame.sample_rate = SAMPLE_RATE
                frame.pts = pos
                frame.time_base = Fraction(1, SAMPLE_RATE)
                if not self._put((stop, self._stream.encode(frame))):
                    return
                pos = stop
        self._put((None, self._stream.encode(None)))

    def mux_until(self, container: av.container.OutputContainer, until: int) -> None:
        while self._muxed < until:
            stop, packets = self._get()
            container.mux(packets)
            self._muxed = stop

    def mux_flush(self, container: av.container.OutputContainer) -> None:
        stop, packets = self._get()
        assert stop is None, "audio blocks left before the flush"
        container.mux(packets)


class _Pictures(_Worker):
    """The output pictures, composed on a worker thread up to `_PREFETCH` ahead of the
    encoder, so decoding sources and compositing overlap x264's own threads (PyAV, numpy
    and x264 release the GIL) instead of running between encode calls. Pictures come out
    in order. Canvases rotate through a ring one longer than everything that can be in
    flight (the queue, the picture being encoded, the one being composed), so a canvas is
    never rewritten before the encoder has taken its copy."""

    def __init__(
        self,
        n_frames: int,
        fps: int,
        layers: list[_Layer],
        texts: list[_TextLayer],
        canvas: tuple[int, int],
    ) -> None:
        super().__init__("render-compose", depth=_PREFETCH)
        width, height = canvas
        self._canvases = [Yuv420.new(width, height) for _ in range(_PREFETCH + 2)]
        self._black = Yuv420.black(width, height)
        self._n_frames, self._fps, self._layers, self._texts = n_frames, fps, layers, texts
        self._thread.start()

    def _run(self) -> None:
        for i in range(self._n_frames):
            canvas = self._canvases[i % len(self._canvases)]
            picture = _compose(i, i / self._fps, self._layers, self._texts, canvas, self._black)
            if not self._put(picture):
                return

    def next(self) -> Yuv420:
        picture: Yuv420 = self._get()
        return picture


def _compose(
    i: int,
    t: float,
    layers: list[_Layer],
    texts: list[_TextLayer],
    canvas: Yuv420,
    black: Yuv420,
) -> Yuv420:
    images: list[tuple[_Source, Yuv420]] = []
    for layer in layers:
        if layer.first <= i < layer.stop:
            shown = layer.picture_at(t)
            if shown is not None:
                images.append(shown)
        elif i >= layer.stop:
            layer.close()
    overlays: list[Overlay] = []
    for text in texts:
        if text.first <= i < text.stop:
            overlays.append(text.overlay())
        elif i >= text.stop:
            text.close()
    # Start from the topmost layer that covers the whole canvas (nothing below it shows).
    full = (canvas.width, canvas.height)
    base: int | None = None
    for k, (_, image) in enumerate(images):
        if (image.width, image.height) == full:
            base = k
    if base is not None and base == len(images) - 1 and not overlays:
        return images[base][1]  # one full-canvas picture on top: encode it as is
    if base is None:
        canvas.copy_from(black)
        rest = images
    else:
        canvas.copy_from(images[base][1])
        rest = images[base + 1 :]
    for source, image in rest:
        canvas.paste(image, source.x, source.y)
    for overlay in overlays:
        overlay.apply(canvas)
    return canvas
