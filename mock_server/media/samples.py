"""Generate one small sample per accepted upload format (no downloaded binaries).

    python fixtures/media/make_samples.py OUT_DIR [EXT ...]

Every sample is tiny (a few KB, at most 1 s) and made with the encoders bundled in PyAV's
FFmpeg and with Pillow:

| ext  | container  | video               | audio      |
|------|------------|---------------------|------------|
| mp4  | mp4        | libx264 yuv420p     | aac        |
| mov  | mov        | libx264 yuv420p     | aac        |
| avi  | avi        | mpeg4               | libmp3lame |
| webm | webm       | libvpx (VP8)        | libopus    |
| mkv  | matroska   | libx264 yuv420p     | aac        |
| mp3  | mp3        |                     | libmp3lame |
| wav  | wav        |                     | pcm_s16le  |
| m4a  | ipod (mp4) |                     | aac        |
| aac  | adts       |                     | aac        |

Images: jpg/jpeg (JPEG), png, gif (two frames, animated), webp (Pillow).

Tests import this file (by path) and call `make_sample` / `write_video` / `write_audio` /
`write_image` to build media into `tmp_path`.
"""

from __future__ import annotations

import math
import sys
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from PIL import Image

from mock_server.media.synth import mux_audio

VIDEO_FORMATS: dict[str, tuple[str, str, str]] = {
    # ext: (container format, video encoder, audio encoder)
    "mp4": ("mp4", "libx264", "aac"),
    "mov": ("mov", "libx264", "aac"),
    "avi": ("avi", "mpeg4", "libmp3lame"),
    "webm": ("webm", "libvpx", "libopus"),
    "mkv": ("matroska", "libx264", "aac"),
}
AUDIO_FORMATS: dict[str, tuple[str, str]] = {
    "mp3": ("mp3", "libmp3lame"),
    "wav": ("wav", "pcm_s16le"),
    "m4a": ("ipod", "aac"),
    "aac": ("adts", "aac"),
}
IMAGE_FORMATS: dict[str, str] = {
    "jpg": "JPEG",
    "jpeg": "JPEG",
    "png": "PNG",
    "gif": "GIF",
    "webp": "WEBP",
}
ALL_EXTENSIONS: tuple[str, ...] = (*VIDEO_FORMATS, *IMAGE_FORMATS, *AUDIO_FORMATS)

# Sample geometry: small, 16:9, even.
WIDTH, HEIGHT, FPS, SECONDS = 160, 90, 10, 1.0


def _tone(seconds: float, rate: int, freq: float, channels: int) -> np.ndarray:
    """A sine tone at -12 dBFS, shape (channels, samples), float32."""
    n = round(seconds * rate)
    t = np.arange(n, dtype=np.float64) / rate
    wave = (0.25 * np.sin(2 * math.pi * freq * t)).astype(np.float32)
    return np.repeat(wave[None, :], channels, axis=0)


def _encode_audio(
    container: av.container.OutputContainer,
    stream: av.AudioStream,
    samples: np.ndarray,
    rate: int,
) -> None:
    if stream.codec_context.name != "pcm_s16le":
        stream.bit_rate = 32_000  # keep samples small
    mux_audio(container, stream, samples, rate)


