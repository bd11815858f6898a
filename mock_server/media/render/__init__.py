"""Render a draft (its short-key wire form, `contracts/draft-extensions.md`) to a video
file: `render_draft(draft, out, resolve=...)`.

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
  shows its source from `so` ms on at speed `sp` (source time advances `sp` times as fast),
  decoded sequentially, scaled to fit the canvas (letterboxed, centred); when the source is
  shorter than the segment its last frame is held. Image sources are shown still. Its
  `fx` filters are applied in order, then its `fi`/`fo` fades from/to black; a `tr`
  transition blends it with the previous segment of its track over its first `tr.d` ms
  (the outgoing source keeps playing meanwhile). Gaps are black. The segment's own audio
  (if the clip has any) is mixed in at `vol` (default 1.0).
- Audio tracks (`tt` 1): the source from `so` ms, for `d` ms, at `vol` (default 1.0), not
  looped (silence after the source ends), `fi`/`fo` fades (10 ms at least); summed and
  clipped to [-1, 1]. The output always has an audio track (silence when nothing plays).
- Text tracks (`tt` 7: title, subtitle cues, overlays): `tx` word-wrapped to 90 % of the
  width, Pillow's default font at `size` px (default 7 % of the shorter side, scaled by
  canvas/`m` width when the draft was authored for another size), `color` (default white)
  with a dark outline, `pos` top | center | bottom (subtitles default to bottom, others
  to center).
- `resolve(src)` returns the local file for a segment's `src`, or None: a missing, vanished
  or undecodable source renders as black/silence instead of failing the render.
- Not modelled: rotation metadata of phone videos, non-square pixels, looping BGM.

Modules: `timeline` (canvas, frame ranges, segment options), `sources` (stills, clips),
`grade` (filters, fades), `text` (text rasters), `video` (layers, transitions,
compositing), `audio` (the mix), `encode` (the threaded encoder pipeline).

The file is written next to `out` under a temporary name and renamed into place when
complete, so `out` never exists half-written.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from mock_server.draft import Draft
from mock_server.media.render.audio import SAMPLE_RATE, audio_feeds
from mock_server.media.render.encode import PREFETCH, run_pipeline
from mock_server.media.render.text import TextLayers
from mock_server.media.render.timeline import canvas_size
from mock_server.media.render.video import Compositor, video_layers

__all__ = ["SUPPORTED_FORMATS", "RenderInfo", "render_draft"]

SUPPORTED_FORMATS: dict[str, str] = {"mp4": "mp4", "mov": "mov"}


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
    canvas = canvas_size(parsed, width, height)
    n_frames = max(1, round(duration_ms * fps / 1000))
    n_samples = round(n_frames * SAMPLE_RATE / fps)

    compositor = Compositor(
        video_layers(parsed, resolve, canvas, fps, n_frames),
        TextLayers(parsed, canvas, fps, n_frames),
        canvas,
        ring=PREFETCH + 2,
    )
    feeds = audio_feeds(parsed, resolve, n_samples)

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{uuid.uuid4().hex[:12]}.part")
    try:
        run_pipeline(tmp, container_format, canvas, fps, n_frames, compositor, feeds)
        os.replace(tmp, out)
    finally:
        compositor.close()
        for feed in feeds:
            feed.close()
        tmp.unlink(missing_ok=True)
    return RenderInfo(out, n_frames / fps, *canvas, out.stat().st_size, fps)
