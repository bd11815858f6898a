"""Small JPEG thumbnails of uploaded and generated media (first video frame, or the image),
drawn on demand for the inspector and kept per file."""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path

THUMB_SIDE = 240


def thumbnail(path: Path, file_type: str) -> bytes | None:
    """A JPEG of at most THUMB_SIDE px, or None when the file cannot be read as a picture."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return _thumbnail(str(path), file_type, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=256)
def _thumbnail(path: str, file_type: str, _mtime: int, _size: int) -> bytes | None:
    from PIL import Image

    image: Image.Image
    try:
        if file_type == "image":
            image = Image.open(path)
            image.load()
        elif file_type == "video":
            import av

            with av.open(path) as container:
                frame = next(container.decode(video=0), None)
                if frame is None:
                    return None
                image = frame.to_image()
        else:
            return None
    except Exception:  # an undecodable file has no thumbnail; the page shows a placeholder
        return None
    image = image.convert("RGB")
    image.thumbnail((THUMB_SIDE, THUMB_SIDE))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    return out.getvalue()
