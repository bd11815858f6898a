"""Probe an uploaded file: what it is, how long, how big, its hash; reject what isn't media.

The extension (of the *upload's* filename, not of the temp path it was saved to) decides
the expected kind via `MEDIA_TYPES`, the one table of accepted extensions, kinds and MIME
types. The bytes must then really be media of that kind:

- video/audio are opened with PyAV (FFmpeg); every packet of the file is demuxed once
  (streaming, nothing held in memory) and the first frames are decoded. A file cut short
  is caught several ways: MP4/MOV/M4A with the index at the end no longer open; with the
  index in front, the demuxer flags the partial packet and fewer packets arrive than the
  sample table lists; WebM, MKV, AVI and MP3 (Xing header) stop before the duration
  their header declares; WAV holds fewer bytes than its RIFF data size. A raw ADTS `.aac`
  stream has no header duration, so a cut one is just a shorter valid stream. Corruption
  past the first frames that the demuxer does not notice is not detected (no full decode).
- images are opened with Pillow (`verify()` then a real decode of the first frame;
  animated GIF/WebP are images, duration 0).

Every failure raises `UnsupportedFileType` (4001) with a message naming the file and the
reason: unknown extension, empty file, zero-size image, content of another kind than the
extension says, truncated, or not decodable.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Literal

import av
import av.container
import av.stream
from PIL import Image, UnidentifiedImageError

from mock_server.domain.errors import UnsupportedFileType

MediaKind = Literal["video", "image", "audio"]


@dataclass(frozen=True)
class MediaType:
    ext: str
    kind: MediaKind
    mime: str


MEDIA_TYPES: dict[str, MediaType] = {
    t.ext: t
    for t in (
        MediaType("mp4", "video", "video/mp4"),
        MediaType("mov", "video", "video/quicktime"),
        MediaType("avi", "video", "video/x-msvideo"),
        MediaType("webm", "video", "video/webm"),
        MediaType("mkv", "video", "video/x-matroska"),
        MediaType("jpg", "image", "image/jpeg"),
        MediaType("jpeg", "image", "image/jpeg"),
        MediaType("png", "image", "image/png"),
        MediaType("gif", "image", "image/gif"),
        MediaType("webp", "image", "image/webp"),
        MediaType("mp3", "audio", "audio/mpeg"),
        MediaType("wav", "audio", "audio/wav"),
        MediaType("m4a", "audio", "audio/mp4"),
        MediaType("aac", "audio", "audio/aac"),
    )
}

# Pillow formats accepted as image content (camera MPO files open through "JPEG").
_IMAGE_CONTENT = ("JPEG", "PNG", "GIF", "WEBP")
# FFmpeg demuxers that mean "this is a still image", whatever PyAV says about streams.
_IMAGE_DEMUXERS = frozenset({"image2", "gif", "apng", "webp", "ico"})
_BMP_DIB_SIZES = {struct.pack("<I", n) for n in (12, 40, 52, 56, 108, 124)}


@dataclass(frozen=True)
class MediaInfo:
    file_type: MediaKind
    duration: float  # seconds; 0 for images
    width: int  # 0 for audio
    height: int  # 0 for audio
    fps: float  # 0 for images and audio
    hash: str  # sha256 hex of the bytes
    size: int  # bytes
    codec: str  # e.g. "h264", "aac", "png"
    has_audio: bool


def extension_of(name: str) -> str:
    """`"Clip.MP4"` → `"mp4"`; a bare extension (`"mp4"`, `".mp4"`) is returned lowered."""
    base = name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    return base.rsplit(".", 1)[-1].lower() if "." in base else base.lower()


def media_type_for(name: str) -> MediaType | None:
    return MEDIA_TYPES.get(extension_of(name))


def kind_for_extension(name: str) -> str | None:
    """The kind ("video", "image" or "audio") of an accepted filename or extension, else None."""
    mt = media_type_for(name)
    return mt.kind if mt else None


def mime_for_extension(name: str) -> str | None:
    mt = media_type_for(name)
    return mt.mime if mt else None


def sha256_file(path: Path) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def probe(path: Path, filename: str) -> MediaInfo:
    """Describe the media at `path`, uploaded as `filename`; raise `UnsupportedFileType`
    if the extension is not accepted or the bytes are not decodable media of its kind."""
    path = Path(path)
    mt = media_type_for(filename)
    if mt is None:
        accepted = ", ".join(MEDIA_TYPES)
        raise UnsupportedFileType(
            f"{filename}: unsupported file type '.{extension_of(filename)}' (accepted: {accepted})"
        )
    size = path.stat().st_size
    if size == 0:
        raise UnsupportedFileType(f"{filename}: empty file (0 bytes)")
    head = _read_head(path)
    sniffed = _sniff(head)
    if sniffed is not None:
        kind, label = sniffed
        if kind == "image" and mt.kind != "image":
            raise UnsupportedFileType(
                f"{filename}: content is an image ({label}), not {_a(mt.kind)} as .{mt.ext} says"
            )
        if kind != "image" and mt.kind == "image":
            raise UnsupportedFileType(
                f"{filename}: content is {label} media, not an image as .{mt.ext} says"
            )
    if mt.kind == "image":
        width, height, codec = _probe_image(path, filename, head)
        return MediaInfo("image", 0.0, width, height, 0.0, sha256_file(path), size, codec, False)
    scan = _probe_av(path, filename, mt.kind, head)
    return MediaInfo(
        mt.kind,
        scan.duration,
        scan.width,
        scan.height,
        scan.fps,
        sha256_file(path),
        size,
        scan.codec,
        scan.has_audio,
    )


def _a(kind: str) -> str:
    return f"an {kind}" if kind[0] in "aeiou" else f"a {kind}"


def _read_head(path: Path, n: int = 64) -> bytes:
    with open(path, "rb") as fh:
        return fh.read(n)


def _sniff(head: bytes) -> tuple[str, str] | None:
    """Magic-byte guess: ("image"|"video"|"audio"|"av", label), or None if unknown.
    Only used to word mismatch errors; decoding decides validity."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image", "PNG"
    if head.startswith(b"\xff\xd8\xff"):
        return "image", "JPEG"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image", "GIF"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image", "WebP"
    if head.startswith(b"BM") and head[14:18] in _BMP_DIB_SIZES:
        return "image", "BMP"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio", "WAV"
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return "video", "AVI"
    if head[4:8] == b"ftyp":
        return "av", "MP4/QuickTime"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "av", "Matroska/WebM"
    if head.startswith(b"ID3"):
        return "audio", "MP3"
    return None


