"""Colour grades (`fx` filter names) and fades, applied to yuv420p planes with numpy.

Each filter is a whole-plane operation: a 256-entry lookup table on luma or chroma, a
constant chroma, a 3-tap blur or a precomputed mask; no per-pixel Python. Pictures stay
in limited-range BT.601 (black is Y 16, neutral chroma 128), the encoder's input format.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

import numpy as np

from mock_server.media.frames import U8, Yuv420

_LEVELS = np.arange(256, dtype=np.float32)


def _lut(values: np.ndarray) -> U8:
    return np.clip(np.rint(values), 0, 255).astype(np.uint8)


def _luma_lut(gain: float = 1.0, lift: float = 0.0, gamma: float = 1.0, pivot: float = 16.0) -> U8:
    """Y' = pivot + (Y - pivot) * gain + lift, with an optional gamma on the 16..235 range."""
    y = _LEVELS.astype(np.float64)
    if gamma != 1.0:
        y = 16 + np.clip((y - 16) / 219, 0, 1) ** gamma * 219
    return _lut(pivot + (y - pivot) * gain + lift)


def _chroma_lut(gain: float = 1.0, shift: float = 0.0) -> U8:
    return _lut(128 + (_LEVELS - 128) * gain + shift)


def _map(plane: U8, lut: U8) -> None:
    plane[...] = lut[plane]


def _blur(plane: U8) -> np.ndarray:
    """A 1-2-1 blur in both directions, edges kept, as uint16 (same shape)."""
    p = plane.astype(np.uint16)
    h = p.copy()
    h[:, 1:-1] = (p[:, :-2] + 2 * p[:, 1:-1] + p[:, 2:] + 2) >> 2
    v = h.copy()
    v[1:-1] = (h[:-2] + 2 * h[1:-1] + h[2:] + 2) >> 2
    return v


@lru_cache(maxsize=8)
def _vignette(width: int, height: int) -> np.ndarray:
    """Gain (0..256 as uint16) falling from 1 in the centre to ~0.45 in the corners."""
    x = (np.arange(width, dtype=np.float32) - (width - 1) / 2) / (width / 2)
    y = (np.arange(height, dtype=np.float32) - (height - 1) / 2) / (height / 2)
    r2 = x[None, :] ** 2 + y[:, None] ** 2
    gain = 1.0 - 0.55 * np.clip(r2 / 2, 0, 1) ** 1.2
    return np.rint(gain * 256).astype(np.uint16)


def _grayscale(img: Yuv420) -> None:
    img.u.fill(128)
    img.v.fill(128)


def _sepia(img: Yuv420) -> None:
    _map(img.y, _SEPIA_Y)
    img.u.fill(114)  # a brown tint: less blue, more red
    img.v.fill(141)


def _warm(img: Yuv420) -> None:
    _map(img.u, _WARM_U)
    _map(img.v, _WARM_V)


def _cool(img: Yuv420) -> None:
    _map(img.u, _COOL_U)
    _map(img.v, _COOL_V)


def _vintage(img: Yuv420) -> None:
    _map(img.y, _VINTAGE_Y)
    _map(img.u, _VINTAGE_U)
    _map(img.v, _VINTAGE_V)
    _vignette_planes(img)


def _vivid(img: Yuv420) -> None:
    _map(img.u, _VIVID_UV)
    _map(img.v, _VIVID_UV)


def _bright(img: Yuv420) -> None:
    _map(img.y, _BRIGHT_Y)


def _dark(img: Yuv420) -> None:
    _map(img.y, _DARK_Y)


def _contrast(img: Yuv420) -> None:
    _map(img.y, _CONTRAST_Y)


def _soft(img: Yuv420) -> None:
    img.y[...] = _blur(img.y)
    _map(img.y, _SOFT_Y)


def _sharpen(img: Yuv420) -> None:
    y = img.y.astype(np.int16)
    detail = y - _blur(img.y).astype(np.int16)
    np.clip(y + detail, 0, 255, out=y)
    img.y[...] = y


def _denoise(img: Yuv420) -> None:
    img.y[...] = _blur(img.y)
    img.u[...] = _blur(img.u)
    img.v[...] = _blur(img.v)


def _vignette_planes(img: Yuv420) -> None:
    mask = _vignette(img.width, img.height)
    img.y[...] = 16 + (((img.y.astype(np.uint16) - 16).clip(0) * mask) >> 8)


def _cinematic(img: Yuv420) -> None:
    """Teal shadows, orange highlights, a little more contrast; 2.39:1 bars on a
    landscape picture."""
    _map(img.y, _CINEMATIC_Y)
    luma = img.y[::2, ::2].astype(np.int16) - 128  # one luma sample per chroma sample
    tone = luma[: img.u.shape[0], : img.u.shape[1]] // 6
    img.u[...] = np.clip(img.u.astype(np.int16) - tone, 0, 255)
    img.v[...] = np.clip(img.v.astype(np.int16) + tone, 0, 255)
    if img.width > img.height:
        bar = max(0, (img.height - round(img.width / 2.39)) // 4 * 2)
        if bar:
            for plane, b in ((img.y, bar), (img.u, bar // 2), (img.v, bar // 2)):
                fill = 16 if plane is img.y else 128
                plane[:b] = fill
                plane[plane.shape[0] - b :] = fill


_SEPIA_Y = _luma_lut(gain=0.9, lift=8)
_WARM_U, _WARM_V = _chroma_lut(shift=-9), _chroma_lut(shift=11)
_COOL_U, _COOL_V = _chroma_lut(shift=11), _chroma_lut(shift=-9)
_VINTAGE_Y = _luma_lut(gain=0.82, lift=14, gamma=0.9)
_VINTAGE_U, _VINTAGE_V = _chroma_lut(gain=0.7, shift=-7), _chroma_lut(gain=0.7, shift=6)
_VIVID_UV = _chroma_lut(gain=1.4)
_BRIGHT_Y = _luma_lut(gamma=0.7, lift=6)
_DARK_Y = _luma_lut(gain=0.65)
_CONTRAST_Y = _luma_lut(gain=1.35, pivot=126)
_SOFT_Y = _luma_lut(gain=0.9, pivot=126, lift=4)
_CINEMATIC_Y = _luma_lut(gain=1.15, pivot=120, gamma=1.05)

FILTERS: dict[str, Callable[[Yuv420], None]] = {
    "grayscale": _grayscale,
    "sepia": _sepia,
    "warm": _warm,
    "cool": _cool,
    "vintage": _vintage,
    "vivid": _vivid,
    "bright": _bright,
    "dark": _dark,
    "contrast": _contrast,
    "soft": _soft,
    "sharpen": _sharpen,
    "vignette": _vignette_planes,
    "denoise": _denoise,
    "cinematic": _cinematic,
}


def fade(img: Yuv420, factor: float) -> None:
    """Towards black: factor 1 leaves the picture, 0 makes it black."""
    if factor >= 1.0:
        return
    f = max(0.0, factor)
    _map(img.y, _luma_lut(gain=f))
    chroma = _chroma_lut(gain=f)
    _map(img.u, chroma)
    _map(img.v, chroma)


def graded(src: Yuv420, dst: Yuv420, filters: tuple[str, ...], factor: float) -> Yuv420:
    """`src` with `filters` (in order) then a fade to black by `factor`, written to `dst`
    (same size); `src` itself when there is nothing to do."""
    if not filters and factor >= 1.0:
        return src
    dst.copy_from(src)
    for name in filters:
        FILTERS[name](dst)
    fade(dst, factor)
    return dst
