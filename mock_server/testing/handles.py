"""Handles the pytest fixtures yield: the fake's Python API plus ready clients.

`FakeHandle` (fixture `nemo_fake`): an in-process fake. `nemo_fake.client` /
`async_client()` are httpx clients on the streaming in-process transports;
`nemo_fake.mock()` routes *any* httpx client (one your code builds itself from
`NEMO_API_URL`) to the fake through respx, streams included.

`ServerHandle` (fixtures `nemo_fake_server`, `nemo_fake_session_server`): the same API
with `url`, a real uvicorn socket on a random loopback port.

Both auto-advance the manual clock by default (see autoadvance.py): a stream plays to
its end at its documented API times without anyone calling `advance()`; explicit
`advance()` still works, and `hold_clock()` pauses auto-advance.
"""

from __future__ import annotations

import contextlib
import os
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
from starlette.types import ASGIApp

from mock_server.app import build_app
from mock_server.config import FakeConfig
from mock_server.fake import Fake
from mock_server.faults import Fault
from mock_server.journal import JournalEntry
from mock_server.testing.autoadvance import ActivityProbe, DeadlineTracker, IdleAdvancer
from mock_server.testing.server import ServerThread
from mock_server.testing.transport import AsyncStreamingTransport, StreamingTransport

if TYPE_CHECKING:
    import respx
    from starlette.testclient import WebSocketTestSession

    from mock_server.testing.conformance import ContractChecker

BASE_URL = "http://nemo-fake.local"
# The settings where public sources of the API disagree (README "Configuration and dialects").
DIALECTS = ("error_status", "events", "heartbeat", "render_poll", "token_expiry", "attribution_402")


@dataclass(frozen=True)
class NemoAccount:
    """An account minted on the fake: its bearer token and user id (isolated from every
    other account: sessions, renders and credits are per user)."""

    token: str
    user_id: str
    kind: str
    plan: str
    credits: int
    expires_at: float | None

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def journal_line(entry: JournalEntry) -> str:
    """`#12 POST /run_sse -> 200 code=0 events=7 fault=flt_1 (cut)`"""
    parts = [f"#{entry.seq}", entry.method, entry.path + (f"?{entry.query}" if entry.query else "")]
    parts.append(f"-> {entry.status or '(no response)'}")
    if entry.code is not None:
        parts.append(f"code={entry.code}")
    if entry.events is not None:
        parts.append(f"events={entry.events}")
    if entry.fault_id:
        parts.append(f"fault={entry.fault_id}")
    if entry.extra.get("cut"):
        parts.append("(cut)")
    elif not entry.completed:
        parts.append("(incomplete)")
    return " ".join(parts)


def _of_the_fake(name: str) -> Any:
    """A read-only attribute of the handle that is the same attribute of its `Fake`."""
    return property(lambda handle: getattr(handle.fake, name))


