"""Deterministic generated media for the fake agent: video clips and background music.

`make_clip` writes a real H.264 (yuv420p) MP4 without an audio track: a scrolling
colour field, two soft orbs on Lissajous paths and the prompt text. Colours, scroll speed
and direction and the orbs' paths all derive from sha256(seed, prompt), so different
prompts look different and the same (prompt, seed, size, seconds, fps) gives byte-identical
files with the same PyAV/FFmpeg build (x264 runs with a fixed thread count and is
deterministic by default; the MP4 muxer writes no wall-clock time).

Speed: the background is rendered once with numpy (periodic in x) and each frame is a
slice of it; orbs and text are pre-rendered RGBA overlays blended over their bounding
box in yuv420p. No per-frame Pillow work, no per-frame colour conversion.

`make_bgm` writes AAC in an M4A container (or MP3 / ADTS AAC / WAV when `out` ends in
.mp3 / .aac / .wav): 48 kHz stereo, a chord progression with bass and, for rhythmic
styles, kick and hat, all from numpy with a seeded generator.
"""

from __future__ import annotations

import colorsys
import hashlib
import math
from fractions import Fraction
from pathlib import Path

import av
import av.container
import numpy as np

from mock_server.media.frames import F32, U8, Overlay, Yuv420, fit_canvas, text_overlay
from mock_server.media.probe import MediaInfo, probe

ENCODER_THREADS = 2  # fixed: x264 output depends on its thread count
SAMPLE_RATE = 48000


class _Params:
    """Everything visual that derives from (prompt, seed)."""

    def __init__(self, prompt: str, seed: int) -> None:
        digest = hashlib.sha256(f"{seed}\x00{prompt}".encode()).digest()
        self.bytes = digest

        def unit(i: int) -> float:
            return digest[i] / 255.0

        base = unit(0)
        self.colors = [
            _hsv(base, 0.65 + 0.3 * unit(1), 0.55 + 0.35 * unit(2)),
            _hsv(base + 0.25 + 0.25 * unit(3), 0.6 + 0.3 * unit(4), 0.35 + 0.4 * unit(5)),
            _hsv(base + 0.55 + 0.2 * unit(6), 0.5 + 0.4 * unit(7), 0.25 + 0.3 * unit(8)),
        ]
        self.orb_colors = [
            _hsv(base + 0.5, 0.3 + 0.4 * unit(9), 0.95),
            _hsv(base + 0.15 + 0.2 * unit(10), 0.4 + 0.4 * unit(11), 0.9),
        ]
        self.tilt = 1.5 * (unit(12) - 0.5)  # stripes' slope
        self.waves = 1 + digest[13] % 3  # stripes across the width
        self.scroll_period = 4.0 + 8.0 * unit(14)  # seconds for one full width
        self.direction = 1 if digest[15] & 1 else -1
        self.phases = [2 * math.pi * unit(16 + i) for i in range(8)]
        self.periods = [2.5 + 5.0 * unit(24 + i) for i in range(4)]


def _hsv(h: float, s: float, v: float) -> tuple[int, int, int]:
    r, g, b = colorsys.hsv_to_rgb(h % 1.0, min(1.0, s), min(1.0, v))
    return round(r * 255), round(g * 255), round(b * 255)


def _background(p: _Params, width: int, height: int) -> Yuv420:
    """A colour field periodic in x with period `width`, returned twice as wide so any
    horizontal offset is a plain slice."""
    u = np.arange(width, dtype=np.float32)[None, :] / width
    v = np.arange(height, dtype=np.float32)[:, None] / height
    c0, c1, c2 = (np.asarray(c, np.float32) for c in p.colors)
    m = 0.5 + 0.5 * np.cos(2 * np.pi * (p.waves * u + p.tilt * v) + p.phases[0])
    m2 = 0.5 + 0.5 * np.cos(2 * np.pi * (u + 0.5 * v) + p.phases[1])
    mix = m[..., None] * c0 + (1 - m[..., None]) * c1
    mix = mix * (1 - 0.45 * v[..., None]) + c2 * (0.45 * v[..., None])
    mix = mix * (0.8 + 0.2 * m2[..., None])
    rgb = np.clip(mix, 0, 255).astype(np.uint8)
    single = Yuv420.from_rgb(np.ascontiguousarray(rgb))
    double = Yuv420.new(width * 2, height)
    for dst, src in ((double.y, single.y), (double.u, single.u), (double.v, single.v)):
        dst[:, : src.shape[1]] = src
        dst[:, src.shape[1] :] = src
    return double


def _orb(radius: int, color: tuple[int, int, int]) -> U8:
    size = 2 * radius
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    d = np.hypot(xx - radius + 0.5, yy - radius + 0.5) / radius
    alpha = np.clip(1.0 - d, 0.0, 1.0) ** 0.6 * 0.85
    highlight = np.clip(1.0 - np.hypot(xx - radius * 0.7, yy - radius * 0.7) / radius, 0, 1)
    rgb = np.asarray(color, np.float32)[None, None, :] * (0.75 + 0.25 * highlight[..., None])
    rgba = np.empty((size, size, 4), np.uint8)
    rgba[..., :3] = np.clip(rgb + 60 * highlight[..., None], 0, 255).astype(np.uint8)
    rgba[..., 3] = (alpha * 255).astype(np.uint8)
    return rgba


