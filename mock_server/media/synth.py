"""Deterministic generated media for the fake agent: video clips and background music.

`make_clip` writes a real H.264 (yuv420p) MP4 without an audio track: a picture of what
the prompt describes (`scene.py`: time of day, weather, mountains, water, city, forest…,
graded by the prompt's style words), with the camera drifting slowly sideways and the
water, rain, snow or stars moving. Everything derives from (prompt, seed), so the same
(prompt, seed, size, seconds, fps) gives byte-identical files with the same PyAV/FFmpeg
build (x264 runs with a fixed thread count and is deterministic by default; the MP4 muxer
writes no wall-clock time).

Speed: the scene is painted with numpy a few times (once per phase of its moving parts),
each converted to yuv420p once; each frame is a slice of one of them. No per-frame
painting, no per-frame colour conversion.

`make_bgm` writes AAC in an M4A container (or MP3 / ADTS AAC / WAV when `out` ends in
.mp3 / .aac / .wav): 48 kHz stereo, a chord progression with bass and, for rhythmic
styles, kick and hat, all from numpy with a seeded generator.
"""

from __future__ import annotations

import hashlib
import math
from fractions import Fraction
from pathlib import Path

import av
import av.container
import numpy as np

from mock_server.media import grade
from mock_server.media.frames import F32, U8, Yuv420, fit_canvas
from mock_server.media.probe import MediaInfo, probe
from mock_server.media.scene import painter

ENCODER_THREADS = 2  # fixed: x264 output depends on its thread count
SAMPLE_RATE = 48000


_PHASES = 8  # pictures of the moving parts (ripples, rain, snow, stars), looped
_PHASE_SECONDS = 1.6  # one loop through them
_PAN_SECONDS = 12.0  # one drift across the scene and back


def _even(value: float) -> int:
    return int(value) // 2 * 2


def _picture(rgb: U8, filters: tuple[str, ...]) -> Yuv420:
    """An RGB painting as yuv420p, with the prompt's style grade."""
    picture = Yuv420.from_rgb(rgb)
    for name in filters:
        grade.FILTERS[name](picture)
    return picture


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
    frames = max(1, round(seconds * fps))
    pan = _even(width * 0.08)  # the camera drifts sideways across a slightly wider scene
    scene, paint = painter(prompt, seed, width + pan, height)
    count = _PHASES if scene.animated else 1
    phases = [_picture(paint.frame(k / count), scene.filters) for k in range(count)]
    canvas = Yuv420.new(width, height)

    with av.open(str(out), "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height = width, height
        stream.pix_fmt = "yuv420p"
        stream.codec_context.thread_count = ENCODER_THREADS
        stream.codec_context.gop_size = 2 * fps
        stream.options = {"preset": "ultrafast", "crf": "26"}
        for i in range(frames):
            t = i / fps
            phase = phases[int(t * len(phases) / _PHASE_SECONDS) % len(phases)]
            offset = _even(pan * (0.5 - 0.5 * math.cos(2 * math.pi * t / _PAN_SECONDS)))
            canvas.y[:] = phase.y[:, offset : offset + width]
            canvas.u[:] = phase.u[:, offset // 2 : offset // 2 + width // 2]
            canvas.v[:] = phase.v[:, offset // 2 : offset // 2 + width // 2]
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
