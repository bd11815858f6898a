"""Hypothesis drives the fake through random sequences of documented operations —
anonymous and minted accounts, sessions, messages, uploads, clock advances, faults,
exports, polls, cancels, cross-account reads — and checks after every step:

- credits: `total == available + frozen`, never negative, and conserved: what an account
  started with == available + frozen + charged; every charge belongs to one turn's hold,
  charged once (a generation turn: `generation_cost` when its clip lands; a session's
  first edit turn: `edit_cost` when it ends), frozen until then;
- a render's status only moves forward (pending → processing → completed | failed, or
  → cancelled), and a finished one never changes again;
- a session, a render, a balance are never visible to another account;
- a silent close leaves the same state as a spoken one: every operation that changes
  state is mirrored to a second fake with the same seed and `silent_close_rate` 1 (the
  first has 0), and their sessions and balances must stay equal;
- the journal holds every request, in order.

The manual clock moves only by the `advance` rule (and to the end of a turn when a rule
reads the whole stream).
"""

from __future__ import annotations

import contextlib
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import httpx
import pytest
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    rule,
    run_state_machine_as_test,
)

from mock_server.testing.handles import FakeHandle
from tests.conftest import Account, Session, run_body
from tests.mock_server.testing.machines import TEXTS, TINY_DRAFT, machine_settings, png_bytes

ORDER = {"pending": 0, "processing": 1, "completed": 2, "failed": 2, "cancelled": 2}
DAY = 86_400.0


@dataclass(frozen=True)
class Acct(Account):
    initial: int  # the credits it started with


@dataclass(frozen=True)
class Job:
    account: Acct
    render_id: str


