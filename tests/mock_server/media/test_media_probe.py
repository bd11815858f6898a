from __future__ import annotations

import hashlib
import random
import struct
import zlib
from pathlib import Path
from types import ModuleType

import pytest

from mock_server.domain.errors import ACCEPTED_FORMATS, UnsupportedFileType
from mock_server.media.probe import (
    MEDIA_TYPES,
    MediaInfo,
    extension_of,
    kind_for_extension,
    mime_for_extension,
    probe,
)

KIND = {ext: kind for kind, exts in ACCEPTED_FORMATS.items() for ext in exts}
VIDEO_CODECS = {"mp4": "h264", "mov": "h264", "avi": "mpeg4", "webm": "vp8", "mkv": "h264"}
AUDIO_CODECS = {"mp3": "mp3", "wav": "pcm_s16le", "m4a": "aac", "aac": "aac"}
IMAGE_CODECS = {"jpg": "jpeg", "jpeg": "jpeg", "png": "png", "gif": "gif", "webp": "webp"}


def _reject(path: Path, filename: str) -> str:
    with pytest.raises(UnsupportedFileType) as info:
        probe(path, filename)
    err = info.value
    assert err.code == 4001
    assert filename in err.message
    assert ACCEPTED_FORMATS in err.details.values()  # the 4001 details list the formats
    return err.message


def _reject_bytes(folder: Path, filename: str, data: bytes) -> str:
    """`_reject` of `data` written as `folder/filename`."""
    path = folder / filename
    path.write_bytes(data)
    return _reject(path, filename)


# --- the extension table -----------------------------------------------------------------


def test_table_matches_documented_accepted_formats() -> None:
    by_kind = {
        kind: [t.ext for t in MEDIA_TYPES.values() if t.kind == kind] for kind in ACCEPTED_FORMATS
    }
    assert by_kind == ACCEPTED_FORMATS


@pytest.mark.parametrize(
    ("name", "kind", "mime"),
    [
        ("clip.mov", "video", "video/quicktime"),
        ("CLIP.MP4", "video", "video/mp4"),
        ("a/b/song.m4a", "audio", "audio/mp4"),
        ("photo.jpeg", "image", "image/jpeg"),
        ("photo.JPG", "image", "image/jpeg"),
        ("x.webm", "video", "video/webm"),
        ("x.mkv", "video", "video/x-matroska"),
        ("x.aac", "audio", "audio/aac"),
        ("x.mp3", "audio", "audio/mpeg"),
        (".png", "image", "image/png"),
        ("gif", "image", "image/gif"),
    ],
)
def test_kind_and_mime_for_extension(name: str, kind: str, mime: str) -> None:
    assert kind_for_extension(name) == kind
    assert mime_for_extension(name) == mime


@pytest.mark.parametrize("name", ["notes.txt", "archive.tar.gz", "noext", "clip.mp4.exe", ""])
def test_unknown_extensions(name: str) -> None:
    assert kind_for_extension(name) is None
    assert mime_for_extension(name) is None


def test_extension_of() -> None:
    assert extension_of("dir.v2/Clip.Final.MOV") == "mov"
    assert extension_of("C:\\x\\y.WAV") == "wav"


# --- valid samples -------------------------------------------------------------------------


@pytest.mark.parametrize("ext", sorted(KIND))
def test_probe_each_accepted_format(ext: str, samples: dict[str, Path]) -> None:
    path = samples[ext]
    info = probe(path, f"upload.{ext}")
    assert isinstance(info, MediaInfo)
    assert info.file_type == KIND[ext]
    data = path.read_bytes()
    assert info.size == len(data)
    assert info.hash == hashlib.sha256(data).hexdigest()
    if info.file_type == "video":
        assert (info.width, info.height) == (160, 90)
        assert info.fps == pytest.approx(10, abs=0.01)
        assert info.duration == pytest.approx(1.0, abs=0.15)
        assert info.codec == VIDEO_CODECS[ext]
        assert info.has_audio is True
    elif info.file_type == "audio":
        assert (info.width, info.height, info.fps) == (0, 0, 0)
        assert info.duration == pytest.approx(1.0, abs=0.1)
        assert info.codec == AUDIO_CODECS[ext]
        assert info.has_audio is True
    else:
        assert (info.width, info.height) == (160, 90)
        assert (info.duration, info.fps) == (0, 0)
        assert info.codec == IMAGE_CODECS[ext]
        assert info.has_audio is False


def test_probe_uses_the_upload_name_not_the_temp_path(
    samples: dict[str, Path], tmp_path: Path
) -> None:
    staged = tmp_path / "upload-1234.bin"
    staged.write_bytes(samples["mov"].read_bytes())
    assert probe(staged, "holiday.mov").file_type == "video"


def test_video_without_audio_and_portrait(ms: ModuleType, tmp_path: Path) -> None:
    path = ms.write_video(
        tmp_path / "p.mp4", width=90, height=160, seconds=2.0, fps=25, audio=False
    )
    info = probe(path, "p.mp4")
    assert (info.width, info.height, info.fps, info.has_audio) == (90, 160, 25.0, False)
    assert info.duration == pytest.approx(2.0, abs=0.05)


