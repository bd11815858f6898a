"""`nemo-fake serve` on the shared stores, as separate processes: a SQLite file that
survives `kill -9` mid-render, two hosts on one real Redis with a flow alternating
between them, `--workers 2`, and a worker killed mid-turn.

Waits here are for real processes and a real encoder (bounded polls); API time runs on
a scaled clock, so a 300 s generation takes 0.3 s.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.servers import redis_server, served

pytestmark = [pytest.mark.extended, pytest.mark.network]

ATTRIBUTION = {"X-Skill-Source": "t", "X-Skill-Version": "1", "X-Skill-Platform": "unknown"}
SCALED = ["--clock", "scaled", "--time-scale", "0.001"]
SMALL_MEDIA = {"NEMO_FAKE_MEDIA_MAX_SIDE": "160"}  # fast encodes


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url


def until(check: Callable[[], Any], seconds: float = 60) -> Any:
    """Poll `check` until it returns something truthy (a real process is working)."""
    deadline = time.monotonic() + seconds
    while True:
        found = check()
        if found:
            return found
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


class Flow:
    """The seeds' flow, each call sent to the next of `urls` in turn."""

    def __init__(self, *urls: str) -> None:
        self.clients = [httpx.Client(base_url=u, timeout=60) for u in urls]
        self.n = 0
        self.token = ""
        self.session_id = ""

    def http(self) -> httpx.Client:
        self.n += 1
        return self.clients[self.n % len(self.clients)]

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", **ATTRIBUTION}

    def start(self) -> None:
        r = self.http().post("/api/auth/anonymous-token", headers={"X-Client-Id": uuid.uuid4().hex})
        self.token = r.json()["data"]["token"]
        r = self.http().post(
            "/api/tasks/me/with-session/nemo_agent",
            json={"task_name": "project", "language": "en"},
            headers=self.headers,
        )
        self.session_id = r.json()["data"]["session_id"]

    def say(self, text: str) -> str:
        body = {
            "app_name": "nemo_agent",
            "user_id": "me",
            "session_id": self.session_id,
            "new_message": {"parts": [{"text": text}]},
        }
        with self.http().stream("POST", "/run_sse", json=body, headers=self.headers) as r:
            assert r.status_code == 200
            return "".join(r.iter_text())

    def state(self) -> dict[str, Any]:
        r = self.http().get(
            f"/api/state/nemo_agent/me/{self.session_id}/latest", headers=self.headers
        )
        state: dict[str, Any] = r.json()["data"]["state"]
        return state

    def credits(self) -> dict[str, int]:
        data: dict[str, int] = (
            self.http().get("/api/credits/balance/simple", headers=self.headers).json()["data"]
        )
        return data

    def export(self, render_id: str) -> None:
        body = {"id": render_id, "sessionId": self.session_id, "draft": self.state()["draft"]}
        r = self.http().post("/api/render/proxy/lambda", json=body, headers=self.headers)
        assert r.json()["success"] is True, r.text

    def poll(self, render_id: str) -> dict[str, Any]:
        r = self.http().get(f"/api/render/proxy/lambda/{render_id}", headers=self.headers)
        data: dict[str, Any] = r.json()["data"]
        return data

    def download(self, render_id: str) -> bytes:
        done = until(lambda: (p := self.poll(render_id))["status"] == "completed" and p)
        url = httpx.URL(done["outputUrl"])
        return self.http().get(url.path).content

    def close(self) -> None:
        for c in self.clients:
            c.close()


