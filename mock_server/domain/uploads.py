"""Uploads: the documented allow-list, probing, and adding files to the session.

The HTTP layer streams bodies to disk (enforcing the size limit while streaming) and
hands finished files here; nothing in this module holds an upload in memory.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import ParseResult, quote, unquote, urlparse, urlsplit, urlunsplit

from mock_server import rng
from mock_server.clock import iso
from mock_server.domain.context import Context
from mock_server.domain.errors import ACCEPTED_FORMATS, BadRequest, UnsupportedFileType
from mock_server.domain.model import Account, MediaFile, Session

_HOSTNAME = re.compile(r"[A-Za-z0-9.-]+(:[0-9]{1,5})?")
KIND_BY_EXTENSION = {ext: kind for kind, exts in ACCEPTED_FORMATS.items() for ext in exts}
ACCEPTED_LIST = ", ".join(ext for exts in ACCEPTED_FORMATS.values() for ext in exts)


class Probed(Protocol):
    """What a prober reports (read-only, so frozen dataclasses fit)."""

    @property
    def file_type(self) -> str: ...
    @property
    def duration(self) -> float: ...
    @property
    def width(self) -> int: ...
    @property
    def height(self) -> int: ...
    @property
    def fps(self) -> float: ...
    @property
    def hash(self) -> str: ...
    @property
    def size(self) -> int: ...


Prober = Callable[[Path, str], Probed]


@dataclass(frozen=True)
class IncomingFile:
    filename: str
    path: Path
    size: int
    content_type: str | None


def extension_kind(filename: str) -> str:
    """The accepted kind for `filename`, or 4001 listing what is accepted."""
    # rpartition, not Path.suffix: ".mp4" is a name with extension mp4 here, not a dotfile
    name = Path(filename.replace("\\", "/")).name
    ext = name.rpartition(".")[2].lower() if "." in name else ""
    kind = KIND_BY_EXTENSION.get(ext)
    if kind is None:
        raise UnsupportedFileType(
            f"Unsupported file type {('.' + ext) if ext else '(no extension)'} for {filename!r}; "
            f"accepted: {ACCEPTED_LIST}"
        )
    return kind


def check_mime(filename: str, kind: str, content_type: str | None) -> None:
    if not content_type:
        return
    major = content_type.split(";")[0].strip().lower()
    if major in ("application/octet-stream", ""):
        return
    if not major.startswith(f"{kind}/"):
        raise UnsupportedFileType(
            f"{filename!r} was sent as {major}, which is not a {kind} type; accepted: {ACCEPTED_LIST}"
        )


class Uploads:
    def __init__(self, ctx: Context, probe: Prober) -> None:
        self.ctx = ctx
        self.probe = probe

    def stage_files(self, files: list[IncomingFile]) -> list[tuple[IncomingFile, Probed]]:
        """Check and probe every file; touches no state (callers run it off the event loop).
        A bad file raises before anything is added, so the session is never half-updated."""
        if not files:
            raise BadRequest(
                "No files: send multipart field 'files' (repeatable) or JSON {urls:[...]}"
            )
        staged: list[tuple[IncomingFile, Probed]] = []
        for incoming in files:
            kind = extension_kind(incoming.filename)
            check_mime(incoming.filename, kind, incoming.content_type)
            staged.append((incoming, self.probe(incoming.path, incoming.filename)))
        return staged

    def add_files(
        self,
        account: Account,
        session: Session,
        staged: list[tuple[IncomingFile, Probed]],
        base_url: str,
    ) -> list[dict[str, Any]]:
        return [self._store(account, session, inc, probed, base_url) for inc, probed in staged]

    def add_urls(
        self, account: Account, session: Session, urls: Any, base_url: str
    ) -> list[dict[str, Any]]:
        if not isinstance(urls, list) or not urls or not all(isinstance(u, str) for u in urls):
            raise BadRequest("urls must be a non-empty list of URL strings")
        # every URL is checked (and every local file probed) before anything is stored:
        # a refused request leaves the session as it was
        staged: list[tuple[str, str, str, IncomingFile | None, Probed | None]] = []
        for url in urls:
            parsed = urlparse(url)
            if parsed.scheme not in ("http", "https", "file"):
                raise BadRequest(f"Not an http(s) or file URL: {url!r}")
            if parsed.scheme != "file" and not _HOSTNAME.fullmatch(parsed.netloc or ""):
                raise BadRequest(f"URL has no valid host name: {url!r}")
            filename = Path(unquote(parsed.path)).name or "file"
            kind = extension_kind(filename)
            local = _local_path(parsed, self.ctx.config.file_url_root)
            if local is None:
                staged.append((url, filename, kind, None, None))
                continue
            incoming = IncomingFile(filename, local, local.stat().st_size, None)
            staged.append((url, filename, kind, incoming, self.probe(local, filename)))
        return [self._store_url(account, session, *item, base_url) for item in staged]

    def _store(
        self,
        account: Account,
        session: Session,
        incoming: IncomingFile,
        probed: Probed,
        base_url: str,
    ) -> dict[str, Any]:
        media = self._media_record(account, session, incoming, probed, copy=False)
        return self._register(session, media, base_url)

    def _media_record(
        self, account: Account, session: Session, incoming: IncomingFile, probed: Probed, copy: bool
    ) -> MediaFile:
        media_id = self._media_id(account)
        target = self.ctx.data_dir / "media" / media_id / _safe_name(incoming.filename)
        target.parent.mkdir(parents=True, exist_ok=True)
        (shutil.copyfile if copy else shutil.move)(str(incoming.path), target)
        return MediaFile(
            media_id=media_id,
            user_id=account.user_id,
            session_id=session.session_id,
            filename=incoming.filename,
            path=target,
            file_type=probed.file_type,
            duration=probed.duration,
            width=probed.width,
            height=probed.height,
            fps=probed.fps,
            hash=probed.hash,
            size=probed.size,
            source="upload",
            created_at=self.ctx.clock.now(),
        )

    def _store_url(
        self,
        account: Account,
        session: Session,
        url: str,
        filename: str,
        kind: str,
        incoming: IncomingFile | None,
        probed: Probed | None,
        base_url: str,
    ) -> dict[str, Any]:
        if incoming is not None and probed is not None:
            # a fixture file on this machine: probed and served like an upload
            media = self._media_record(account, session, incoming, probed, copy=True)
            media.source, media.url = "url", url
            return self._register(session, media, base_url)
        # No network from the fake: record what the URL declares; its cdn_url is the URL.
        unknown = dict.fromkeys(("duration", "width", "height", "fps", "size"))
        media = MediaFile(
            media_id=self._media_id(account),
            user_id=account.user_id,
            session_id=session.session_id,
            filename=filename,
            path=None,
            source="url",
            created_at=self.ctx.clock.now(),
            url=clean_url(url),
            file_type=kind,
            hash=hashlib.sha256(url.encode()).hexdigest(),
            **unknown,
        )
        return self._register(session, media, base_url)

    def _register(self, session: Session, media: MediaFile, base_url: str) -> dict[str, Any]:
        self.ctx.store.put_media(media)
        info = media.info(media_url(base_url, media) if media.path else str(media.url))
        session.video_infos.append(
            {
                "id": media.media_id,
                **info,
                "source": media.source,
                "created_at": iso(media.created_at),
            }
        )
        self.ctx.store.put_session(session)
        return info

    def _media_id(self, account: Account) -> str:
        # public CDN URLs: unguessable unless tests asked for seeded ids
        return f"med_{rng.hex_id(self.ctx.secret_rng('media', account.user_id), 16)}"


_PCHAR = "!$&'()*+,;=:@-._~"


def clean_url(url: str) -> str:
    """The URL as a valid RFC 3986 URI: each component percent-encoded on its own, broken
    escapes (`%zz`) encoded too, so a declared URL can be handed back as `cdn_url`."""
    parts = urlsplit(url)

    def encode(text: str, extra: str) -> str:
        return quote(unquote(text), safe=_PCHAR + extra)

    return urlunsplit(
        (
            parts.scheme,
            parts.netloc,
            encode(parts.path, "/"),
            encode(parts.query, "/?"),
            encode(parts.fragment, "/?"),
        )
    )


def media_url(base_url: str, media: MediaFile) -> str:
    """Where the fake's CDN serves a stored file."""

    return f"{base_url.rstrip('/')}/media/{media.media_id}/{quote(media.filename)}"


def _local_path(parsed: ParseResult, root: str | None) -> Path | None:
    """The file a file:// URL names, only inside `file_url_root` (symlinks resolved).
    Every refusal reads the same, so the answer tells nothing about other paths."""
    if parsed.scheme != "file":
        return None
    if root is None:
        raise BadRequest(
            "file:// URLs are off; start the fake with --file-url-root DIR to allow files under DIR"
        )
    refused = BadRequest("file:// URL names no readable file under the allowed directory")
    if parsed.netloc not in ("", "localhost"):
        raise refused
    try:
        path = Path(unquote(parsed.path)).resolve(strict=True)
        allowed = path.is_relative_to(Path(root).resolve()) and path.is_file()
    except (OSError, RuntimeError, ValueError):
        raise refused from None
    if not allowed:
        raise refused
    return path


def _safe_name(filename: str) -> str:
    name = Path(filename.replace("\\", "/")).name.strip() or "file"
    return name[:200]
