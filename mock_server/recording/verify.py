"""The drift report: replay a cassette's requests against a fresh fake and compare.

    report = verify_cassette("fixtures/cassettes/seed_flow.json", seed=0)
    report.drift           # True when any response differs in more than timing
    print_reports([report])

The fake runs in-process on a manual clock. Before each request the clock moves by the
recorded gap since the previous one (times `time_scale`); an SSE turn is driven by
advancing the clock whenever the stream waits on it. Recorded values are re-linked to the
fake's: a placeholder or id in a recorded response is bound to the value at the same place
in the fake's response (session ids, tokens, media ids in URLs), and later requests use
the fake's values. A `Bearer <TOKEN_n>` never issued in the cassette gets a freshly minted
account; other placeholders (`<CLIENT_ID_n>`…) their stable synthetic value (the same
one replay uses), so a cassette made with those values replays into an identical fake run.
Multipart uploads re-send a file with the recorded sha256 from `media_dirs` if one
exists, else a generated sample of the same extension.
A render poll (or download) that the recording shows finished while the fake's is still
running gets more clock (5 s at a time, up to 30 min of API time, then real time for a
busy encoder, up to 30 s) and is asked again: being slower is timing, not drift.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from mock_server.app import build_app
from mock_server.recording.capture import (
    decode_json_or_text,
    filter_headers,
    is_sse,
    is_textual,
    sha256_hex,
)
from mock_server.recording.cassette import (
    Cassette,
    Interaction,
    RecordedResponse,
    SSEChunk,
    encode_query,
)
from mock_server.recording.drift import Difference, compare_response, needs_more_time
from mock_server.recording.matching import Links, looks_like_id
from mock_server.recording.redact import BASE_URL_PLACEHOLDER, PLACEHOLDER_RE, placeholder_kind
from mock_server.recording.replay import synthetic_value
from nemo_protocol.sse import SSEFramer

FAKE_BASE = "http://fake.local"
STREAM_STEP = 1.0  # API seconds per clock nudge while a stream waits
STREAM_LIMIT = 3600.0  # API seconds a single turn may take before verify gives up
POLL_STEP = 5.0
POLL_LIMIT = 1800.0
REAL_LIMIT = 30.0  # real seconds verify waits on one request (encoders, threads)
_LINKABLE_KEYS = {
    "token",
    "user_id",
    "session_id",
    "task_id",
    "claim_token",
    "id",
    "taskId",
    "media_id",
}
_DROP = {"host", "content-length", "transfer-encoding", "connection"}


@dataclass
class InteractionReport:
    index: int
    method: str
    path: str
    differences: list[Difference] = field(default_factory=list)
    error: str | None = None

    @property
    def drift(self) -> bool:
        return self.error is not None or any(d.drift for d in self.differences)


@dataclass
class CassetteReport:
    name: str
    interactions: list[InteractionReport] = field(default_factory=list)
    error: str | None = None

    @property
    def drift(self) -> bool:
        return self.error is not None or any(i.drift for i in self.interactions)

    @property
    def differences(self) -> list[tuple[InteractionReport, Difference]]:
        return [(i, d) for i in self.interactions for d in i.differences]


class _Verifier:
    def __init__(
        self, cassette: Cassette, fake: Any, media_dirs: list[Path], time_scale: float
    ) -> None:
        self.cassette = cassette
        self.fake = fake
        self.media_dirs = media_dirs
        self.time_scale = time_scale
        self.links = Links()
        self.links.bind(BASE_URL_PLACEHOLDER, FAKE_BASE)
        self._samples: Path | None = None

    # --- recorded -> live
    def _prepare(self, text: str) -> str:
        for found in PLACEHOLDER_RE.finditer(text):
            name = found.group(0)
            if name in self.links.to_live:
                continue
            kind = placeholder_kind(name)
            if kind == "token":
                token, _account = self.fake.mint_account(kind="anonymous")
                self.links.bind(name, token.value)
            else:
                self.links.bind(name, synthetic_value(name))
        return self.links.substitute(text)

    def _live_json(self, value: Any) -> Any:
        if isinstance(value, str):
            return self._prepare(value)
        if isinstance(value, list):
            return [self._live_json(v) for v in value]
        if isinstance(value, dict):
            return {k: self._live_json(v) for k, v in value.items()}
        return value

    def _file_for(self, part: dict[str, Any]) -> bytes:
        sha = part.get("sha256")
        for folder in self.media_dirs:
            for path in folder.rglob("*") if folder.is_dir() else []:
                if path.is_file() and path.stat().st_size == part.get("size"):
                    data = path.read_bytes()
                    if sha256_hex(data) == sha:
                        return data
        filename = str(part.get("filename") or "sample.bin")
        ext = filename.rpartition(".")[2].lower() if "." in filename else ""
        sample = self._sample(ext)
        if sample is not None:
            return sample
        return b"\x00" * int(part.get("size") or 0)

    def _sample(self, ext: str) -> bytes | None:
        from mock_server.media.samples import ALL_EXTENSIONS, make_sample

        if ext not in ALL_EXTENSIONS:
            return None
        if self._samples is None:
            self._samples = Path(tempfile.mkdtemp(prefix="nemo-verify-"))
        return make_sample(self._samples, ext).read_bytes()

    def build(self, interaction: Interaction) -> httpx.Request:
        req = interaction.request
        url = FAKE_BASE + self._prepare(req.path)
        query = {k: self._live_json(v) for k, v in req.query.items()}
        if query:
            url += "?" + encode_query(query)
        headers = {k: self._prepare(v) for k, v in req.headers.items() if k not in _DROP}
        if req.is_multipart:
            headers.pop("content-type", None)
            files = [
                (
                    str(p.get("name") or "files"),
                    (
                        p.get("filename") or "blob",
                        self._file_for(p),
                        p.get("content_type") or "application/octet-stream",
                    ),
                )
                for p in req.body.get("multipart", [])
                if p.get("filename") is not None
            ]
            fields = {
                str(p.get("name")): ""
                for p in req.body.get("multipart", [])
                if p.get("filename") is None
            }
            return httpx.Request(
                req.method, url, headers=headers, files=files or None, data=fields or None
            )
        if req.body is None:
            return httpx.Request(req.method, url, headers=headers)
        body = self._live_json(req.body)
        content = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        return httpx.Request(req.method, url, headers=headers, content=content)

    # --- live -> recorded shape
    async def send(
        self, client: httpx.AsyncClient, request: httpx.Request, recorded: RecordedResponse
    ) -> RecordedResponse:
        response = await client.send(request, stream=True)
        try:
            content_type = response.headers.get("content-type", "")
            headers = filter_headers(response.headers.multi_items(), {"content-length", "date"})
            if is_sse(content_type):
                return RecordedResponse(
                    response.status_code, headers, sse=await self._drive(response)
                )
            raw = await response.aread()
            if is_textual(content_type) or (recorded.kind == "json" and not raw):
                return RecordedResponse(
                    response.status_code,
                    headers,
                    body=decode_json_or_text(raw, content_type) if raw else None,
                )
            summary = {
                "size": len(raw),
                "sha256": hashlib.sha256(raw).hexdigest(),
                "content_type": content_type,
            }
            return RecordedResponse(response.status_code, headers, binary=summary)
        finally:
            await response.aclose()

    async def _drive(self, response: httpx.Response) -> list[SSEChunk]:
        """Read a stream, moving the manual clock whenever the turn waits on it."""
        clock = self.fake.clock
        start = clock.now()
        framer = SSEFramer()
        chunks: list[SSEChunk] = []
        iterator = response.aiter_raw().__aiter__()
        deadline = time.monotonic() + REAL_LIMIT
        while True:
            step = asyncio.ensure_future(iterator.__anext__())
            spins = 0
            while not step.done():
                await asyncio.sleep(0)
                spins += 1
                if step.done():
                    break
                if clock.sleepers > 0 and spins > 3:
                    if clock.now() - start > STREAM_LIMIT or time.monotonic() > deadline:
                        step.cancel()
                        raise TimeoutError(
                            f"the fake's stream did not end within {STREAM_LIMIT:.0f} API seconds"
                        )
                    clock.advance(STREAM_STEP)
                    spins = 0
                elif spins > 50:
                    await asyncio.sleep(0.001)  # something else (a thread) is working
                    if time.monotonic() > deadline:
                        step.cancel()
                        raise TimeoutError("the fake's stream stalled")
            try:
                data = step.result()
            except StopAsyncIteration:
                break
            for frame in framer.feed(data):
                chunks.append(
                    SSEChunk((clock.now() - start) * 1000, frame.decode("utf-8", "replace"))
                )
        rest = framer.finish()
        if rest:
            chunks.append(SSEChunk((clock.now() - start) * 1000, rest.decode("utf-8", "replace")))
        return chunks

    def link(self, recorded: Any, actual: Any, key: str | None = None) -> None:
        """Bind recorded values to the fake's at the same place in the two responses."""
        if isinstance(recorded, dict) and isinstance(actual, dict):
            for k in recorded.keys() & actual.keys():
                self.link(recorded[k], actual[k], k)
        elif isinstance(recorded, list) and isinstance(actual, list):
            for r, a in zip(recorded, actual, strict=False):
                self.link(r, a, key)
        elif isinstance(recorded, str) and isinstance(actual, str) and recorded != actual:
            if "/" in recorded and "/" in actual:
                self._link_url(recorded, actual)
            elif (
                PLACEHOLDER_RE.fullmatch(recorded)
                or key in _LINKABLE_KEYS
                or looks_like_id(recorded)
            ):
                self.links.bind(recorded, actual)

    def _link_url(self, recorded: str, actual: str) -> None:
        rparts = recorded.replace(BASE_URL_PLACEHOLDER, FAKE_BASE).split("?")[0].split("/")
        aparts = actual.split("?")[0].split("/")
        if len(rparts) != len(aparts):
            return
        for r, a in zip(rparts, aparts, strict=True):
            if r == a:
                continue
            rstem, rdot, rext = r.rpartition(".")
            astem, adot, aext = a.rpartition(".")
            if rdot and adot and rext == aext and looks_like_id(rstem):
                self.links.bind(rstem, astem)
            elif looks_like_id(r) or PLACEHOLDER_RE.fullmatch(r):
                self.links.bind(r, a)

    async def run(self, report: CassetteReport) -> None:
        from mock_server.testing.transport import AsyncStreamingTransport

        transport = AsyncStreamingTransport(build_app(self.fake))
        async with httpx.AsyncClient(
            transport=transport, base_url=FAKE_BASE, timeout=REAL_LIMIT
        ) as client:
            previous_offset: float | None = None
            api_spent = 0.0
            for index, interaction in enumerate(self.cassette.interactions):
                req = interaction.request
                item = InteractionReport(index, req.method, req.path)
                report.interactions.append(item)
                if previous_offset is not None:
                    gap = (
                        (interaction.started_at_offset_ms - previous_offset)
                        / 1000
                        * self.time_scale
                    )
                    if gap - api_spent > 0:
                        self.fake.advance(gap - api_spent)
                previous_offset = interaction.started_at_offset_ms
                before = self.fake.clock.now()
                try:
                    actual = await self._exchange(client, interaction)
                except Exception as exc:
                    item.error = f"{type(exc).__name__}: {exc}"
                    api_spent = self.fake.clock.now() - before
                    continue
                api_spent = self.fake.clock.now() - before
                item.differences = compare_response(interaction.response, actual)
                if interaction.response.kind == "json" and actual.kind == "json":
                    self.link(interaction.response.body, actual.body)

    async def _exchange(
        self, client: httpx.AsyncClient, interaction: Interaction
    ) -> RecordedResponse:
        recorded = interaction.response
        actual = await self.send(client, self.build(interaction), recorded)
        waited = 0.0
        deadline = time.monotonic() + REAL_LIMIT
        while interaction.request.method in ("GET", "HEAD") and needs_more_time(
            recorded, actual, interaction.request.path
        ):
            if time.monotonic() > deadline:
                break
            if waited < POLL_LIMIT:  # API time first ...
                self.fake.advance(POLL_STEP)
                waited += POLL_STEP
                await asyncio.sleep(0.002)
            else:  # ... then real time, for an encoder that is still working
                await asyncio.sleep(0.02)
            actual = await self.send(client, self.build(interaction), recorded)
        return actual


