"""Hypothesis drives the reference client (client/) against the fake under random fault
schedules, and checks the client's documented rules from the fake's journal:

- a message is never re-sent: after a cut stream or a dropped connection there is no
  second `POST /run_sse`; the only repeats follow a 1001 or 429 answer, which the agent
  never saw;
- retries are bounded: an idempotent call is tried at most `policy.retries + 1` times;
  a non-idempotent one (session, upload, message) never again after a 5xx or a drop,
  except the documented render retry: once, with a new id;
- 1001 → exactly one new anonymous-token request, with the same X-Client-Id (the journal
  masks it: the masks are compared);
- 429 on the token → one wait of 30 s (API time), then one retry;
- every request carries the attribution headers;
- the right outcome or error type for each fault (InsufficientCredits with the
  registration link, ServerError, TurnLost or a recovered turn, ...), a turn's text is
  exactly what the agent said, and a silent close reports the state change.

The client's `sleep` advances the fake's manual clock and its `monotonic` reads it, so
the 30 s / 60 s recovery waits and the 10 s render polls are instant and API-time exact.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    rule,
    run_state_machine_as_test,
)

from client import (
    ClientConfig,
    ExportResult,
    InsufficientCredits,
    NemoClient,
    NemoError,
    NothingToExport,
    Policy,
    ServerError,
    TurnGuard,
    TurnLost,
    TurnResult,
    UploadResult,
)
from client.draft import Draft
from mock_server.agent import TEMPORARY_ISSUE
from mock_server.journal import JournalEntry
from mock_server.testing.handles import FakeHandle
from nemo_protocol.secrets import mask
from tests.mock_server.testing.machines import GENERATE, TEXTS, machine_settings, png_bytes

CLIENT_ID = "machine-client-0001"
POLICY = Policy()
TOKEN_PATH = "/api/auth/anonymous-token"
ATTRIBUTION = {
    "x-skill-source": "machine-test",
    "x-skill-version": "1.2.3",
    "x-skill-platform": "unknown",
}
GET_PATHS = {"state": "/api/state/*", "credits": "/api/credits/*"}
SUBMIT = "/api/render/proxy/lambda"

# Fault schedules per operation (each: the faults to inject before it).
READ_FAULTS: list[tuple[str, list[dict[str, Any]]]] = [
    ("none", []),
    ("1001", [{"error_code": 1001}]),
    ("1001+429", [{"error_code": 1001}, {"path": TOKEN_PATH, "error_code": 429}]),
    ("503x1", [{"error_code": 503, "times": 1}]),
    ("503x3", [{"error_code": 503, "times": 3}]),
    ("503x4", [{"error_code": 503, "times": 4}]),
    ("drop", [{"drop": True}]),
]
SEND_FAULTS: list[tuple[str, list[dict[str, Any]]]] = [
    ("none", []),
    ("1001", [{"path": "/run_sse", "error_code": 1001}]),
    (
        "1001+429",
        [{"path": "/run_sse", "error_code": 1001}, {"path": TOKEN_PATH, "error_code": 429}],
    ),
    ("cut1", [{"path": "/run_sse", "cut_after_events": 1}]),
    ("cut3", [{"path": "/run_sse", "cut_after_events": 3}]),
    ("drop", [{"path": "/run_sse", "drop": True}]),
    ("2001", [{"path": "/run_sse", "error_code": 2001}]),
    ("503", [{"path": "/run_sse", "error_code": 503}]),
]
EXPORT_FAULTS: list[tuple[str, list[dict[str, Any]]]] = [
    ("none", []),
    ("1001", [{"method": "POST", "path": SUBMIT, "error_code": 1001}]),
    ("503-submit", [{"method": "POST", "path": SUBMIT, "error_code": 503}]),
    ("409-submit", [{"method": "POST", "path": SUBMIT, "error_code": 409}]),
    ("503-poll", [{"method": "GET", "path": f"{SUBMIT}/*", "error_code": 503, "times": 2}]),
]


def failed(entry: JournalEntry) -> bool:
    """A 5xx answer or a connection dropped/cut mid-response."""
    return entry.status >= 500 or not entry.completed


def check_rules(entries: list[JournalEntry], *, first_token: bool) -> None:
    """The client's request rules, read from the journal of one operation."""
    masked_id = mask(CLIENT_ID)
    for entry in entries:
        for header, value in ATTRIBUTION.items():
            assert entry.headers.get(header) == value, f"{entry.path}: {header} missing"
    # a message goes out once; a repeat only after a 1001/429 answer (the agent never saw it)
    messages = [e for e in entries if e.path == "/run_sse"]
    for earlier in messages[:-1]:
        assert earlier.code in (1001, 429) and earlier.completed, "a message was re-sent"
    # 1001 -> exactly one new token, same client id; a 429 on it -> one retry
    tokens = [e for e in entries if e.path == TOKEN_PATH]
    rejected = [e for e in entries if e.code == 1001 and e.path != TOKEN_PATH]
    limited = [e for e in tokens if e.status == 429]
    assert len(tokens) == len(rejected) + len(limited) + int(first_token), [
        (e.method, e.path, e.status, e.code) for e in entries
    ]
    for token in tokens:
        assert token.headers.get("x-client-id") == masked_id, "re-auth changed the X-Client-Id"
    for i, entry in enumerate(entries):
        if entry in rejected:
            assert entries[i + 1].path == TOKEN_PATH, "1001 not followed by a new token"
    # retries: bounded for idempotent GETs, none for non-idempotent POSTs after a failure
    streak: dict[str, int] = {}
    for i, entry in enumerate(entries):
        key = f"{entry.method} {entry.path}"
        if entry.method in ("GET", "HEAD"):
            streak[key] = streak.get(key, 0) + 1 if failed(entry) else 0
            assert streak[key] <= POLICY.retries + 1, f"{key} tried more than retries + 1 times"
        elif failed(entry):
            later = [e for e in entries[i + 1 :] if e.method == entry.method]
            if entry.path == SUBMIT:  # the documented retry: once, with a new id
                again = [e for e in later if e.path == SUBMIT]
                assert len(again) <= 1, "a render was re-submitted more than once"
                assert all(e.body["id"] != entry.body["id"] for e in again), "same render id"
            else:
                assert all(e.path != entry.path for e in later), f"{key} retried after failing"
    submits = [e for e in entries if e.path == SUBMIT and e.method == "POST"]
    assert len(submits) <= 3  # a 1001 repeat of the first, and one retry with a new id