class FakeHandle:
    """`nemo_fake`: reset, advance, faults, journal, dialects, accounts — and clients."""

    def __init__(
        self,
        fake: Fake,
        base_url: str = BASE_URL,
        *,
        auto_advance: bool = True,
        app: ASGIApp | None = None,
    ) -> None:
        self.fake = fake
        self.app = app or build_app(fake)  # the ASGI app composed around the fake
        self.base_url = base_url.rstrip("/")
        self.tracker = DeadlineTracker.of(fake.clock)
        self.tracker.enabled = auto_advance
        self.initial_config = fake.config
        self.journal_start = 0  # entries with a higher seq belong to this handle's test
        self._client: httpx.Client | None = None
        self._transports: list[StreamingTransport] = []
        self._checkers: list[ContractChecker] = []
        self._closed = False

    @classmethod
    def create(
        cls, config: dict[str, Any], data_dir: Path, *, auto_advance: bool = True
    ) -> FakeHandle:
        return cls(
            Fake(FakeConfig.model_validate({**config, "data_dir": str(data_dir)})),
            auto_advance=auto_advance,
        )

    # --- the fake's Python API, forwarded
    @property
    def url(self) -> str:
        """Where clients send requests (in process: a name only the transports know)."""
        return self.base_url

    config = _of_the_fake("config")  # FakeConfig
    clock = _of_the_fake("clock")
    faults = _of_the_fake("faults")
    journal = _of_the_fake("journal")

    def advance(self, seconds: float) -> float:
        """Move API time forward (a client's `sleep` can be this: waits become instant)."""
        return self.fake.advance(seconds)

    def now(self) -> float:
        """API time (a client's `monotonic` can be this)."""
        return float(self.fake.clock.now())

    def reset(self, seed: int | None = None) -> None:
        self.fake.reset(seed=seed)
        self.journal_start = 0

    def configure(self, **changes: Any) -> FakeConfig:
        return self.fake.configure(**changes)

    def dialect(self, **choices: str) -> FakeConfig:
        """Pick dialects, e.g. `dialect(error_status="mapped", events="typed")`."""
        unknown = sorted(set(choices) - set(DIALECTS))
        if unknown:
            raise ValueError(f"not dialects: {unknown}; dialects are {list(DIALECTS)}")
        return self.configure(**choices)

    def fault(self, **spec: Any) -> Fault:
        """Inject a fault: `fault(path="/run_sse", error_code=1001)`; see faults.FaultSpec."""
        return self.fake.faults.add(**spec)

    def new_account(
        self,
        kind: str = "anonymous",
        credits: int | None = None,
        plan: str | None = None,
        scopes: list[str] | None = None,
    ) -> NemoAccount:
        """Mint an isolated account (its own user, sessions, renders and credits)."""
        spec: dict[str, Any] = {"kind": kind}
        for key, value in (("credits", credits), ("plan", plan), ("scopes", scopes)):
            if value is not None:
                spec[key] = value
        token, account = self.fake.mint_account(**spec)
        return NemoAccount(
            token.value, account.user_id, account.kind, account.plan, account.available,
            token.expires_at,
        )  # fmt: skip

    def requests(
        self, method: str | None = None, path: str | None = None, limit: int | None = None
    ) -> list[JournalEntry]:
        """Journal entries of this test (path is a glob: `/api/state/*`)."""
        found = [e for e in self.fake.journal.entries(method, path) if e.seq > self.journal_start]
        return found[-limit:] if limit else found

    def journal_excerpt(self, limit: int = 15) -> str:
        entries = self.requests()
        shown = entries[-limit:]
        clock = self.fake.clock_info()
        head = (
            f"journal: last {len(shown)} of {len(entries)} requests "
            f"(seed {self.config.seed}, clock {clock['mode']} at {clock['now_iso']})"
        )
        return "\n".join([head, *(f"  {journal_line(e)}" for e in shown)])

    # --- clock
    @property
    def auto_advance(self) -> bool:
        return self.tracker.enabled

    @auto_advance.setter
    def auto_advance(self, value: bool) -> None:
        self.tracker.enabled = value

    def hold_clock(self) -> contextlib.AbstractContextManager[None]:
        """Pause auto-advance inside a `with` block (e.g. to see a turn still running)."""
        return self.tracker.hold()

    # --- contract
    def attach(self, checker: ContractChecker) -> None:
        """Validate every response this fake sends with `checker`."""
        if checker not in self._checkers:
            self._checkers.append(checker)
            self.fake.observers.append(checker.observe)

    def detach(self, checker: ContractChecker) -> None:
        if checker in self._checkers:
            self._checkers.remove(checker)
            with contextlib.suppress(ValueError):
                self.fake.observers.remove(checker.observe)

    # --- clients
    def transport(self) -> httpx.BaseTransport:
        made = StreamingTransport(self.app, advancer=self.tracker)
        self._transports.append(made)
        return made

    def async_transport(self) -> httpx.AsyncBaseTransport:
        return AsyncStreamingTransport(self.app, advancer=self.tracker)

    @property
    def client(self) -> httpx.Client:
        if self._client is None:
            self._client = httpx.Client(
                transport=self.transport(), base_url=self.base_url, timeout=30
            )
        return self._client

    def async_client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            transport=self.async_transport(), base_url=self.base_url, timeout=30
        )

    @contextlib.contextmanager
    def websocket(self, path: str) -> Iterator[WebSocketTestSession]:
        """A WebSocket to the fake in process (e.g. the gateway's
        `/ws/chat?token=...&session_id=...`), Starlette's test session: `send_json`,
        `receive_json`, `close`. The clock auto-advances while it is open (when the app
        has been quiet a moment and a coroutine waits on API time)."""
        with warnings.catch_warnings():  # Starlette 1.x nudges towards httpx2; httpx works
            warnings.simplefilter("ignore")
            from starlette.testclient import TestClient

        probe = ActivityProbe(self.app)
        advancer = IdleAdvancer(self.tracker, probe, 0.003).start()
        try:
            client = TestClient(probe, base_url=self.base_url)
            url = "ws" + self.base_url.removeprefix("http") + path  # ws://nemo-fake.local/...
            with client.websocket_connect(url) as session:
                yield session
        finally:
            advancer.stop()

    def respx_router(self, base_url: str | None = None, **router: Any) -> respx.MockRouter:
        """A respx router sending every request under `base_url` to the fake, streamed.
        Use it as a context manager (`with nemo_fake.respx_router(...):`); add your own
        routes for other hosts on it as usual."""
        import respx

        base = (base_url or self.base_url).rstrip("/")
        router.setdefault("assert_all_called", False)
        made = respx.MockRouter(base_url=base, **router)
        # One transport for sync and async clients: it runs the app on its own loop
        # thread and its bodies stream to both (transport._DualBody).
        transport = self.transport()
        made.route(name="nemo-fake").mock(side_effect=transport.handle_request)
        return made

    @contextlib.contextmanager
    def mock(self, base_url: str | None = None, *, env: bool = True) -> Iterator[respx.MockRouter]:
        """Route httpx clients your code builds itself to the fake: respx for the
        duration, and `NEMO_API_URL` pointing at it (`env=False` leaves it alone)."""
        base = (base_url or self.base_url).rstrip("/")
        saved = os.environ.get("NEMO_API_URL")
        if env:
            os.environ["NEMO_API_URL"] = base
        try:
            with self.respx_router(base) as router:
                yield router
        finally:
            if env:
                if saved is None:
                    os.environ.pop("NEMO_API_URL", None)
                else:
                    os.environ["NEMO_API_URL"] = saved

    def close(self) -> None:
        """Idempotent: closes the client, then releases what this kind of handle holds."""
        if self._closed:
            return
        self._closed = True
        if self._client is not None:
            self._client.close()
            self._client = None
        self._release()

    def _release(self) -> None:
        for transport in self._transports:
            transport.close()
        self._transports.clear()
        self.fake.close()