def make_clip(
    out: Path,
    *,
    prompt: str,
    seed: int,
    width: int,
    height: int,
    seconds: float,
    fps: int = 24,
) -> MediaInfo:
    """Write a generated H.264 MP4 (no audio) to `out` and return its probe.
    The size is clamped like a render canvas (≤ 1920x1080 / 1080x1920, even sides)."""
    if seconds <= 0 or fps <= 0:
        raise ValueError(f"seconds and fps must be positive, got {seconds}, {fps}")
    width, height = fit_canvas(width, height)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    p = _Params(prompt, seed)
    frames = max(1, round(seconds * fps))
    background = _background(p, width, height)
    radius = max(4, int(min(width, height) * 0.12))
    orbs = [Overlay(_orb(radius, c)) for c in p.orb_colors]
    caption = prompt.strip() or f"seed {seed}"
    text = text_overlay(
        caption,
        (width, height),
        size=max(10, round(min(width, height) * 0.06)),
        pos="bottom",
        max_lines=3,
    )
    canvas = Yuv420.new(width, height)
    shift_per_frame = p.direction * width / (p.scroll_period * fps)

    with av.open(str(out), "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height = width, height
        stream.pix_fmt = "yuv420p"
        stream.codec_context.thread_count = ENCODER_THREADS
        stream.codec_context.gop_size = 2 * fps
        stream.options = {"preset": "ultrafast", "crf": "26"}
        for i in range(frames):
            t = i / fps
            offset = round(i * shift_per_frame) % width // 2 * 2
            canvas.y[:] = background.y[:, offset : offset + width]
            canvas.u[:] = background.u[:, offset // 2 : offset // 2 + width // 2]
            canvas.v[:] = background.v[:, offset // 2 : offset // 2 + width // 2]
            for k, orb in enumerate(orbs):
                cx = width / 2 + (width / 2 - radius) * math.sin(
                    2 * math.pi * t / p.periods[2 * k] + p.phases[2 + 2 * k]
                )
                cy = height / 2 + (height / 2 - radius) * math.sin(
                    2 * math.pi * t / p.periods[2 * k + 1] + p.phases[3 + 2 * k]
                )
                orb.apply(canvas, int(cx) - radius, int(cy) - radius)
            text.apply(canvas)
            frame = canvas.to_frame()
            frame.pts = i
            frame.time_base = Fraction(1, fps)
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return probe(out, f"{out.stem or 'clip'}.mp4")


# --- music -----------------------------------------------------------------------------

# style: (bpm range, progression as semitone chords from the key root, drums?, brightness)
_STYLES: dict[str, tuple[tuple[int, int], list[tuple[int, ...]], bool, float]] = {
    "lofi": (
        (70, 86),
        [(2, 5, 9, 12), (7, 11, 14, 17), (0, 4, 7, 11), (9, 12, 16, 19)],
        True,
        0.35,
    ),
    "upbeat": ((112, 128), [(0, 4, 7), (7, 11, 14), (9, 12, 16), (5, 9, 12)], True, 0.6),
    "ambient": (
        (56, 68),
        [(0, 7, 14, 16), (5, 12, 16, 21), (-3, 4, 9, 12), (2, 9, 14, 17)],
        False,
        0.2,
    ),
    "cinematic": ((84, 96), [(0, 3, 7), (-4, 0, 3), (-9, -5, 0), (-2, 2, 5)], True, 0.45),
}
_AUDIO_CONTAINERS = {
    ".m4a": ("ipod", "aac"),
    ".mp3": ("mp3", "libmp3lame"),
    ".aac": ("adts", "aac"),
    ".wav": ("wav", "pcm_s16le"),
}


def _midi_hz(note: float) -> float:
    return 440.0 * 2 ** ((note - 69) / 12)


def _bgm_samples(seed: int, seconds: float, style: str) -> F32:
    """(2, n) float32 in [-1, 1]: the whole track."""
    key = style.lower().strip()
    if key not in _STYLES:
        digest = hashlib.sha256(key.encode()).digest()
        key = sorted(_STYLES)[digest[0] % len(_STYLES)]
    (bpm_lo, bpm_hi), progression, drums, bright = _STYLES[key]
    rng = np.random.default_rng(seed & 0xFFFFFFFF)
    bpm = float(rng.integers(bpm_lo, bpm_hi + 1))
    root = 48 + int(rng.integers(0, 10))
    beat = 60.0 / bpm
    bar = 4 * beat
    n = max(1, round(seconds * SAMPLE_RATE))
    out = np.zeros((2, n), np.float32)

    bar_n = round(bar * SAMPLE_RATE)
    tb = np.arange(bar_n, dtype=np.float32) / SAMPLE_RATE
    pad_env = np.minimum(1.0, tb / 0.08) * np.minimum(1.0, (bar - tb) / 0.12).clip(0, 1)
    beat_n = round(beat * SAMPLE_RATE)
    tbeat = np.arange(beat_n, dtype=np.float32) / SAMPLE_RATE
    pluck = np.exp(-tbeat * 6.0)
    kick = np.sin(2 * np.pi * (50 * tbeat + 60 / 18 * (1 - np.exp(-18 * tbeat)))) * np.exp(
        -tbeat * 9
    )
    hat_n = min(beat_n, round(0.05 * SAMPLE_RATE))
    hat = rng.standard_normal(hat_n).astype(np.float32)
    hat = np.diff(hat, prepend=0.0).astype(np.float32) * np.exp(
        -np.arange(hat_n) / (0.012 * SAMPLE_RATE)
    )

    for b, start in enumerate(range(0, n, bar_n)):
        chord = progression[b % len(progression)]
        block = np.zeros((2, bar_n), np.float32)
        for j, semis in enumerate(chord):
            f = _midi_hz(root + 12 + semis)
            for ch, detune in ((0, -0.6), (1, 0.6)):
                ph = 2 * np.pi * (f + detune) * tb + j
                tone = np.sin(ph) + bright * 0.5 * np.sin(2 * ph) + bright * 0.25 * np.sin(3 * ph)
                block[ch] += (0.16 * tone * pad_env).astype(np.float32)
        bass_f = _midi_hz(root - 12 + (chord[0] % 12))
        for k in range(4):
            s0 = k * beat_n
            seg = slice(s0, min(bar_n, s0 + beat_n))
            m = seg.stop - seg.start
            bass = 0.28 * np.sin(2 * np.pi * bass_f * tbeat[:m]) * pluck[:m]
            block[:, seg] += bass
            if drums:
                if k in (0, 2):
                    block[:, seg] += 0.45 * kick[:m]
                h0 = s0 + beat_n // 2
                hm = min(hat_n, bar_n - h0)
                if hm > 0:
                    block[0, h0 : h0 + hm] += 0.12 * hat[:hm]
                    block[1, h0 : h0 + hm] += 0.10 * hat[:hm]
        take = min(bar_n, n - start)
        out[:, start : start + take] = block[:, :take]

    fade = min(n // 4, round(0.5 * SAMPLE_RATE))
    if fade > 0:
        ramp = np.linspace(0.0, 1.0, fade, dtype=np.float32)
        out[:, :fade] *= ramp
        out[:, n - fade :] *= ramp[::-1]
    peak = float(np.abs(out).max())
    if peak > 0:
        out *= 0.7 / peak
    return out


def encode_audio(
    out: Path,
    samples: F32,
    *,
    rate: int = SAMPLE_RATE,
    container_format: str = "ipod",
    codec: str = "aac",
    bit_rate: int = 128_000,
) -> None:
    """Encode planar float samples (channels, n) into `out`."""
    layout = "mono" if samples.shape[0] == 1 else "stereo"
    with av.open(str(out), "w", format=container_format) as container:
        stream = container.add_stream(codec, rate=rate, layout=layout)
        assert isinstance(stream, av.AudioStream)
        if codec != "pcm_s16le":
            stream.bit_rate = bit_rate
        mux_audio(container, stream, samples, rate)


def mux_audio(
    container: av.container.OutputContainer, stream: av.AudioStream, samples: F32, rate: int
) -> None:
    """Feed planar float samples (channels, n) to an audio stream, then flush it."""
    layout = "mono" if samples.shape[0] == 1 else "stereo"
    chunk = 1024
    for start in range(0, samples.shape[1], chunk):
        part = np.ascontiguousarray(samples[:, start : start + chunk], dtype=np.float32)
        frame = av.AudioFrame.from_ndarray(part, format="fltp", layout=layout)
        frame.sample_rate = rate
        frame.pts = start
        frame.time_base = Fraction(1, rate)
        container.mux(stream.encode(frame))
    container.mux(stream.encode(None))


def make_bgm(out: Path, *, seed: int, seconds: float, style: str = "lofi") -> MediaInfo:
    """Write a generated, non-silent background track to `out` (M4A/AAC unless `out` ends
    in .mp3, .aac or .wav) and return its probe. Styles: lofi, upbeat, ambient,
    cinematic; any other name picks one of them deterministically."""
    if seconds <= 0:
        raise ValueError(f"seconds must be positive, got {seconds}")
    out = Path(out)
    suffix = out.suffix.lower() if out.suffix.lower() in _AUDIO_CONTAINERS else ".m4a"
    container_format, codec = _AUDIO_CONTAINERS[suffix]
    out.parent.mkdir(parents=True, exist_ok=True)
    encode_audio(
        out, _bgm_samples(seed, seconds, style), container_format=container_format, codec=codec
    )
    return probe(out, f"{out.stem or 'bgm'}{suffix}")