def test_sqlite_keeps_everything_across_kill_9_mid_render(tmp_path: Path) -> None:
    args = [*SCALED, "--store", f"sqlite:///{tmp_path}/fake.db"]
    env = {**SMALL_MEDIA, "NEMO_FAKE_WORKER_STALE_SECONDS": "0.5"}
    with served(*args, env=env) as server:
        flow = Flow(server.url)
        flow.start()
        assert flow.say("make a 2-second video of a red fox")
        draft = until(lambda: flow.state()["draft"].get("t") and flow.state()["draft"])
        flow.export("render_1")
        video = flow.download("render_1")
        assert video[4:8] == b"ftyp"
        flow.export("render_2")  # killed while this one encodes (or just after)
        before = flow.credits()
        journal = httpx.get(f"{server.url}/_fake/requests").json()["requests"]
        server.kill()
        flow.close()

        server.start()  # the same file, a new process
        again = Flow(server.url)
        again.token, again.session_id = flow.token, flow.session_id
        assert again.credits() == before  # the token works, the balance is the same
        assert again.state()["draft"] == draft
        assert hashlib.sha256(again.download("render_1")).digest() == hashlib.sha256(video).digest()
        assert again.download("render_2")[4:8] == b"ftyp"  # re-encoded by the new process
        kept = httpx.get(f"{server.url}/_fake/requests").json()["requests"]
        assert [e["seq"] for e in kept[: len(journal)]] == [e["seq"] for e in journal]
        newcomer = Flow(server.url)
        newcomer.start()  # a restart never re-issues an id
        assert newcomer.token != flow.token and newcomer.session_id != flow.session_id
        again.close()
        newcomer.close()


def test_two_hosts_on_one_redis_serve_one_flow(redis_url: str, tmp_path: Path) -> None:
    args = [*SCALED, "--store", redis_url, "--data-dir", str(tmp_path / "shared-media")]
    with served(*args, env=SMALL_MEDIA) as a, served(*args, env=SMALL_MEDIA) as b:
        httpx.post(f"{a.url}/_fake/reset")
        flow = Flow(a.url, b.url)  # every call goes to the other host
        flow.start()
        assert flow.say("make a 2-second video of a red fox")
        until(lambda: flow.state()["draft"].get("t"))
        assert flow.say('add a title "Fox"') is not None
        until(lambda: "Fox" in str(flow.state()["draft"]))
        credits = flow.credits()
        assert credits["total"] == credits["available"] + credits["frozen"]
        flow.export("render_1")
        assert flow.download("render_1")[4:8] == b"ftyp"
        # a fault set on one host fires once, on the other
        httpx.post(f"{a.url}/_fake/faults", json={"path": "/api/credits/*", "error_code": 503})
        codes = [
            httpx.get(f"{u}/api/credits/balance/simple", headers=flow.headers).status_code
            for u in (b.url, a.url, b.url)
        ]
        assert codes == [503, 200, 200]
        # both hosts list every request, from either host
        paths = [e["path"] for e in httpx.get(f"{b.url}/_fake/requests").json()["requests"]]
        assert paths.count("/run_sse") == 2 and "/api/render/proxy/lambda" in paths
        flow.close()


def test_workers_share_one_socket(redis_url: str) -> None:
    with served(*SCALED, "--store", redis_url, "--workers", "2", env=SMALL_MEDIA) as server:
        httpx.post(f"{server.url}/_fake/reset")
        flow = Flow(server.url)
        flow.start()
        assert flow.say("make a 2-second video of a red fox")
        until(lambda: flow.state()["draft"].get("t"))
        flow.export("render_1")
        assert flow.download("render_1")[4:8] == b"ftyp"
        flow.close()


def test_a_worker_killed_mid_turn_charges_nothing(redis_url: str, tmp_path: Path) -> None:
    """Its turn cannot land anywhere (the plan died with it): another worker ends the
    turn and releases the frozen credits; the session stays usable."""
    slow = ["--clock", "scaled", "--time-scale", "0.05", "--store", redis_url]
    env = {**SMALL_MEDIA, "NEMO_FAKE_WORKER_STALE_SECONDS": "0.5"}
    with served(*slow, env=env) as a, served(*slow, env=env) as b:
        httpx.post(f"{a.url}/_fake/reset")
        flow = Flow(b.url)
        flow.start()
        body = {
            "app_name": "nemo_agent",
            "user_id": "me",
            "session_id": flow.session_id,
            "new_message": {"parts": [{"text": "make a 10-second video of a sunset"}]},
        }
        with (
            httpx.Client(base_url=a.url, timeout=30) as on_a,
            on_a.stream("POST", "/run_sse", json=body, headers=flow.headers) as r,
        ):
            assert r.status_code == 200
            assert flow.credits()["frozen"] > 0  # b sees a's hold
            a.kill()
        released = until(lambda: (c := flow.credits())["frozen"] == 0 and c, seconds=30)
        assert released["available"] == 100  # released, not charged
        assert flow.say("what can you do?")  # the session is not stuck busy
        flow.close()