class ClientMachine(RuleBasedStateMachine):
    factory: ClassVar[Callable[..., FakeHandle]]
    seed: ClassVar[int] = 77

    def __init__(self) -> None:
        super().__init__()
        self.fake = self.factory(
            seed=self.seed, starting_credits=100_000, tokens_per_client=1000, media_max_side=64
        )
        self.tmp = Path(tempfile.mkdtemp(prefix="nemo-client-machine-"))
        self.sleeps: list[float] = []
        config = ClientConfig(
            api_url=self.fake.url,
            web_url="https://web.test",
            client_id=CLIENT_ID,
            skill_source=ATTRIBUTION["x-skill-source"],
            skill_version=ATTRIBUTION["x-skill-version"],
            skill_platform=ATTRIBUTION["x-skill-platform"],
            config_dir=self.tmp,
        )
        self.http = httpx.Client(transport=self.fake.transport(), follow_redirects=True)
        self.client = NemoClient(
            config,
            http=self.http,
            sleep=self._sleep,
            monotonic=self.fake.now,
            wall_clock=self.fake.now,
            guard=TurnGuard(),
            policy=POLICY,
        )
        self.exports = 0

    def _sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.fake.advance(seconds)

    def teardown(self) -> None:
        self.client.close()
        self.http.close()
        self.fake.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    # --- running one operation under a fault schedule -----------------------------------
    def _run(
        self, call: Callable[[], Any], faults: list[dict[str, Any]], default_path: str = "*"
    ) -> tuple[Any, NemoError | None, list[JournalEntry]]:
        last = self.fake.journal.entries(limit=1)
        mark = last[-1].seq if last else 0
        first_token = self.client.token is None
        for spec in faults:
            self.fake.fault(**{"path": default_path, **spec})
        self.sleeps.clear()
        result: Any = None
        error: NemoError | None = None
        try:
            result = call()
        except NemoError as exc:
            error = exc
        finally:
            self.fake.faults.clear()
        entries = [e for e in self.fake.journal.entries() if e.seq > mark]
        check_rules(entries, first_token=first_token)
        return result, error, entries

    def _session(self) -> Any:
        service = self.fake.fake.service
        with service.lock:
            session = service.ctx.store.session(self.client.session_id or "")
            if session is not None:
                service.sessions.apply_due(session)
            return session

    # --- rules ---------------------------------------------------------------------------
    @rule(what=st.sampled_from(["state", "credits"]), fault=st.sampled_from(READ_FAULTS))
    def read(self, what: str, fault: tuple[str, list[dict[str, Any]]]) -> None:
        name, specs = fault
        call = self.client.state if what == "state" else self.client.credits
        specs = [s if "path" in s else {"method": "GET", **s} for s in specs]
        _, error, entries = self._run(call, specs, GET_PATHS[what])
        if name == "503x4":
            assert isinstance(error, ServerError), error
            attempts = [e for e in entries if e.method == "GET" and e.status == 503]
            assert len(attempts) == POLICY.retries + 1
            return
        assert error is None, f"{what} under {name}: {error!r}"
        if name == "1001+429":
            assert self.sleeps.count(POLICY.rate_limit_wait) == 1

    @rule(text=st.sampled_from(TEXTS), fault=st.sampled_from(SEND_FAULTS))
    def send(self, text: str, fault: tuple[str, list[dict[str, Any]]]) -> None:
        name, specs = fault
        before = self._session()
        turns_before = len(before.turns) if before is not None else 0
        result, error, entries = self._run(lambda: self.client.send(text), specs, "/run_sse")
        messages = [e for e in entries if e.path == "/run_sse"]
        if name in ("cut1", "cut3", "drop") and not messages[-1].completed:
            assert len(messages) == 1  # never re-sent
            assert error is None or isinstance(error, TurnLost), repr(error)
            if error is None:
                assert isinstance(result, TurnResult) and result.recovered and result.changes
            assert POLICY.recovery_first_wait in self.sleeps  # waited 30 s before reading
            self.fake.advance(900)  # let the turn that may still run finish
            return
        if name == "2001":
            assert isinstance(error, InsufficientCredits), repr(error)
            assert error.registration_url and "register?bind=anon_" in error.registration_url
            return
        if name == "503":
            assert isinstance(error, ServerError) and len(messages) == 1, repr(error)
            return
        assert error is None, f"send under {name}: {error!r}"
        assert isinstance(result, TurnResult)
        session = self._session()
        assert session is not None and len(session.turns) == turns_before + 1
        said = [
            s.text.strip("\n")
            for s in session.turns[-1].events
            if s.kind == "text" and TEMPORARY_ISSUE.lower() not in s.text.lower() and s.text.strip()
        ]
        assert result.text == "\n".join(said), "the turn's text is not what the agent said"
        assert result.silent == (not said)
        if result.silent and session.turns[-1].kind == "edit":
            assert result.changes, "a silent close must report what the state diff shows"
        if name == "1001+429":
            assert self.sleeps.count(POLICY.rate_limit_wait) == 1

    @rule(fault=st.sampled_from(EXPORT_FAULTS))
    def export(self, fault: tuple[str, list[dict[str, Any]]]) -> None:
        name, specs = fault
        session = self._session()
        exportable = session is not None and Draft.parse(session.draft).exportable
        if exportable and self.exports >= 2:
            return  # encoding is real work: two exports per example are plenty
        self.exports += exportable
        out = self.tmp / f"export-{len(self.sleeps)}-{name}.mp4"
        result, error, entries = self._run(lambda: self.client.export(out), specs, SUBMIT)
        if not exportable:
            assert isinstance(error, NothingToExport), repr(error)
            assert not [e for e in entries if e.path == SUBMIT]
            return
        assert error is None, f"export under {name}: {error!r}"
        assert isinstance(result, ExportResult)
        assert result.attempts == (2 if name in ("503-submit", "409-submit") else 1)
        assert not result.via_proxy and result.output_url, "the poll's URL was not read"
        assert out.read_bytes()[4:8] == b"ftyp"
        backoffs = {POLICY.backoff_for(i) for i in range(POLICY.retries)}
        assert self.sleeps and set(self.sleeps) <= {POLICY.poll_interval, *backoffs}

    @rule(fault=st.sampled_from([("none", []), ("1001", [{"error_code": 1001}])]))
    def upload(self, fault: tuple[str, list[dict[str, Any]]]) -> None:
        name, specs = fault
        image = self.tmp / "cover.png"
        image.write_bytes(png_bytes())
        result, error, _ = self._run(
            lambda: self.client.upload(image), specs, "/api/upload-video/*"
        )
        assert error is None, f"upload under {name}: {error!r}"
        assert isinstance(result, UploadResult) and result.files[0].file_type == "image"

    @initialize()
    def generate(self) -> None:
        """Every example starts with a generation (so exports have a draft)."""
        self.send(GENERATE, ("none", []))


def test_the_client_follows_its_rules_under_faults(
    nemo_fake_factory: Callable[..., FakeHandle], pytestconfig: pytest.Config
) -> None:
    seed = pytestconfig.getoption("--nemo-seed") or ClientMachine.seed  # see the report line
    machine = type(
        "Machine", (ClientMachine,), {"factory": staticmethod(nemo_fake_factory), "seed": seed}
    )
    run_state_machine_as_test(machine, settings=machine_settings(max_examples=20, steps=8))
