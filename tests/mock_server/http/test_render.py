import copy
import re
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import httpx
import pytest

from mock_server.config import FakeConfig
from mock_server.domain.model import Render
from mock_server.fake import Fake
from mock_server.http import routes_render
from tests.conftest import ATTRIBUTION, SIMPLE_DRAFT, User, new_user


def submit(
    http: httpx.Client, user: User, render_id: str = "render_1", **overrides: Any
) -> httpx.Response:
    body = {
        "id": render_id,
        "sessionId": user.session_id,
        "draft": SIMPLE_DRAFT,
        "output": {"format": "mp4", "quality": "high"},
    }
    body.update(overrides)
    return http.post("/api/render/proxy/lambda", headers=user.auth, json=body)


def poll(http: httpx.Client, user: User, render_id: str = "render_1") -> dict[str, Any]:
    body: dict[str, Any] = http.get(
        f"/api/render/proxy/lambda/{render_id}", headers=user.auth
    ).json()
    return body


def test_state_machine_under_the_manual_clock(http: httpx.Client, fake: Fake, user: User) -> None:
    fake.configure(render_seconds=(30.0, 30.0))
    assert submit(http, user).json() == {
        "success": True,
        "data": {"id": "render_1", "status": "pending", "progress": 5},
    }
    seen = []
    for _ in range(8):
        data = poll(http, user)["data"]
        seen.append((data["status"], data["progress"]))
        fake.advance(5)
    statuses = [s for s, _ in seen]
    assert statuses[0] == "pending" and "processing" in statuses and statuses[-1] == "completed"
    progresses = [p for _, p in seen]
    assert progresses == sorted(progresses) and progresses[-1] == 100
    # status order only ever moves forward
    order = {"pending": 0, "processing": 1, "completed": 2}
    assert [order[s] for s in statuses] == sorted(order[s] for s in statuses)
    done = poll(http, user)["data"]
    # the public URL holds an unguessable key: the render id alone finds nothing
    assert re.search(r"/render-result/render_1-[0-9a-f]{32}\.mp4$", done["outputUrl"])
    assert http.get("/render-result/render_1.mp4").status_code == 404
    assert done["completedAt"] - done["createdAt"] == 30_000


def test_output_is_downloadable_with_ranges_and_head(
    http: httpx.Client, fake: Fake, user: User
) -> None:
    submit(http, user)
    fake.advance(120)
    url = poll(http, user)["data"]["outputUrl"]
    full = http.get(url)
    assert full.status_code == 200 and full.headers["content-type"] == "video/mp4"
    assert int(full.headers["content-length"]) == len(full.content) > 0 and full.headers["etag"]
    part = http.get(url, headers={"Range": "bytes=0-3"})
    assert part.status_code == 206 and part.content == full.content[:4]
    head = http.head("/api/render/proxy/render_1/download", headers=user.auth)
    assert (
        head.status_code == 200
        and head.content == b""
        and head.headers["content-length"] == str(len(full.content))
    )
    assert (
        http.get("/api/render/proxy/render_1/download", headers=user.auth).content == full.content
    )


def test_download_before_completion_and_unknown_ids_are_404(http: httpx.Client, user: User) -> None:
    submit(http, user)
    early = http.get("/api/render/proxy/render_1/download", headers=user.auth)
    assert early.status_code == 404 and early.json()["success"] is False
    assert http.get("/api/render/proxy/lambda/render_nope", headers=user.auth).status_code == 404
    assert http.get("/render-result/render_nope.mp4").status_code == 404


def test_another_users_render_is_not_found(http: httpx.Client, fake: Fake, user: User) -> None:
    submit(http, user)
    fake.advance(120)
    other = new_user(http, "other")
    assert http.get("/api/render/proxy/lambda/render_1", headers=other.auth).status_code == 404
    assert http.get("/api/render/proxy/render_1/download", headers=other.auth).status_code == 404
    assert (
        http.post("/api/render/proxy/lambda/render_1/cancel", headers=other.auth).status_code == 404
    )
    # and a render into another user's session is refused
    assert submit(http, other, "render_2", sessionId=user.session_id).json()["code"] == 1002