class FakeMachine(RuleBasedStateMachine):
    factory: ClassVar[Callable[..., FakeHandle]]
    seed: ClassVar[int] = 4242

    accounts = Bundle("accounts")
    sessions = Bundle("sessions")
    renders = Bundle("renders")

    def __init__(self) -> None:
        super().__init__()
        config = {"seed": self.seed, "media_max_side": 64, "starting_credits": 100}
        # auto-advance off: only the rules move API time
        self.a = self.factory(silent_close_rate=0.0, auto_advance=False, **config)
        self.b = self.factory(silent_close_rate=1.0, auto_advance=False, **config)
        self.sent: list[tuple[str, str]] = []
        self.http_a = httpx.Client(
            transport=self.a.transport(),
            base_url="http://nemo-fake.local",
            event_hooks={"request": [self._count]},
            timeout=30,
        )
        self.http_b = self.b.client
        self.known: list[Acct] = []
        self.mirrored: list[Session] = []
        self.last_status: dict[str, str] = {}
        self.owner: dict[str, str] = {}  # render id -> user id (render ids are per user)
        self.render_count = 0

    def _count(self, request: httpx.Request) -> None:
        self.sent.append((request.method, request.url.path))

    def teardown(self) -> None:
        self.http_a.close()
        self.a.close()
        self.b.close()

    # --- helpers ---------------------------------------------------------------------
    def _sync_clocks(self) -> None:
        ahead = self.a.now() - self.b.now()
        if ahead > 0:
            self.b.advance(ahead)

    def _both(self, method: str, path: str, **kwargs: Any) -> tuple[httpx.Response, httpx.Response]:
        return self.http_a.request(method, path, **kwargs), self.http_b.request(
            method, path, **kwargs
        )

    def _turn_running(self, handle: FakeHandle, sess: Session) -> bool:
        session = handle.fake.service.ctx.store.session(sess.session_id)
        return session is not None and session.running_turn(handle.now()) is not None

    # --- accounts --------------------------------------------------------------------
    @initialize(target=accounts)
    def first_accounts(self) -> Any:
        return multiple(self.mint(1000), self.anonymous_token("client-a"))

    @rule(target=accounts, client=st.sampled_from(["client-a", "client-b", "client-c"]))
    def anonymous_token(self, client: str) -> Any:
        ra, rb = self._both("POST", "/api/auth/anonymous-token", headers={"X-Client-Id": client})
        assert (ra.status_code, ra.json()) == (rb.status_code, rb.json()), (
            "same history, same answer"
        )
        if ra.status_code != 200:
            assert ra.status_code == 429  # one token per client per 7 days
            return multiple()  # nothing new
        data = ra.json()["data"]
        acct = Acct(data["token"], data["user_id"], self.a.config.starting_credits)
        if all(k.user_id != acct.user_id for k in self.known):
            self.known.append(acct)
        else:  # the same client id is the same user (re-auth keeps it)
            initial = next(k.initial for k in self.known if k.user_id == acct.user_id)
            acct = Acct(acct.token, acct.user_id, initial)
        return acct

    @rule(target=accounts, credits=st.sampled_from([0, 60, 150, 1000]))
    def mint(self, credits: int) -> Acct:
        made = [
            h.new_account(kind="registered", plan="pro", credits=credits) for h in (self.a, self.b)
        ]
        assert made[0] == made[1], "minted accounts derive from the seed"
        acct = Acct(made[0].token, made[0].user_id, credits)
        self.known.append(acct)
        return acct

    # --- sessions, messages, uploads -------------------------------------------------
    @rule(target=sessions, acct=accounts)
    def create_session(self, acct: Acct) -> Any:
        body = {"task_name": "project", "language": "en"}
        ra, rb = self._both(
            "POST", "/api/tasks/me/with-session/nemo_agent", headers=acct.auth, json=body
        )
        assert ra.json() == rb.json()
        if ra.json()["code"] != 0:
            assert ra.json()["code"] == 1001  # an expired token
            return multiple()
        sess = Session(acct, ra.json()["data"]["session_id"])
        self.mirrored.append(sess)
        return sess

    @rule(sess=sessions, text=st.sampled_from(TEXTS), read=st.booleans())
    def message(self, sess: Session, text: str, read: bool) -> None:
        body = run_body(sess.session_id, text)
        headers = {**sess.account.auth, "Accept": "text/event-stream"}
        with self.http_a.stream("POST", "/run_sse", json=body, headers=headers) as ra:
            accepted = _is_stream(ra)
            faulted = self.a.requests(path="/run_sse")[-1].fault_id is not None
            refused = None if accepted else json.loads(ra.read())
            if accepted or not faulted:  # an injected refusal never reached the agent
                with self.http_b.stream("POST", "/run_sse", json=body, headers=headers) as rb:
                    assert _is_stream(rb) == accepted, (
                        "a silent close changed whether a turn starts"
                    )
                    if refused is not None:
                        assert json.loads(rb.read())["code"] == refused["code"]
            if accepted and read:
                with _auto(self.a), contextlib.suppress(httpx.RemoteProtocolError):  # a cut
                    for _ in ra.iter_bytes():
                        pass
        self._sync_clocks()

    @rule(sess=sessions, read=st.booleans())
    def generate(self, sess: Session, read: bool) -> None:
        self.message(sess, TEXTS[0], read)

    @rule(sess=sessions, text=st.sampled_from(TEXTS[1:4]))
    def edit(self, sess: Session, text: str) -> None:
        self.message(sess, text, read=True)

    @rule(sess=sessions)
    def upload(self, sess: Session) -> None:
        files = {"files": ("cover.png", png_bytes(), "image/png")}
        path = f"/api/upload-video/nemo_agent/me/{sess.session_id}"
        ra, rb = self._both("POST", path, headers=sess.account.auth, files=files)
        assert ra.json() == rb.json()
        assert ra.json()["code"] in (0, 1001)

    # --- time and faults ---------------------------------------------------------------
    @rule(seconds=st.sampled_from([1.0, 12.0, 45.0, 120.0, 200.0, 700.0, 7 * DAY + 60]))
    def advance(self, seconds: float) -> None:
        self.a.advance(seconds)
        self._sync_clocks()

    @rule(
        spec=st.sampled_from(
            [
                {"method": "GET", "path": "/api/state/*", "error_code": 503},
                {"method": "GET", "path": "/api/credits/*", "error_code": 1001},
                {"method": "POST", "path": "/run_sse", "cut_after_events": 1},
                {"method": "POST", "path": "/run_sse", "error_code": 2001},
                {"method": "GET", "path": "/api/render/proxy/lambda/*", "drop": True},
            ]
        )
    )
    def fault(self, spec: dict[str, Any]) -> None:
        self.a.fault(**spec)  # A only: faults never touch what is mirrored to B

    # --- reads -------------------------------------------------------------------------
    @rule(sess=sessions, other=accounts)
    def read(self, sess: Session, other: Acct) -> None:
        """The owner reads its balance and state; another account must see nothing."""
        credits = self.http_a.get("/api/credits/balance/simple", headers=sess.account.auth)
        body = credits.json()
        if body["code"] == 0:
            data = body["data"]
            assert data["total"] == data["available"] + data["frozen"]
            assert data["available"] >= 0 and data["frozen"] >= 0
        path = f"/api/state/nemo_agent/me/{sess.session_id}/latest"
        mine = self.http_a.get(path, headers=sess.account.auth).json()
        assert mine["code"] in (0, 1001, 503), mine
        if other.user_id != sess.account.user_id:
            theirs = self.http_a.get(path, headers=other.auth).json()
            assert theirs["code"] in (1002, 1001, 503), theirs  # never another user's state
            assert not theirs.get("data")

    # --- renders -----------------------------------------------------------------------
    @rule(target=renders, sess=sessions)
    def export(self, sess: Session) -> Any:
        self.render_count += 1
        render_id = f"render_machine_{self.render_count}"
        body = {"id": render_id, "sessionId": sess.session_id, "draft": TINY_DRAFT}
        response = self.http_a.post(
            "/api/render/proxy/lambda", headers=sess.account.auth, json=body
        )
        answer = response.json()
        if not answer.get("success"):
            assert answer["code"] in (1001,), answer
            return multiple()
        assert answer["data"]["status"] == "pending"
        self.last_status[render_id] = "pending"
        self.owner[render_id] = sess.account.user_id
        return Job(sess.account, render_id)

    def _render_call(self, method: str, path: str, acct: Acct) -> dict[str, Any] | None:
        try:
            return dict(self.http_a.request(method, path, headers=acct.auth).json())
        except httpx.RemoteProtocolError:
            return None  # an injected drop

    @rule(job=renders)
    def poll(self, job: Job) -> None:
        self._saw(
            job, self._render_call("GET", f"/api/render/proxy/lambda/{job.render_id}", job.account)
        )

    @rule(job=renders)
    def cancel(self, job: Job) -> None:
        path = f"/api/render/proxy/lambda/{job.render_id}/cancel"
        before = self.last_status.get(job.render_id)
        status = self._saw(job, self._render_call("POST", path, job.account))
        if status is not None and before in ("pending", "processing"):
            assert status in ("cancelled", "completed", "failed")

    @rule(job=renders, other=accounts)
    def cross_poll(self, job: Job, other: Acct) -> None:
        if other.user_id == job.account.user_id:
            return
        answer = self._render_call("GET", f"/api/render/proxy/lambda/{job.render_id}", other)
        assert answer is None or not answer.get("success"), "another account's render leaked"

    def _saw(self, job: Job, answer: dict[str, Any] | None) -> str | None:
        if answer is None:
            return None
        if not answer.get("success"):
            assert answer["code"] in (1001,), answer
            return None
        status = str(answer["data"]["status"])
        previous = self.last_status.get(job.render_id, "pending")
        assert ORDER[status] >= ORDER[previous], f"{job.render_id}: {previous} -> {status}"
        if ORDER[previous] == 2:
            assert status == previous, f"{job.render_id}: finished {previous}, then {status}"
        self.last_status[job.render_id] = status
        return status

    # --- invariants --------------------------------------------------------------------
    @invariant()
    def credits_are_conserved_and_charged_once(self) -> None:
        config = self.a.config
        for handle in (self.a, self.b):
            service = handle.fake.service
            with service.lock:
                for acct in self.known:
                    account = service.ctx.store.account(acct.user_id)
                    assert account is not None
                    assert account.available >= 0 and account.frozen >= 0
                    assert account.total == account.available + account.frozen
                    # every hold comes from a turn: a generation turn freezes its own, a
                    # session's edit turns share one ("edit:<session>")
                    users: Counter[str] = Counter()
                    for session in service.ctx.store.sessions_of(acct.user_id):
                        for turn in session.turns:
                            users.update(set(turn.holds))
                    assert all(n == 1 or ref.startswith("edit:") for ref, n in users.items())
                    charged = frozen = 0
                    for ref in users:
                        hold = service.ctx.store.hold(ref)
                        assert hold is not None and hold.user_id == acct.user_id
                        cost = (
                            config.edit_cost if ref.startswith("edit:") else config.generation_cost
                        )
                        assert hold.amount == cost, (ref, hold.amount)
                        if hold.state == "charged":
                            charged += hold.amount
                        elif hold.state == "frozen":
                            frozen += hold.amount
                    # conserved: nothing charged twice, nothing charged without a turn
                    assert acct.initial == account.available + account.frozen + charged
                    assert account.frozen == frozen

    @invariant()
    def silent_and_spoken_closes_leave_the_same_state(self) -> None:
        states: dict[str, list[Any]] = {}
        for handle in (self.a, self.b):  # land every due effect first, then compare
            service = handle.fake.service
            with service.lock:
                for sess in self.mirrored:
                    session = service.ctx.store.session(sess.session_id)
                    assert session is not None
                    service.sessions.apply_due(session)
                    states.setdefault(sess.session_id, []).append(
                        json.loads(json.dumps(session.state()))
                    )
        for session_id, (spoken, silent) in states.items():
            assert spoken == silent, f"session {session_id} differs"
        owners = {sess.account.user_id for sess in self.mirrored}
        for user_id in owners:
            if any(
                self._turn_running(h, s)
                for h in (self.a, self.b)
                for s in self.mirrored
                if s.account.user_id == user_id
            ):
                continue  # a silent turn ends (and charges) a little earlier
            balances = [h.fake.service.ctx.store.account(user_id) for h in (self.a, self.b)]
            assert balances[0] is not None and balances[1] is not None
            assert (balances[0].available, balances[0].frozen) == (
                balances[1].available,
                balances[1].frozen,
            ), f"{user_id}: credits differ after the same turns"

    @invariant()
    def the_journal_holds_every_request(self) -> None:
        journal = [(e.method, e.path) for e in self.a.journal.entries()]
        assert journal == self.sent

    @invariant()
    def renders_never_go_back(self) -> None:
        service = self.a.fake.service
        with service.lock:
            for render_id, seen in self.last_status.items():
                render = service.ctx.store.render(self.owner[render_id], render_id)
                assert render is not None
                status, _ = service.renders.status(render)
                assert ORDER[status] >= ORDER[seen], f"{render_id}: {seen} -> {status}"


def _is_stream(response: httpx.Response) -> bool:
    return response.headers.get("content-type", "").startswith("text/event-stream")


class _auto:
    """Auto-advance on for a block (to read a stream to its end)."""

    def __init__(self, handle: FakeHandle) -> None:
        self.handle = handle

    def __enter__(self) -> None:
        self.handle.auto_advance = True

    def __exit__(self, *exc: object) -> None:
        self.handle.auto_advance = False


def test_the_fake_keeps_its_invariants(
    nemo_fake_factory: Callable[..., FakeHandle], pytestconfig: pytest.Config
) -> None:
    seed = pytestconfig.getoption("--nemo-seed") or FakeMachine.seed  # the report's reproduce line
    machine = type(
        "Machine", (FakeMachine,), {"factory": staticmethod(nemo_fake_factory), "seed": seed}
    )
    run_state_machine_as_test(machine, settings=machine_settings(max_examples=25, steps=25))