class ServerHandle(FakeHandle):
    """`nemo_fake_server`: the same API, and `url` of a real loopback socket."""

    def __init__(
        self,
        fake: Fake,
        server: ServerThread,
        probe: ActivityProbe | None = None,
        *,
        auto_advance: bool = True,
        idle: float = 0.003,
        app: ASGIApp | None = None,
    ) -> None:
        super().__init__(fake, server.url, auto_advance=auto_advance, app=app)
        self.server = server
        self.advancer = IdleAdvancer(self.tracker, probe, idle).start() if probe else None

    @classmethod
    def create(
        cls, config: dict[str, Any], data_dir: Path, *, auto_advance: bool = True
    ) -> ServerHandle:
        fake = Fake(FakeConfig.model_validate({**config, "data_dir": str(data_dir)}))
        app = build_app(fake)
        probe = ActivityProbe(app)
        server = ServerThread(probe)
        server.start()
        return cls(fake, server, probe, auto_advance=auto_advance, app=app)

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def client(self) -> httpx.Client:
        if self._client is None:
            self._client = httpx.Client(base_url=self.url, timeout=30)
        return self._client

    def async_client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.url, timeout=30)

    def _release(self) -> None:
        if self.advancer is not None:
            self.advancer.stop()
        self.server.stop()
        self.fake.close()


class SharedServerView(ServerHandle):
    """One test's view of the session-wide server (`nemo_fake_session_server`).

    The server, its accounts and its state outlive the test: isolate with
    `new_account()` (every account sees only its own sessions, renders and credits).
    What the test changes is undone when it ends: its faults are removed, config and
    dialect changes restored. `requests()` and the journal excerpt show only this test's
    requests; `reset()` does the same cleanup now instead of wiping shared state.
    """

    def __init__(self, shared: ServerHandle) -> None:
        # Not ServerHandle.__init__: no new server, no second advancer.
        FakeHandle.__init__(self, shared.fake, shared.url, auto_advance=shared.auto_advance)
        self.server = shared.server
        self.advancer = None
        self.shared = shared
        self._saved_config = shared.fake.config
        self._saved_faults = {f.id for f in shared.fake.faults.list()}
        self._saved_auto = self.tracker.enabled
        self.journal_start = _last_seq(shared.fake)

    def reset(self, seed: int | None = None) -> None:
        self._restore()
        if seed is not None:
            self.fake.configure(seed=seed)
        self.journal_start = _last_seq(self.fake)

    def _restore(self) -> None:
        for fault in self.fake.faults.list():
            if fault.id not in self._saved_faults:
                self.fake.faults.remove(fault.id)
        if self.fake.config != self._saved_config:
            changed = {
                k: v
                for k, v in self._saved_config.model_dump().items()
                if getattr(self.fake.config, k) != v and k != "data_dir"
            }
            self.fake.configure(**changed)

    def _release(self) -> None:
        for checker in list(self._checkers):
            self.detach(checker)
        self._restore()
        self.tracker.enabled = self._saved_auto


def _last_seq(fake: Fake) -> int:
    last = fake.journal.entries(limit=1)
    return last[-1].seq if last else 0
