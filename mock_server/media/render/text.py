"""Text segments (`tt` 7: the title, subtitle cues, overlays): each rasterised once, on
its first frame, and dropped after its last; segments with the same text and style
share one raster."""

from __future__ import annotations

from mock_server.draft import TEXT, Draft, Segment
from mock_server.media.frames import Overlay, parse_color, text_overlay
from mock_server.media.render.timeline import frame_range

_POSITIONS = ("top", "center", "bottom")


class TextLayer:
    def __init__(self, first: int, stop: int, key: tuple[str, int, tuple[int, int, int], str]):
        self.first, self.stop, self.key = first, stop, key


class TextLayers:
    """The draft's text segments over a canvas; `at(i)` gives the overlays of frame i."""

    def __init__(self, draft: Draft, canvas: tuple[int, int], fps: int, n_frames: int) -> None:
        self._canvas = canvas
        ref_w = draft.m.get("width")
        scale = canvas[0] / ref_w if isinstance(ref_w, int | float) and ref_w > 0 else 1.0
        default_size = round(min(canvas) * 0.07)
        self.layers: list[TextLayer] = []
        for track in draft.tracks_of(TEXT):
            for seg in track.sg:
                if not seg.tx or not seg.tx.strip():
                    continue
                first, stop = frame_range(seg, fps, n_frames)
                if stop <= first:
                    continue
                size = round(seg.size * scale) if seg.size else default_size
                size = max(8, min(size, canvas[1] // 2))
                self.layers.append(TextLayer(first, stop, _key(seg, size)))
        self._rasters: dict[tuple[str, int, tuple[int, int, int], str], Overlay] = {}

    def at(self, i: int) -> list[Overlay]:
        shown: list[Overlay] = []
        for layer in self.layers:
            if layer.first <= i < layer.stop:
                raster = self._rasters.get(layer.key)
                if raster is None:
                    text, size, color, pos = layer.key
                    raster = text_overlay(text, self._canvas, size=size, color=color, pos=pos)
                    self._rasters[layer.key] = raster
                shown.append(raster)
        # Drop rasters no segment still to come needs (memory stays bounded).
        if self._rasters:
            live = {layer.key for layer in self.layers if layer.stop > i + 1}
            for key in [k for k in self._rasters if k not in live]:
                del self._rasters[key]
        return shown

    def close(self) -> None:
        self._rasters.clear()


def _key(seg: Segment, size: int) -> tuple[str, int, tuple[int, int, int], str]:
    pos = (seg.pos or "").strip().lower()
    if pos not in _POSITIONS:
        # subtitles sit at the bottom unless told otherwise; titles and overlays centre
        pos = "bottom" if seg.k == "subtitle" else "center"
    return (seg.tx or "", size, parse_color(seg.color), pos)