def test_duplicate_id_is_409(http: httpx.Client, user: User) -> None:
    assert submit(http, user).status_code == 200
    again = submit(http, user)
    assert again.status_code == 409 and "already exists" in again.json()["error"]


def test_missing_attribution_is_402(http: httpx.Client, user: User) -> None:
    headers = {"Authorization": f"Bearer {user.token}"}
    body = {"id": "r", "sessionId": user.session_id, "draft": SIMPLE_DRAFT}
    response = http.post("/api/render/proxy/lambda", headers=headers, json=body)
    assert response.status_code == 402 and "not credits" in response.json()["error"]


def test_attribution_rule_anon_exhausted(http: httpx.Client, fake: Fake) -> None:
    """Under `anon_exhausted`, an export without attribution headers is refused only for
    an anonymous account with no credits left."""
    fake.configure(attribution_402="anon_exhausted")

    def export_without_attribution(credits: int) -> int:
        token, _ = fake.mint_account(kind="anonymous", credits=credits)
        bare = {"Authorization": f"Bearer {token.value}"}
        path = "/api/tasks/me/with-session/nemo_agent"
        session = http.post(path, headers=bare, json={}).json()["data"]
        body = {"id": "r", "sessionId": session["session_id"], "draft": SIMPLE_DRAFT}
        return http.post("/api/render/proxy/lambda", headers=bare, json=body).status_code

    assert export_without_attribution(credits=0) == 402
    assert export_without_attribution(credits=10) == 200


def test_free_plan_export_is_402(http: httpx.Client, fake: Fake) -> None:
    token, _ = fake.mint_account(kind="registered", plan="free", credits=500)
    auth = {"Authorization": f"Bearer {token.value}", **ATTRIBUTION}
    session = http.post("/api/tasks/me/with-session/nemo_agent", headers=auth, json={}).json()[
        "data"
    ]
    response = http.post(
        "/api/render/proxy/lambda",
        headers=auth,
        json={"id": "r", "sessionId": session["session_id"], "draft": SIMPLE_DRAFT},
    )
    assert response.status_code == 402 and "Free plan" in response.json()["error"]


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"id": ""}, "id must be"),
        ({"sessionId": ["x"]}, "sessionId"),
        ({"draft": "nope"}, "draft must be"),
        ({"draft": {"t": []}}, "not exportable"),
        ({"draft": {"t": [{"tt": 0, "sg": [{"d": -5}]}]}}, "malformed"),
        ({"output": {"format": "gif"}}, "Unsupported output.format"),
        ({"output": "mp4"}, "output must be"),
        ({"draft": {"t": [{"tt": 0, "sg": [{"s": 0, "d": 3_600_000}]}]}}, "renders at most"),
    ],
)
def test_bad_submissions_are_400(
    http: httpx.Client, user: User, overrides: dict[str, Any], fragment: str
) -> None:
    response = submit(http, user, **overrides)
    assert response.status_code == 400
    assert fragment in response.json()["error"]


def test_malformed_json_submit_is_400(http: httpx.Client, user: User) -> None:
    response = http.post(
        "/api/render/proxy/lambda",
        headers={**user.auth, "Content-Type": "application/json"},
        content=b"{oops",
    )
    assert response.status_code == 400 and response.json()["success"] is False


def test_cancel(http: httpx.Client, fake: Fake, user: User) -> None:
    submit(http, user)
    fake.advance(10)
    cancelled = http.post("/api/render/proxy/lambda/render_1/cancel", headers=user.auth).json()[
        "data"
    ]
    assert cancelled["status"] == "cancelled"
    fake.advance(100)
    assert poll(http, user)["data"]["status"] == "cancelled"  # stays cancelled
    submit(http, user, "render_2")
    fake.advance(100)
    finished = http.post("/api/render/proxy/lambda/render_2/cancel", headers=user.auth).json()[
        "data"
    ]
    assert finished["status"] == "completed"  # too late to cancel


