"""Hypothesis drives three fakes with the same seed through the same random operations,
and every answer must be the same:

- one process on the memory store (the embedded default, the reference);
- two workers on one real Redis, requests alternating between them (a turn started on
  one is read, advanced and exported through the other);
- one process on a SQLite file, closed and reopened between steps (a restart).

The manual clock moves only by the `advance` rule (on whichever worker is next); after
it, each worker lands the effects of the turns it planned, as its lander thread would
within a few milliseconds.
"""

from __future__ import annotations

import io
import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    precondition,
    rule,
    run_state_machine_as_test,
)
from PIL import Image

from mock_server.app import build_app
from mock_server.config import FakeConfig
from mock_server.fake import Fake
from mock_server.testing import StreamingTransport
from tests.conftest import Account, Session, run_body

TEXTS = ["make a 2-second video of a red fox", 'add a title "Fox"', "what can you do?"]
BASE = "http://nemo-fake.local"


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 40, 40)).save(out, "PNG")
    return out.getvalue()


class Deployment:
    """One way of running the fake: its workers and how requests reach them."""

    def __init__(self, config: dict[str, Any], workers: int = 1) -> None:
        self.config = config
        self.fakes = [Fake(FakeConfig.model_validate(config)) for _ in range(workers)]
        self._clients = [self._client(f) for f in self.fakes]
        self._next = itertools.cycle(range(workers))

    @staticmethod
    def _client(fake: Fake) -> httpx.Client:
        return httpx.Client(
            transport=StreamingTransport(build_app(fake)), base_url=BASE, timeout=60
        )

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return self._clients[next(self._next)].request(method, path, **kwargs)

    def start_turn(self, path: str, **kwargs: Any) -> int:
        """Send a message and let go of the stream at once (the turn runs on in API time)."""
        with self._clients[next(self._next)].stream("POST", path, **kwargs) as response:
            return response.status_code

    def advance(self, seconds: float) -> None:
        self.fakes[next(self._next)].advance(seconds)
        self.land()

    def land(self) -> None:
        for fake in self.fakes:
            if fake.sharing is not None:
                fake.sharing.land_due()

    def finish_encoding(self, render_id: str) -> None:
        for fake in self.fakes:
            for render in fake.store.all_renders():
                job = fake.service.renders.backend.pending(render)
                if render.render_id == render_id and job is not None:
                    job.exception(timeout=300)  # done, one way or the other

    def restart(self) -> None:
        for client, fake in zip(self._clients, self.fakes, strict=True):
            client.close()
            fake.close()
        self.fakes = [Fake(FakeConfig.model_validate(self.config)) for _ in self.fakes]
        self._clients = [self._client(f) for f in self.fakes]

    def close(self) -> None:
        for client, fake in zip(self._clients, self.fakes, strict=True):
            client.close()
            fake.close()


def normalised(response: httpx.Response) -> Any:
    """What a client sees, minus what legitimately differs between runs (none today:
    the same seed gives the same ids, tokens, times and URLs in every deployment)."""
    content_type = response.headers.get("content-type", "")
    body = json.loads(response.content) if content_type.startswith("application/json") else None
    return response.status_code, body


