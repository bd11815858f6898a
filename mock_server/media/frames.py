"""Frame plumbing shared by `synth` and `render`: canvas sizes, packed yuv420p images,
and pre-rendered RGBA overlays (text, sprites) composited with numpy.

Everything stays in limited-range BT.601 yuv420p, the encoder's input format, so a frame
goes to the encoder without a per-frame colour conversion. Overlays are converted once
and blended per frame only over their bounding box.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from functools import lru_cache

import av
import numpy as np
import numpy.typing as npt
from PIL import Image, ImageColor, ImageDraw, ImageFont

U8 = npt.NDArray[np.uint8]
F32 = npt.NDArray[np.float32]

MAX_LANDSCAPE = (1920, 1080)
MAX_PORTRAIT = (1080, 1920)
BLACK_YUV = (16, 128, 128)


def _even_down(value: float) -> int:
    return max(2, int(value) // 2 * 2)


def fit_canvas(width: int, height: int) -> tuple[int, int]:
    """Clamp a requested canvas to at most 1920x1080 (landscape/square) or 1080x1920
    (portrait), keeping the aspect ratio; both sides even and at least 2."""
    if width <= 0 or height <= 0:
        raise ValueError(f"canvas must be positive, got {width}x{height}")
    max_w, max_h = MAX_LANDSCAPE if width >= height else MAX_PORTRAIT
    scale = min(1.0, max_w / width, max_h / height)
    return min(max_w, _even_down(width * scale + 1e-6)), min(
        max_h, _even_down(height * scale + 1e-6)
    )


def fit_box(src_w: int, src_h: int, box_w: int, box_h: int) -> tuple[int, int, int, int]:
    """Letterbox: (x, y, w, h) of `src` scaled to fit inside the box, centred; all even."""
    scale = min(box_w / src_w, box_h / src_h)
    w = min(box_w, _even_down(round(src_w * scale)))
    h = min(box_h, _even_down(round(src_h * scale)))
    return (box_w - w) // 4 * 2, (box_h - h) // 4 * 2, w, h


def parse_color(
    value: str | None, default: tuple[int, int, int] = (255, 255, 255)
) -> tuple[int, int, int]:
    """ "#rrggbb", "#rgb" or a CSS colour name → RGB; anything else → `default`."""
    if not value:
        return default
    try:
        rgb = ImageColor.getrgb(value)
    except ValueError:
        return default
    return int(rgb[0]), int(rgb[1]), int(rgb[2])


class Yuv420:
    """A yuv420p picture as three numpy plane views (y full size, u/v half size) over the
    planes of an `av.VideoFrame`: writing to the views writes the frame, and `to_frame()`
    hands that frame to the encoder without any copy or conversion."""

    __slots__ = ("frame", "height", "u", "v", "width", "y")

    def __init__(self, frame: av.VideoFrame) -> None:
        if frame.format.name != "yuv420p":
            raise ValueError(f"expected a yuv420p frame, got {frame.format.name}")
        self.frame = frame
        self.width, self.height = frame.width, frame.height
        self.y, self.u, self.v = (_plane_view(frame, i) for i in range(3))

    @classmethod
    def new(cls, width: int, height: int) -> Yuv420:
        if width % 2 or height % 2 or width <= 0 or height <= 0:
            raise ValueError(f"yuv420p needs positive even sides, got {width}x{height}")
        return cls(av.VideoFrame(width, height, "yuv420p"))

    @classmethod
    def black(cls, width: int, height: int) -> Yuv420:
        img = cls.new(width, height)
        img.fill(BLACK_YUV)
        return img

    @classmethod
    def from_frame(cls, frame: av.VideoFrame) -> Yuv420:
        """Wrap a decoded frame (converted to yuv420p first if it isn't)."""
        if frame.format.name != "yuv420p":
            frame = frame.reformat(format="yuv420p")
        return cls(frame)

    @classmethod
    def from_rgb(cls, rgb: U8) -> Yuv420:
        """RGB (h, w, 3) uint8 with even sides → yuv420p (swscale, BT.601 limited range)."""
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
        return cls(frame.reformat(format="yuv420p"))

    def fill(self, yuv: tuple[int, int, int]) -> None:
        self.y.fill(yuv[0])
        self.u.fill(yuv[1])
        self.v.fill(yuv[2])

    def copy_from(self, other: Yuv420) -> None:
        np.copyto(self.y, other.y)
        np.copyto(self.u, other.u)
        np.copyto(self.v, other.v)

    def paste(self, other: Yuv420, x: int, y: int) -> None:
        """Opaque copy of `other` with its top-left at (x, y) (even), clipped to self."""
        _blit(self.y, other.y, x, y)
        _blit(self.u, other.u, x // 2, y // 2)
        _blit(self.v, other.v, x // 2, y // 2)

    def to_frame(self) -> av.VideoFrame:
        """The underlying frame (shared, not a copy). Encoders copy input on send, so the
        picture may be changed again once `encode()` has returned."""
        return self.frame

    def to_rgb(self) -> U8:
        return np.asarray(self.frame.to_ndarray(format="rgb24"), dtype=np.uint8)


def _plane_view(frame: av.VideoFrame, index: int) -> U8:
    plane = frame.planes[index]
    w = frame.width if index == 0 else frame.width // 2
    h = frame.height if index == 0 else frame.height // 2
    rows: U8 = np.frombuffer(memoryview(plane), np.uint8)[: plane.line_size * h].reshape(
        h, plane.line_size
    )
    return rows[:, :w]


def _clip(dst_len: int, src_len: int, at: int) -> tuple[int, int, int, int] | None:
    """Overlapping ranges: (dst0, dst1, src0, src1) or None when disjoint."""
    d0, d1 = max(0, at), min(dst_len, at + src_len)
    if d1 <= d0:
        return None
    return d0, d1, d0 - at, d1 - at


def _blit(dst: U8, src: U8, x: int, y: int) -> None:
    cy = _clip(dst.shape[0], src.shape[0], y)
    cx = _clip(dst.shape[1], src.shape[1], x)
    if cy is None or cx is None:
        return
    dst[cy[0] : cy[1], cx[0] : cx[1]] = src[cy[2] : cy[3], cx[2] : cx[3]]


class Overlay:
    """An RGBA patch, converted once to yuv420p planes plus alpha, then alpha-blended onto
    frames over its bounding box only. Position is rounded down to even pixels."""

    def __init__(self, rgba: U8, x: int = 0, y: int = 0) -> None:
        h, w = rgba.shape[:2]
        pw, ph = w + (w & 1), h + (h & 1)
        if (pw, ph) != (w, h):
            padded = np.zeros((ph, pw, 4), np.uint8)
            padded[:h, :w] = rgba
            rgba = padded
        self.width, self.height = pw, ph
        self.x, self.y = x // 2 * 2, y // 2 * 2
        yuv = Yuv420.from_rgb(np.ascontiguousarray(rgba[:, :, :3]))
        alpha = rgba[:, :, 3].astype(np.float32) / 255.0
        alpha_uv = alpha.reshape(ph // 2, 2, pw // 2, 2).mean(axis=(1, 3))
        self._planes: list[tuple[int, F32, F32]] = []
        for idx, (plane, a) in enumerate(((yuv.y, alpha), (yuv.u, alpha_uv), (yuv.v, alpha_uv))):
            premultiplied = (plane.astype(np.float32) * a + 0.5).astype(np.float32)
            self._planes.append((idx, premultiplied, (1.0 - a).astype(np.float32)))

    def apply(self, img: Yuv420, x: int | None = None, y: int | None = None) -> None:
        px = self.x if x is None else x // 2 * 2
        py = self.y if y is None else y // 2 * 2
        for idx, pre, inv in self._planes:
            dst = (img.y, img.u, img.v)[idx]
            sx, sy = (px, py) if idx == 0 else (px // 2, py // 2)
            cy = _clip(dst.shape[0], pre.shape[0], sy)
            cx = _clip(dst.shape[1], pre.shape[1], sx)
            if cy is None or cx is None:
                continue
            region = dst[cy[0] : cy[1], cx[0] : cx[1]]
            blended = region * inv[cy[2] : cy[3], cx[2] : cx[3]] + pre[cy[2] : cy[3], cx[2] : cx[3]]
            np.copyto(region, blended, casting="unsafe")


# FreeType faces are not thread-safe; text is rasterised once per segment, so one lock
# around it costs nothing (renders may run in a thread pool).
_TEXT_LOCK = threading.Lock()


@lru_cache(maxsize=32)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def _wrap(
    text: str, font: ImageFont.FreeTypeFont | ImageFont.ImageFont, max_width: int
) -> list[str]:
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        line = ""
        for word in paragraph.split():
            candidate = f"{line} {word}" if line else word
            if font.getlength(candidate) <= max_width:
                line = candidate
                continue
            if line:
                lines.append(line)
            # A single word wider than the box is broken by characters.
            line = ""
            for ch in word:
                if line and font.getlength(line + ch) > max_width:
                    lines.append(line)
                    line = ""
                line += ch
        lines.append(line)
    return lines


def render_text(
    text: str,
    *,
    size: int,
    max_width: int,
    color: tuple[int, int, int] = (255, 255, 255),
    stroke: tuple[int, int, int] = (0, 0, 0),
    max_lines: int | None = None,
) -> U8:
    """Centred, word-wrapped text with a dark outline, as an RGBA array (tight box).
    Uses Pillow's default font (FreeType, scalable) at `size` px."""
    with _TEXT_LOCK:
        return _render_text(text, size, max_width, color, stroke, max_lines)


def _render_text(
    text: str,
    size: int,
    max_width: int,
    color: tuple[int, int, int],
    stroke: tuple[int, int, int],
    max_lines: int | None,
) -> U8:
    size = max(6, int(size))
    font = _font(size)
    stroke_width = max(1, size // 16)
    lines: Sequence[str] = _wrap(text, font, max(size, max_width - 2 * stroke_width))
    if max_lines is not None and len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], lines[max_lines - 1].rstrip() + "…"]
    body = "\n".join(lines)
    spacing = max(2, size // 4)
    probe = ImageDraw.Draw(Image.new("L", (1, 1)))
    left, top, right, bottom = probe.multiline_textbbox(
        (0, 0), body, font=font, spacing=spacing, align="center", stroke_width=stroke_width
    )
    w, h = max(2, int(right - left) + 2), max(2, int(bottom - top) + 2)
    image = Image.new("RGBA", (w, h), (*stroke, 0))
    ImageDraw.Draw(image).multiline_text(
        (1 - left, 1 - top),
        body,
        font=font,
        fill=(*color, 255),
        spacing=spacing,
        align="center",
        stroke_width=stroke_width,
        stroke_fill=(*stroke, 255),
    )
    return np.asarray(image, dtype=np.uint8)


def text_overlay(
    text: str,
    canvas: tuple[int, int],
    *,
    size: int,
    color: tuple[int, int, int] = (255, 255, 255),
    pos: str = "center",
    max_lines: int | None = None,
) -> Overlay:
    """Text placed on a canvas: centred horizontally; `pos` top | center | bottom."""
    cw, ch = canvas
    rgba = render_text(text, size=size, max_width=int(cw * 0.9), color=color, max_lines=max_lines)
    h, w = rgba.shape[:2]
    if h > ch or w > cw:  # never larger than the canvas
        rgba = rgba[: min(h, ch) // 2 * 2, : min(w, cw) // 2 * 2]
        h, w = rgba.shape[:2]
    x = (cw - w) // 2
    if pos == "top":
        y = int(ch * 0.08)
    elif pos == "bottom":
        y = ch - h - int(ch * 0.10)
    else:
        y = (ch - h) // 2
    return Overlay(rgba, x, max(0, min(y, ch - h)))