def _image_header_size(head: bytes) -> tuple[int, int] | None:
    """Width/height straight from a PNG IHDR or GIF screen descriptor (Pillow refuses to
    open a 0x0 PNG at all, and we want to say why)."""
    if head.startswith(b"\x89PNG\r\n\x1a\n") and head[12:16] == b"IHDR" and len(head) >= 24:
        w, h = struct.unpack(">II", head[16:24])
        return int(w), int(h)
    if head[:6] in (b"GIF87a", b"GIF89a") and len(head) >= 10:
        w, h = struct.unpack("<HH", head[6:10])
        return int(w), int(h)
    return None


def _probe_image(path: Path, filename: str, head: bytes) -> tuple[int, int, str]:
    header = _image_header_size(head)
    if header is not None and 0 in header:
        raise UnsupportedFileType(f"{filename}: image has zero size ({header[0]}x{header[1]})")
    try:
        with Image.open(path, formats=_IMAGE_CONTENT) as img:
            img.verify()
        with Image.open(path, formats=_IMAGE_CONTENT) as img:
            width, height = img.size
            fmt = (img.format or "image").lower()
            if width <= 0 or height <= 0:
                raise UnsupportedFileType(f"{filename}: image has zero size ({width}x{height})")
            if fmt in ("jpeg", "mpo"):
                img.draft("RGB", (max(1, width // 8), max(1, height // 8)))  # decode at 1/8
            img.load()
    except UnsupportedFileType:
        raise
    except Image.DecompressionBombError as exc:
        raise UnsupportedFileType(f"{filename}: image too large to decode ({exc})") from exc
    except UnidentifiedImageError as exc:
        raise UnsupportedFileType(
            f"{filename}: not a decodable image (expected JPEG, PNG, GIF or WebP content)"
        ) from exc
    except (OSError, SyntaxError, ValueError, struct.error, EOFError) as exc:
        raise UnsupportedFileType(
            f"{filename}: not a decodable image (truncated or corrupt: {exc})"
        ) from exc
    return width, height, "jpeg" if fmt == "mpo" else fmt


@dataclass(frozen=True)
class _Scan:
    duration: float
    width: int
    height: int
    fps: float
    codec: str
    has_audio: bool


def _seconds(value: int | None, time_base: Fraction | None) -> float | None:
    if value is None or time_base is None or value <= 0:
        return None
    return float(value * time_base)


def _is_attached_picture(stream: av.stream.Stream) -> bool:
    return bool(stream.disposition & av.stream.Disposition.attached_pic)


def _probe_av(path: Path, filename: str, kind: str, head: bytes) -> _Scan:
    undecodable = f"{filename}: not a decodable {kind}"
    try:
        container = av.open(str(path), "r", metadata_errors="ignore")
    except (av.FFmpegError, OSError, ValueError, UnicodeDecodeError) as exc:
        reason = "MP4 index (moov) not found" if head[4:8] == b"ftyp" else "unrecognised data"
        raise UnsupportedFileType(f"{undecodable} (truncated or corrupt: {reason})") from exc
    with container:
        if not isinstance(container, av.container.InputContainer):  # pragma: no cover
            raise UnsupportedFileType(undecodable)
        demuxer = container.format.name
        if demuxer in _IMAGE_DEMUXERS or demuxer.endswith("_pipe"):
            raise UnsupportedFileType(
                f"{filename}: content is an image ({demuxer}), not {_a(kind)}"
            )
        videos = [s for s in container.streams.video if not _is_attached_picture(s)]
        audios = list(container.streams.audio)
        if kind == "video" and not videos:
            if audios:
                raise UnsupportedFileType(
                    f"{filename}: contains only audio, no video stream (rename it .m4a/.mp3?)"
                )
            raise UnsupportedFileType(f"{undecodable} (no video stream)")
        if kind == "audio" and videos:
            raise UnsupportedFileType(f"{filename}: contains video, not audio only")
        if kind == "audio" and not audios:
            raise UnsupportedFileType(f"{undecodable} (no audio stream)")
        primary: av.VideoStream | av.AudioStream = videos[0] if kind == "video" else audios[0]
        return _scan(container, primary, filename, kind, path, has_audio=bool(audios))


def _scan(
    container: av.container.InputContainer,
    primary: av.VideoStream | av.AudioStream,
    filename: str,
    kind: str,
    path: Path,
    *,
    has_audio: bool,
) -> _Scan:
    undecodable = f"{filename}: not a decodable {kind}"
    ctx = primary.codec_context
    width = height = 0
    decoded = False
    end = 0.0
    start: float | None = None
    counts: dict[int, int] = {}
    try:
        for packet in container.demux():
            if packet.size == 0:
                continue
            if packet.is_corrupt:
                tb = packet.time_base
                at = float(packet.pts * tb) if packet.pts is not None and tb else end
                raise UnsupportedFileType(
                    f"{filename}: truncated or corrupt {kind}: damaged data at {at:.2f}s"
                )
            counts[packet.stream_index] = counts.get(packet.stream_index, 0) + 1
            if packet.pts is not None and packet.time_base is not None:
                t0 = float(packet.pts * packet.time_base)
                t1 = float((packet.pts + (packet.duration or 0)) * packet.time_base)
                end = max(end, t1, t0)
                if packet.stream_index == primary.index:
                    start = t0 if start is None else min(start, t0)
            if packet.stream_index == primary.index and not decoded and counts[primary.index] <= 64:
                for frame in ctx.decode(packet):
                    decoded = True
                    if isinstance(frame, av.VideoFrame):
                        width, height = frame.width, frame.height
                    break
        if not decoded:
            for frame in ctx.decode(None):
                decoded = True
                if isinstance(frame, av.VideoFrame):
                    width, height = frame.width, frame.height
                break
    except (av.FFmpegError, ValueError) as exc:
        raise UnsupportedFileType(f"{undecodable} (truncated or corrupt: {exc})") from exc
    if not counts.get(primary.index) or not decoded:
        raise UnsupportedFileType(f"{undecodable} (truncated or corrupt: no decodable frames)")
    if container.format.name.startswith("mov,"):
        # The MP4/MOV sample table lists every packet: all of them must be there.
        for stream in container.streams:
            got = counts.get(stream.index, 0)
            if stream.frames and got < stream.frames:
                raise UnsupportedFileType(
                    f"{filename}: truncated {kind}: {got} of {stream.frames} "
                    f"{stream.type} packets present"
                )

    fps = 0.0
    if isinstance(primary, av.VideoStream):
        rate = primary.average_rate or primary.guessed_rate or primary.base_rate
        fps = float(rate) if rate else 0.0
        if fps <= 0 or fps > 1000:
            fps = 0.0

    # What the header promises vs what the packets deliver.
    declared = [
        float(container.duration) / av.time_base if container.duration else None,
        _seconds(primary.duration, primary.time_base),
    ]
    if isinstance(primary, av.VideoStream) and primary.frames and fps:
        declared.append(primary.frames / fps)
    expected = max((d for d in declared if d), default=None)
    measured = end - (start if start is not None and start > 0 else 0.0)
    if expected is not None:
        tolerance = max(0.25, 3.0 / fps if fps else 0.0) + 0.02 * expected
        if end + tolerance < expected:
            raise UnsupportedFileType(
                f"{filename}: truncated {kind}: media stops at {end:.2f}s "
                f"of the {expected:.2f}s its header declares"
            )
    if container.format.name == "wav":
        _check_wav(path, filename)
    duration = expected if expected is not None else measured
    if duration <= 0:
        raise UnsupportedFileType(f"{undecodable} (zero duration)")
    codec = primary.codec_context.codec.canonical_name
    return _Scan(round(duration, 3), width, height, round(fps, 3), codec, has_audio)


def _check_wav(path: Path, filename: str) -> None:
    """FFmpeg clamps a WAV's duration to the bytes present; compare with the RIFF header."""
    size = path.stat().st_size
    with open(path, "rb") as fh:
        fh.seek(12)
        while True:
            header = fh.read(8)
            if len(header) < 8:
                return
            cid, length = header[:4], struct.unpack("<I", header[4:])[0]
            if cid == b"data":
                if length in (0, 0xFFFFFFFF):  # streamed: size unknown
                    return
                available = size - fh.tell()
                if available < length:
                    raise UnsupportedFileType(
                        f"{filename}: truncated audio: WAV data has {available} of {length} bytes"
                    )
                return
            fh.seek(length + (length & 1), 1)