class StoreMachine(RuleBasedStateMachine):
    redis_url: ClassVar[str]
    workdir: ClassVar[Path]
    runs: ClassVar[Iterator[int]] = itertools.count()

    accounts = Bundle("accounts")
    sessions = Bundle("sessions")
    renders = Bundle("renders")

    def __init__(self) -> None:
        super().__init__()
        run = next(self.runs)
        base = {"seed": 99, "clock": "manual", "media_max_side": 64, "starting_credits": 150}
        d = self.workdir / f"run{run}"
        redis_db = f"{self.redis_url.rsplit('/', 1)[0]}/{run % 16}"
        self.memory = Deployment({**base, "data_dir": str(d / "memory")})
        self.redis = Deployment({**base, "store": redis_db, "data_dir": str(d / "redis")}, 2)
        self.redis.fakes[0].reset()  # a fresh database for this run
        self.sqlite = Deployment({**base, "store": f"sqlite:///{d}/fake.db"})
        self.all = [self.memory, self.redis, self.sqlite]
        self.in_flight = False
        self.render_ids = itertools.count(1)

    def teardown(self) -> None:
        for deployment in self.all:
            deployment.close()

    def _same(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        answers = [d.request(method, path, **kwargs) for d in self.all]
        expected = normalised(answers[0])
        for name, answer in zip(("redis", "sqlite"), answers[1:], strict=True):
            assert normalised(answer) == expected, f"{name} differs on {method} {path}"
        return answers[0]

    # --- rules -----------------------------------------------------------------------
    @initialize(target=accounts)
    def mint(self) -> Account:
        data = self._same("POST", "/_fake/accounts", json={"credits": 1000}).json()
        return Account(data["token"], data["user_id"])

    @rule(target=accounts, client=st.sampled_from(["c1", "c2"]))
    def anonymous(self, client: str) -> Any:
        answer = self._same("POST", "/api/auth/anonymous-token", headers={"X-Client-Id": client})
        data = answer.json().get("data")
        return (
            Account(data["token"], data["user_id"]) if data else Account("nmv_usr_rate-limited", "")
        )

    @rule(target=sessions, acct=accounts)
    def create_session(self, acct: Account) -> Any:
        answer = self._same(
            "POST",
            "/api/tasks/me/with-session/nemo_agent",
            json={"task_name": "project", "language": "en"},
            headers=acct.auth,
        )
        data = answer.json().get("data")
        return Session(acct, data["session_id"]) if data else Session(acct, "0")

    @rule(sess=sessions, text=st.sampled_from(TEXTS))
    def message(self, sess: Session, text: str) -> None:
        body = run_body(sess.session_id, text)
        statuses = [
            d.start_turn("/run_sse", json=body, headers=sess.account.auth) for d in self.all
        ]
        assert len(set(statuses)) == 1, statuses
        self.in_flight = True

    @rule(sess=sessions)
    def upload(self, sess: Session) -> None:
        self._same(
            "POST",
            f"/api/upload-video/nemo_agent/me/{sess.session_id}",
            files={"files": ("red.png", png(), "image/png")},
            headers=sess.account.auth,
        )

    @rule(seconds=st.sampled_from([5.0, 40.0, 400.0]))
    def advance(self, seconds: float) -> None:
        for deployment in self.all:
            deployment.advance(seconds)
        self.in_flight = seconds < 400.0 and self.in_flight  # 400 s ends any turn

    @rule(sess=sessions, other=accounts)
    def read_state(self, sess: Session, other: Account) -> None:
        self._same("GET", f"/api/state/nemo_agent/me/{sess.session_id}/latest", headers=other.auth)

    @rule(acct=accounts)
    def credits(self, acct: Account) -> None:
        self._same("GET", "/api/credits/balance/simple", headers=acct.auth)

    @rule(target=renders, sess=sessions)
    def export(self, sess: Session) -> Any:
        state = self._same(
            "GET", f"/api/state/nemo_agent/me/{sess.session_id}/latest", headers=sess.account.auth
        ).json()
        draft = (state.get("data") or {}).get("state", {}).get("draft") or {"t": []}
        render_id = f"render_{next(self.render_ids)}"
        self._same(
            "POST",
            "/api/render/proxy/lambda",
            json={"id": render_id, "sessionId": sess.session_id, "draft": draft},
            headers=sess.account.auth,
        )
        return (sess.account, render_id)

    @rule(job=renders)
    def poll(self, job: tuple[Account, str]) -> None:
        acct, render_id = job
        for deployment in self.all:  # the encoders finish first: a slow machine is no drift
            deployment.finish_encoding(render_id)
        self._same("GET", f"/api/render/proxy/lambda/{render_id}", headers=acct.auth)

    @precondition(lambda self: not self.in_flight)
    @rule()
    def restart_sqlite(self) -> None:
        """Between turns: a restart keeps every token, session, draft, render, clock."""
        self.sqlite.restart()


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from tests.servers import redis_server

    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url


@pytest.mark.extended
def test_memory_redis_and_sqlite_answer_alike(redis_url: str, tmp_path: Path) -> None:
    machine = type("Machine", (StoreMachine,), {"redis_url": redis_url, "workdir": tmp_path})
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=15,
            stateful_step_count=40,
            deadline=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        ),
    )