def write_video(
    path: Path,
    *,
    width: int = WIDTH,
    height: int = HEIGHT,
    seconds: float = SECONDS,
    fps: int = FPS,
    color: tuple[int, int, int] | None = None,
    colors: list[tuple[int, int, int]] | None = None,
    audio: bool = True,
    container_format: str = "mp4",
    video_codec: str = "libx264",
    audio_codec: str = "aac",
    faststart: bool = False,
    tone_hz: float = 440.0,
) -> Path:
    """Write a short clip. `color` → solid frames of that RGB colour; `colors` → solid
    frames, the clip split evenly between the colours in order; otherwise a gradient
    with a moving white bar. `audio` adds a quiet sine tone."""
    path.parent.mkdir(parents=True, exist_ok=True)
    options = {"movflags": "+faststart"} if faststart else {}
    with av.open(str(path), "w", format=container_format, options=options) as container:
        vstream = container.add_stream(video_codec, rate=fps)
        assert isinstance(vstream, av.VideoStream)
        vstream.width, vstream.height = width, height
        vstream.pix_fmt = "yuv420p"
        if video_codec == "libx264":
            vstream.options = {"preset": "ultrafast", "crf": "30"}
        astream: av.AudioStream | None = None
        rate = 48000
        if audio:
            added = container.add_stream(audio_codec, rate=rate, layout="mono")
            assert isinstance(added, av.AudioStream)
            astream = added
        frames = max(1, round(seconds * fps))
        ys, xs = np.mgrid[0:height, 0:width]
        for i in range(frames):
            solid = colors[i * len(colors) // frames] if colors else color
            if solid is not None:
                rgb = np.empty((height, width, 3), dtype=np.uint8)
                rgb[:] = solid
            else:
                rgb = np.stack(
                    [
                        (xs * 255 // max(1, width - 1)),
                        (ys * 255 // max(1, height - 1)),
                        np.full_like(xs, (i * 40) % 256),
                    ],
                    axis=-1,
                ).astype(np.uint8)
                bar = (i * width // frames) % width
                rgb[:, bar : bar + max(2, width // 16)] = 255
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            frame.pts = i
            frame.time_base = Fraction(1, fps)
            container.mux(vstream.encode(frame))
        container.mux(vstream.encode(None))
        if astream is not None:
            _encode_audio(container, astream, _tone(frames / fps, rate, tone_hz, 1), rate)
    return path


def write_audio(
    path: Path,
    *,
    seconds: float = SECONDS,
    container_format: str = "mp3",
    codec: str = "libmp3lame",
    rate: int = 48000,
    channels: int = 1,
    freq: float = 440.0,
) -> Path:
    """Write a sine tone."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w", format=container_format) as container:
        stream = container.add_stream(
            codec, rate=rate, layout="mono" if channels == 1 else "stereo"
        )
        assert isinstance(stream, av.AudioStream)
        _encode_audio(container, stream, _tone(seconds, rate, freq, channels), rate)
    return path


def write_image(
    path: Path,
    *,
    width: int = WIDTH,
    height: int = HEIGHT,
    color: tuple[int, int, int] | None = None,
    image_format: str | None = None,
) -> Path:
    """Write a still (gif: two frames, animated). `color` → solid; otherwise a gradient."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fmt = image_format or IMAGE_FORMATS[path.suffix.lower().lstrip(".")]
    if color is not None:
        rgb = np.empty((height, width, 3), dtype=np.uint8)
        rgb[:] = color
    else:
        ys, xs = np.mgrid[0:height, 0:width]
        rgb = np.stack(
            [xs * 255 // max(1, width - 1), ys * 255 // max(1, height - 1), np.full_like(xs, 90)],
            axis=-1,
        ).astype(np.uint8)
    image = Image.fromarray(rgb, "RGB")
    if fmt == "GIF":
        second = Image.fromarray(255 - rgb, "RGB")
        image.save(path, format="GIF", save_all=True, append_images=[second], duration=200, loop=0)
    elif fmt == "JPEG":
        image.save(path, format="JPEG", quality=80)
    else:
        image.save(path, format=fmt)
    return path


def make_sample(directory: Path, ext: str, name: str = "sample") -> Path:
    """One small valid sample with extension `ext` in `directory`."""
    ext = ext.lower().lstrip(".")
    path = Path(directory) / f"{name}.{ext}"
    if ext in VIDEO_FORMATS:
        fmt, vcodec, acodec = VIDEO_FORMATS[ext]
        return write_video(path, container_format=fmt, video_codec=vcodec, audio_codec=acodec)
    if ext in AUDIO_FORMATS:
        fmt, codec = AUDIO_FORMATS[ext]
        # 8 kHz keeps the uncompressed WAV at 16 KB; the others are compressed anyway.
        return write_audio(
            path, container_format=fmt, codec=codec, rate=8000 if ext == "wav" else 48000
        )
    if ext in IMAGE_FORMATS:
        return write_image(path)
    raise ValueError(f"no sample recipe for .{ext}; known: {', '.join(ALL_EXTENSIONS)}")


def make_all(
    directory: Path, exts: tuple[str, ...] | list[str] = ALL_EXTENSIONS
) -> dict[str, Path]:
    """A sample per extension; returns {ext: path}."""
    return {ext: make_sample(directory, ext) for ext in exts}


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    out = Path(args[0])
    for ext, path in make_all(out, args[1:] or ALL_EXTENSIONS).items():
        print(f"{ext:5} {path.stat().st_size:7d} B  {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
