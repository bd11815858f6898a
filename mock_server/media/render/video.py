"""Video tracks to pictures: each segment's source at its speed, graded (`fx`) and faded
(`fi`/`fo`), transitions (`tr`) between a track's consecutive segments, later tracks on
top, then the text overlays.

A picture is composed once per distinct frame: when nothing on screen changed since the
previous frame (a still, a held or repeated source frame, a static title), the previous
picture is handed to the encoder again without being redrawn.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from mock_server.draft import VIDEO, Draft, Segment
from mock_server.media import grade
from mock_server.media.frames import Overlay, Yuv420
from mock_server.media.render.sources import Source, open_source
from mock_server.media.render.text import TextLayers
from mock_server.media.render.timeline import (
    SegmentOptions,
    Transition,
    fade_factor,
    frame_range,
    options,
)

log = logging.getLogger(__name__)


class Shown(NamedTuple):
    """A picture placed on the canvas; a token equal between two frames only when the
    picture's content is the same; `stable` when the image object is never drawn over
    (a decoded frame or a still, not a scratch picture reused for the next frame)."""

    x: int
    y: int
    image: Yuv420
    token: Any
    stable: bool = True


class VideoLayer:
    """One video segment. It shows on output frames [first, stop) by itself; its source is
    opened on its first frame and closed after `until` (past `stop` while the next
    segment's transition still needs it)."""

    def __init__(
        self,
        seg: Segment,
        first: int,
        stop: int,
        fps: int,
        resolve: Callable[[str], Path | None],
        canvas: tuple[int, int],
    ) -> None:
        self.seg, self.first, self.stop, self.until = seg, first, stop, stop
        self.opts: SegmentOptions = options(seg)
        self.fps = fps
        self.outgoing: VideoLayer | None = None  # the segment this one transitions from
        self.transition_stop = first
        self._resolve, self._canvas = resolve, canvas
        self._opened = False
        self.source: Source | None = None
        self._scratch: Yuv420 | None = None
        self._last: Shown | None = None

    def shown_at(self, i: int) -> Shown | None:
        """The segment's picture on output frame i; None if it has none (black)."""
        if not self._opened:
            self._opened = True
            self.source = open_source(self.seg, self._resolve, self._canvas)
        if self.source is None:
            return None
        t_ms = i * 1000 / self.fps
        source_time = (self.seg.so + (t_ms - self.seg.s) * self.opts.speed) / 1000
        try:
            image = self.source.image_at(source_time)
        except Exception as exc:  # a decode error mid-clip: black from here on
            log.warning("render: decoding %r failed (%s); showing black", self.seg.src, exc)
            self.close()
            return None
        factor = fade_factor(self.opts, self.seg, t_ms, 1000 / self.fps)
        token = (image, round(factor, 4))
        if self._last is not None and self._last.token == token:
            return self._last
        stable = True
        if self.opts.filters or factor < 1.0:
            if self._scratch is None:
                self._scratch = Yuv420.new(image.width, image.height)
            image = grade.graded(image, self._scratch, self.opts.filters, factor)
            stable = False
        self._last = Shown(self.source.x, self.source.y, image, token, stable)
        return self._last

    def close(self) -> None:
        if self.source is not None:
            self.source.close()
            self.source = None
        self._scratch = self._last = None


def video_layers(
    draft: Draft,
    resolve: Callable[[str], Path | None],
    canvas: tuple[int, int],
    fps: int,
    n_frames: int,
) -> list[VideoLayer]:
    """The video segments in drawing order (tracks in list order, segments by start),
    with each transition wired to the segment before it on its track."""
    layers: list[VideoLayer] = []
    for track in draft.tracks_of(VIDEO):
        previous: VideoLayer | None = None
        for seg in sorted(track.sg, key=lambda s: s.s):
            first, stop = frame_range(seg, fps, n_frames)
            if stop <= first:
                continue
            layer = VideoLayer(seg, first, stop, fps, resolve, canvas)
            tr = layer.opts.transition
            if tr is not None and previous is not None:
                layer.outgoing = previous
                layer.transition_stop = min(stop, first + math.ceil(tr.ms * fps / 1000))
                previous.stop = min(previous.stop, first)
                previous.until = max(previous.until, layer.transition_stop)
            layers.append(layer)
            previous = layer
    return layers


class _Canvases:
    """Full-canvas scratch pictures for transitions, allocated on first use."""

    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self._pool: dict[str, Yuv420] = {}

    def get(self, name: str) -> Yuv420:
        img = self._pool.get(name)
        if img is None:
            img = self._pool[name] = Yuv420.new(self.width, self.height)
        return img


def _on_canvas(shown: Shown | None, dst: Yuv420, black: Yuv420) -> Yuv420:
    """`shown` letterboxed on a full canvas (dst reused), or the picture itself if full."""
    if shown is not None and (shown.image.width, shown.image.height) == (dst.width, dst.height):
        return shown.image
    dst.copy_from(black)
    if shown is not None:
        dst.paste(shown.image, shown.x, shown.y)
    return dst


def _planes(img: Yuv420) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return img.y, img.u, img.v


def _blend(kind: str, a: Yuv420, b: Yuv420, p: float, out: Yuv420, black: Yuv420) -> Yuv420:
    """Frame `p` (0..1) of a transition from full-canvas picture `a` to `b`."""
    width = out.width
    if kind == "wipe":  # b uncovered from the left
        x = min(width, round(p * width) // 2 * 2)
        for o, pa, pb, cut in zip(
            _planes(out), _planes(a), _planes(b), (x, x // 2, x // 2), strict=True
        ):
            o[:, :cut] = pb[:, :cut]
            o[:, cut:] = pa[:, cut:]
        return out
    if kind == "slide":  # b pushes a out to the left
        x = min(width, round(p * width) // 2 * 2)
        for o, pa, pb, off in zip(
            _planes(out), _planes(a), _planes(b), (x, x // 2, x // 2), strict=True
        ):
            w = o.shape[1]
            o[:, : w - off] = pa[:, off:]
            o[:, w - off :] = pb[:, :off]
        return out
    if kind == "zoom":  # b grows from the centre over a
        scale = 0.2 + 0.8 * p
        w = max(2, round(out.width * scale) // 2 * 2)
        h = max(2, round(out.height * scale) // 2 * 2)
        small = Yuv420(b.frame.reformat(width=w, height=h, interpolation="BILINEAR"))
        out.copy_from(a)
        out.paste(small, (out.width - w) // 4 * 2, (out.height - h) // 4 * 2)
        return out
    if kind == "fade":  # through black
        src, factor = (a, 1 - 2 * p) if p < 0.5 else (b, 2 * p - 1)
        return grade.graded(src, out, (), max(0.0, factor))
    weight = round(p * 256)  # crossfade
    for o, pa, pb in zip(_planes(out), _planes(a), _planes(b), strict=True):
        o[...] = (pa.astype(np.uint16) * (256 - weight) + pb.astype(np.uint16) * weight + 128) >> 8
    return out


class Compositor:
    """The output pictures, in order: `picture(i)` for i = 0, 1, 2, …"""

    def __init__(
        self,
        layers: list[VideoLayer],
        texts: TextLayers,
        canvas: tuple[int, int],
        ring: int,
    ) -> None:
        width, height = canvas
        self._layers, self._texts = layers, texts
        # Canvases rotate through a ring one longer than everything that can be in flight
        # (queued, being encoded, being composed), so none is rewritten before the encoder
        # has copied it; the ring advances only when a new picture is composed.
        self._ring = [Yuv420.new(width, height) for _ in range(ring)]
        self._next_slot = 0
        self._black = Yuv420.black(width, height)
        self._scratch = _Canvases(width, height)
        self._previous: tuple[Any, Yuv420] | None = None

    def _shown(self, i: int) -> list[Shown]:
        shown: list[Shown] = []
        for layer in self._layers:
            if layer.first <= i < layer.stop:
                tr = layer.opts.transition
                if layer.outgoing is not None and tr is not None and i < layer.transition_stop:
                    blended = self._transition(layer, layer.outgoing, tr, i)
                    if blended is not None:
                        shown.append(blended)
                    continue
                picture = layer.shown_at(i)
                if picture is not None:
                    shown.append(picture)
            elif i >= layer.until:
                layer.close()
        return shown

    def _transition(
        self, layer: VideoLayer, outgoing: VideoLayer, tr: Transition, i: int
    ) -> Shown | None:
        a, b = outgoing.shown_at(i), layer.shown_at(i)
        if a is None and b is None:
            return None
        t_ms = i * 1000 / layer.fps
        p = min(1.0, max(0.0, (t_ms - layer.seg.s) / tr.ms))
        full_a = _on_canvas(a, self._scratch.get("a"), self._black)
        full_b = _on_canvas(b, self._scratch.get("b"), self._black)
        out = _blend(tr.kind, full_a, full_b, p, self._scratch.get("out"), self._black)
        token = (a.token if a else None, b.token if b else None, tr.kind, round(p, 4))
        return Shown(0, 0, out, token, stable=False)

    def picture(self, i: int) -> Yuv420:
        shown = self._shown(i)
        overlays: list[Overlay] = self._texts.at(i)
        key = (tuple(s.token for s in shown), tuple(overlays))
        if self._previous is not None and self._previous[0] == key:
            return self._previous[1]
        picture = self._compose(shown, overlays)
        self._previous = (key, picture)
        return picture

    def _compose(self, shown: list[Shown], overlays: list[Overlay]) -> Yuv420:
        canvas = self._ring[self._next_slot % len(self._ring)]
        full = (canvas.width, canvas.height)
        # Start from the topmost layer that covers the whole canvas (nothing below shows).
        base: int | None = None
        for k, s in enumerate(shown):
            if (s.image.width, s.image.height) == full:
                base = k
        top = shown[base] if base is not None and base == len(shown) - 1 else None
        if top is not None and top.stable and not overlays:
            return top.image  # one full-canvas picture on top: encode it as is
        self._next_slot += 1
        if base is None:
            canvas.copy_from(self._black)
            rest = shown
        else:
            canvas.copy_from(shown[base].image)
            rest = shown[base + 1 :]
        for s in rest:
            canvas.paste(s.image, s.x, s.y)
        for overlay in overlays:
            overlay.apply(canvas)
        return canvas

    def close(self) -> None:
        for layer in self._layers:
            layer.close()
        self._texts.close()