def test_failures_carry_an_error(http: httpx.Client, fake: Fake, user: User) -> None:
    fake.configure(render_failure_rate=1.0)
    submit(http, user)
    fake.advance(100)
    data = poll(http, user)["data"]
    assert data["status"] == "failed" and data["error"]


@pytest.mark.parametrize("dialect", ["data", "legacy", "compat"])
def test_poll_shapes(http: httpx.Client, fake: Fake, user: User, dialect: str) -> None:
    fake.configure(render_poll=dialect)
    submit(http, user)
    fake.advance(100)
    body = poll(http, user)
    if dialect == "legacy":
        assert body["taskId"] == "render_1" and body["status"] == "completed"
        assert body["output"]["url"].endswith(".mp4") and body["output"]["size"] > 0
        assert "data" not in body
    else:
        assert body["success"] is True and body["data"]["outputUrl"].endswith(".mp4")
        assert ("status" in body) == (dialect == "compat")
        if dialect == "compat":
            assert (
                body["output"]["url"] == body["data"]["outputUrl"] == body["data"]["output"]["url"]
            )


def test_render_ids_and_timings_are_deterministic(fake: Fake, http: httpx.Client) -> None:
    fake.configure(render_seconds=(10.0, 50.0))
    durations = []
    for _ in range(2):
        fake.reset(seed=99)
        user = new_user(http)
        submit(http, user)
        fake.advance(10)
        durations.append(poll(http, user)["data"]["progress"])
    assert durations[0] == durations[1]


def test_mov_output(http: httpx.Client, fake: Fake, user: User) -> None:
    draft = copy.deepcopy(SIMPLE_DRAFT)
    submit(http, user, output={"format": "mov"}, draft=draft)
    fake.advance(100)
    data = poll(http, user)["data"]
    assert data["outputUrl"].endswith(".mov")
    assert http.get(data["outputUrl"]).headers["content-type"] == "video/quicktime"


def test_render_ids_are_per_user(http: httpx.Client, fake: Fake, user: User) -> None:
    assert submit(http, user).json()["success"] is True
    other = new_user(http, "other")
    # another user's id is free for this user: not 409 "already exists", not a leak
    mine = submit(http, other)
    assert mine.status_code == 200 and mine.json()["data"]["id"] == "render_1"
    fake.advance(120)
    first, second = poll(http, user)["data"], poll(http, other)["data"]
    assert first["outputUrl"] != second["outputUrl"]
    assert http.get(first["outputUrl"]).status_code == 200
    # a public name with the wrong key, or another render's key, finds nothing
    key = first["outputUrl"].rsplit("-", 1)[1]
    assert http.get(f"/render-result/render_2-{key}").status_code == 404
    assert http.get(first["outputUrl"].replace(key[:4], "0000")).status_code == 404


def test_the_default_poll_carries_what_every_documented_client_reads(
    http: httpx.Client, fake: Fake, user: User
) -> None:
    """v4.4 reads data.status / data.outputUrl; v1.9, v4.5.1 and the seeds read top-level
    status and output.url; the first version reads taskId too (API notes §7)."""
    assert FakeConfig().render_poll == "compat"
    fake.configure(render_poll=FakeConfig().render_poll, render_seconds=(30.0, 30.0))
    submit(http, user)
    fake.advance(30)
    body = poll(http, user)
    data = body["data"]
    assert body["success"] is True and data["status"] == body["status"] == "completed"
    assert data["progress"] == body["progress"] == 100
    assert data["outputUrl"] == body["output"]["url"] and body["taskId"] == data["id"]
    assert data["completedAt"] - data["createdAt"] == 30_000