def test_animated_gif_is_an_image(samples: dict[str, Path]) -> None:
    info = probe(samples["gif"], "anim.gif")
    assert info.file_type == "image" and info.duration == 0 and info.fps == 0


def test_jpeg_bytes_named_png_are_still_an_image(samples: dict[str, Path], tmp_path: Path) -> None:
    path = tmp_path / "x.png"
    path.write_bytes(samples["jpg"].read_bytes())
    assert probe(path, "x.png").codec == "jpeg"


# --- bad media -----------------------------------------------------------------------------


def test_random_bytes_named_mp4(tmp_path: Path) -> None:
    data = random.Random(4001).randbytes(8192)
    assert "not a decodable video" in _reject_bytes(tmp_path, "video.mp4", data)


def test_random_bytes_named_png(tmp_path: Path) -> None:
    data = random.Random(1).randbytes(2048)
    assert "not a decodable image" in _reject_bytes(tmp_path, "x.png", data)


@pytest.mark.parametrize("ext", ["mp4", "mov", "m4a", "webm", "mkv", "avi", "mp3", "wav"])
def test_first_half_is_rejected_as_truncated(
    ext: str, samples: dict[str, Path], tmp_path: Path
) -> None:
    data = samples[ext].read_bytes()
    assert "truncated" in _reject_bytes(tmp_path, f"cut.{ext}", data[: len(data) // 2])


@pytest.mark.parametrize("fraction", [0.5, 0.9, 0.99])
def test_truncated_faststart_mp4(fraction: float, ms: ModuleType, tmp_path: Path) -> None:
    """With the index at the front the file still opens: the missing tail must be noticed."""
    full = ms.write_video(tmp_path / "full.mp4", faststart=True)
    assert probe(full, "full.mp4").duration == pytest.approx(1.0, abs=0.05)
    data = full.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: int(len(data) * fraction)])
    assert "truncated" in _reject(cut, "video.mp4")


def test_truncated_png(samples: dict[str, Path], tmp_path: Path) -> None:
    data = samples["png"].read_bytes()
    assert "not a decodable image" in _reject_bytes(tmp_path, "cut.png", data[: len(data) // 2])


def test_truncated_jpeg(ms: ModuleType, tmp_path: Path) -> None:
    full = ms.write_image(tmp_path / "big.jpg", width=320, height=240)
    data = full.read_bytes()
    assert "truncated or corrupt" in _reject_bytes(tmp_path, "cut.jpg", data[: len(data) // 2])


@pytest.mark.parametrize("ext", ["mp4", "png", "mp3"])
def test_zero_byte_file(ext: str, tmp_path: Path) -> None:
    assert "empty file" in _reject_bytes(tmp_path, f"empty.{ext}", b"")


def _png(width: int, height: int, raw: bytes = b"") -> bytes:
    """A hand-made RGB PNG; `raw` is the unfiltered scanline data (filter byte per row)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def test_zero_size_png(tmp_path: Path) -> None:
    assert "zero size (0x0)" in _reject_bytes(tmp_path, "zero.png", _png(0, 0))


def test_hand_made_png_helper_is_valid_when_not_zero(tmp_path: Path) -> None:
    """The crafted bytes are a real PNG apart from the size (guards the 0x0 test)."""
    path = tmp_path / "one.png"
    path.write_bytes(_png(1, 1, b"\x00\x10\x20\x30"))
    info = probe(path, "one.png")
    assert (info.width, info.height) == (1, 1)


def test_zero_size_gif(tmp_path: Path) -> None:
    data = b"GIF89a" + struct.pack("<HH", 0, 0) + b"\x00\x00\x00;"
    assert "zero size" in _reject_bytes(tmp_path, "zero.gif", data)


@pytest.mark.parametrize(
    ("sample", "name", "expected"),
    [
        ("png", "song.mp3", ("content is an image (PNG)", "audio")),
        ("gif", "clip.mp4", ("content is an image",)),
        ("mp4", "photo.png", ("not an image",)),
        ("m4a", "clip.mp4", ("only audio",)),  # an audio-only MP4 is not a video
        ("mp4", "song.m4a", ("contains video",)),  # a video named .m4a is not audio
        ("wav", "clip.mp4", ("only audio",)),
    ],
)
def test_content_of_another_kind_than_the_name(
    sample: str, name: str, expected: tuple[str, ...], samples: dict[str, Path], tmp_path: Path
) -> None:
    message = _reject_bytes(tmp_path, name, samples[sample].read_bytes())
    for part in expected:
        assert part in message


@pytest.mark.parametrize("name", ["notes.txt", "clip.flv", "noext"])
def test_unsupported_extension(name: str, samples: dict[str, Path]) -> None:
    message = _reject(samples["mp4"], name)
    assert "unsupported file type" in message and "mp4" in message