async def verify_cassette_async(
    cassette: Cassette | str | Path,
    *,
    seed: int = 0,
    time_scale: float = 1.0,
    media_dirs: Iterable[str | Path] = (),
    config: dict[str, Any] | None = None,
) -> CassetteReport:
    from mock_server.config import FakeConfig
    from mock_server.fake import Fake

    name = (
        str(cassette)
        if not isinstance(cassette, Cassette)
        else str(cassette.path or cassette.description or "cassette")
    )
    try:
        loaded = cassette if isinstance(cassette, Cassette) else Cassette.load(cassette)
    except Exception as exc:
        return CassetteReport(name, error=str(exc))
    fake = Fake(FakeConfig(**{**(config or {}), "clock": "manual", "seed": seed}))
    report = CassetteReport(name)
    try:
        await _Verifier(loaded, fake, [Path(d) for d in media_dirs], time_scale).run(report)
    finally:
        fake.close()
    return report


def verify_cassette(cassette: Cassette | str | Path, **options: Any) -> CassetteReport:
    """Synchronous `verify_cassette_async` (runs its own event loop)."""
    return asyncio.run(verify_cassette_async(cassette, **options))


def print_reports(reports: list[CassetteReport], console: Any = None) -> None:
    """A readable table of differences per cassette (rich)."""
    from rich.console import Console
    from rich.table import Table

    console = console or Console()
    for report in reports:
        if report.error is not None:
            console.print(f"[bold red]✗ {report.name}[/]: {report.error}")
            continue
        rows = [(i, d) for i, d in report.differences]
        errors = [i for i in report.interactions if i.error]
        drifted = sum(1 for _, d in rows if d.drift) + len(errors)
        notes = sum(1 for _, d in rows if not d.drift)
        status = "[bold red]✗ DRIFT[/]" if report.drift else "[bold green]✓ no drift[/]"
        console.print(
            f"{status} {report.name}: {len(report.interactions)} interactions, "
            f"{drifted} difference(s), {notes} note(s)"
        )
        if not rows and not errors:
            continue
        touched = {i.index: i for i, _ in rows} | {i.index: i for i in errors}
        for index, item in sorted(touched.items()):
            console.print(f"  [bold]#{index}[/] {item.method} {item.path}", highlight=False)
        table = Table(show_lines=False, expand=False, padding=(0, 1))
        table.add_column("#", justify="right")
        table.add_column("where", overflow="fold", ratio=3)
        table.add_column("recorded", overflow="fold", ratio=2)
        table.add_column("fake", overflow="fold", ratio=2)
        for item in errors:
            table.add_row(str(item.index), "[red]error[/]", "", item.error or "")
        for item, diff in rows:
            where = diff.where if diff.drift else f"{diff.where} (note)"
            table.add_row(
                str(item.index),
                where,
                diff.recorded,
                diff.actual,
                style="" if diff.drift else "dim",
            )
        console.print(table)