@pytest.mark.parametrize("dialect", ["legacy", "compat"])
def test_a_failure_reads_at_the_top_level_too(
    http: httpx.Client, fake: Fake, user: User, dialect: str
) -> None:
    fake.configure(render_failure_rate=1.0, render_poll=dialect)
    submit(http, user)
    fake.advance(100)
    body = poll(http, user)
    assert body["status"] == "failed" and body["error"]


def test_the_first_versions_routes_serve_the_same_jobs(
    http: httpx.Client, fake: Fake, user: User
) -> None:
    body = {"id": "render_first", "sessionId": user.session_id, "draft": SIMPLE_DRAFT}
    accepted = http.post("/api/render/proxy/draft", headers=user.auth, json=body).json()
    assert accepted["data"] == {"id": "render_first", "status": "pending", "progress": 5}
    fake.advance(100)
    first = http.get("/api/render/proxy/render_first", headers=user.auth).json()
    assert first == poll(http, user, "render_first")
    assert first["status"] == "completed" and first["output"]["url"].endswith(".mp4")
    # another user's task is "not found", as on the lambda route
    other = new_user(http, "someone-else")
    stranger = http.get("/api/render/proxy/render_first", headers=other.auth)
    assert stranger.status_code == 404 and stranger.json()["success"] is False
    # the draft route refuses what the lambda route refuses (here: no attribution, 402)
    bare = {"Authorization": user.auth["Authorization"]}
    refused = http.post("/api/render/proxy/draft", headers=bare, json={**body, "id": "r2"})
    assert refused.status_code == 402 and "attribution" in refused.json()["error"]


def test_render_time_is_api_time_on_a_scaled_clock(
    http: httpx.Client, fake: Fake, user: User
) -> None:
    """At 0.0001 real s per API s a 30 s render is due after 3 ms, long before the real
    encoder is done: the job reads `processing` until its file exists, then completes at
    the API time it was due, not when the encoder happened to finish."""
    fake.configure(clock="scaled", time_scale=0.0001, render_seconds=(30.0, 30.0))
    submit(http, user)
    job = fake.service.renders.backend.pending(fake.service.store.render(user.user_id, "render_1"))
    assert job is not None
    job.result(timeout=120)  # wait for the encoder itself, not for time
    data = poll(http, user)["data"]
    assert data["status"] == "completed"
    assert data["completedAt"] - data["createdAt"] == 30_000
    assert fake.clock.now() * 1000 - data["createdAt"] > 30_000  # the encode took API hours


class HeldEncoder:
    """A render backend whose encode finishes when the test says so."""

    def __init__(self, out: Path) -> None:
        self.job: Future[Any] = Future()
        self.out = out

    def start(self, render: Render) -> None:
        pass

    def check(self, render: Render) -> None:
        if self.job.done():
            render.artifact, render.size, render.media_duration = self.out, 4, 2.0

    def pending(self, render: Render) -> Future[Any] | None:
        return self.job

    def forget(self, render: Render) -> None:
        pass

    def close(self) -> None:
        pass


def test_a_due_render_waits_for_its_encoder_briefly_then_reads_processing(
    http: httpx.Client, fake: Fake, user: User, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out.mp4"
    out.write_bytes(b"mp4!")
    held = HeldEncoder(out)
    monkeypatch.setattr(fake.service.renders, "backend", held)
    monkeypatch.setitem(routes_render.ENCODER_WAIT, "scaled", 0.05)
    fake.configure(clock="scaled", time_scale=0.0001, render_seconds=(30.0, 30.0))
    submit(http, user)
    fake.advance(30)  # due, whatever this machine's speed
    waiting = poll(http, user)
    assert (waiting["status"], waiting["progress"]) == ("processing", 99)
    assert not held.job.cancelled()  # giving up the wait leaves the encode alone
    held.job.set_result(None)
    done = poll(http, user)["data"]
    assert done["status"] == "completed"
    assert done["completedAt"] - done["createdAt"] == 30_000
