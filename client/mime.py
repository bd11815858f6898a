"""Accepted upload formats and the MIME type sent for each extension."""

from __future__ import annotations

from pathlib import PurePath

# Documented lists; `.jpeg` is accepted by the official CLI too.
ACCEPTED_FORMATS: dict[str, list[str]] = {
    "video": ["mp4", "mov", "avi", "webm", "mkv"],
    "image": ["jpg", "jpeg", "png", "gif", "webp"],
    "audio": ["mp3", "wav", "m4a", "aac"],
}

MIME_TYPES: dict[str, str] = {
    "mp4": "video/mp4",
    "mov": "video/quicktime",
    "avi": "video/x-msvideo",
    "webm": "video/webm",
    "mkv": "video/x-matroska",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "webp": "image/webp",
    "mp3": "audio/mpeg",
    "wav": "audio/wav",
    "m4a": "audio/mp4",
    "aac": "audio/aac",
}

# Unknown types still go to the server: it owns the 4001 decision, the client only labels.
FALLBACK_MIME = "application/octet-stream"


def mime_type(filename: str) -> str:
    return MIME_TYPES.get(PurePath(filename).suffix.lower().lstrip("."), FALLBACK_MIME)
