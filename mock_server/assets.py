"""Where a draft's media come from, and generated media made on first use.

The agent registers generated clips and BGM with a *recipe* (prompt, seed, size,
seconds) instead of encoding them inside a stream; the first render or download of one
synthesizes it here, once, off the event loop.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from mock_server.domain.model import MediaFile
from mock_server.domain.store import Store
from mock_server.pools import SYNTHESIS

SANDBOX_PREFIX = "/mnt/userdata/"


class Assets:
    def __init__(self, store: Store, max_side: int | None = None) -> None:
        self.store = store
        self.max_side = max_side
        self._jobs: dict[str, Future[Path]] = {}
        self._lock = threading.Lock()

    def ensure(self, media: MediaFile) -> Future[Path]:
        """A future of the media's local file, synthesizing it from its recipe if needed."""
        with self._lock:
            job = self._jobs.get(media.media_id)
            if job is not None:
                return job
            if media.path is not None and media.path.is_file():
                job = Future()
                job.set_result(media.path)
            elif media.recipe is not None and media.path is not None:
                job = SYNTHESIS.submit(_synthesize, media.recipe, media.path, self.max_side)
                job.add_done_callback(lambda done: _record_size(media, done))
            else:
                job = Future()
                job.set_exception(FileNotFoundError(f"no local file for {media.media_id}"))
            self._jobs[media.media_id] = job
            return job

    def find(self, src: str, user_id: str, session_id: str) -> MediaFile | None:
        """The caller's media a segment `src` names: a /media/<id>/ URL of this fake, or a
        sandbox path /mnt/userdata/.../<filename> matched by name in the session."""
        path = unquote(urlparse(src).path)
        if path.startswith(SANDBOX_PREFIX):
            name = Path(path).name
            candidates = [
                m
                for m in self._session_media(session_id)
                if m.filename == name and m.user_id == user_id
            ]
            return candidates[-1] if candidates else None
        parts = path.split("/")
        if "media" in parts:
            index = parts.index("media")
            if index + 1 < len(parts):
                media = self.store.media(parts[index + 1])
                if media is not None and media.user_id == user_id:
                    return media
        return None

    def sources(self, draft: dict[str, Any], user_id: str, session_id: str) -> dict[str, MediaFile]:
        found = {}
        for track in draft.get("t") or []:
            for segment in (track.get("sg") or []) if isinstance(track, dict) else []:
                src = segment.get("src") if isinstance(segment, dict) else None
                if isinstance(src, str) and src not in found:
                    media = self.find(src, user_id, session_id)
                    if media is not None:
                        found[src] = media
        return found

    def _session_media(self, session_id: str) -> list[MediaFile]:
        session = self.store.session(session_id)
        if session is None:
            return []
        ids = [info.get("id") for info in session.video_infos] + [
            g.get("id") for g in session.generated_media
        ]
        return [
            m for m in (self.store.media(i) for i in ids if isinstance(i, str)) if m is not None
        ]

    def close(self) -> None:
        """Cancel this store's syntheses still queued on the shared pool."""
        with self._lock:
            jobs = list(self._jobs.values())
        for job in jobs:
            job.cancel()


def capped(width: int, height: int, max_side: int | None) -> tuple[int, int]:
    """(width, height) scaled down so the long side is at most `max_side` (even sizes)."""
    if not max_side or max(width, height) <= max_side:
        return width, height
    scale = max_side / max(width, height)
    return max(2, int(width * scale) // 2 * 2), max(2, int(height * scale) // 2 * 2)


def _synthesize(recipe: dict[str, Any], out: Path, max_side: int | None = None) -> Path:
    from mock_server.media import synth  # lazy: numpy and PyAV load with the first synthesis

    out.parent.mkdir(parents=True, exist_ok=True)
    if recipe.get("kind") == "bgm":
        synth.make_bgm(
            out,
            seed=int(recipe["seed"]),
            seconds=float(recipe["seconds"]),
            style=str(recipe.get("style", "lofi")),
        )
    else:
        width, height = capped(int(recipe["width"]), int(recipe["height"]), max_side)
        synth.make_clip(
            out,
            prompt=str(recipe.get("prompt", "")),
            seed=int(recipe["seed"]),
            width=width,
            height=height,
            seconds=float(recipe["seconds"]),
            fps=int(recipe.get("fps", 24)),
        )
    return out


def _record_size(media: MediaFile, job: Future[Path]) -> None:
    if job.exception() is None:
        media.size = job.result().stat().st_size
