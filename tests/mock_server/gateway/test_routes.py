"""The gateway's HTTP routes (contracts/gateway.openapi.yaml), in process: every response
is validated against the contract by the nemo_fake fixture."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from fixtures.media.make_samples import write_video
from mock_server.testing.handles import FakeHandle, NemoAccount

CLI_HEADERS = {"X-Skill-Source": "nemovideo-tools", "X-Skill-Version": "0.1.8"}


def auth(account: NemoAccount) -> dict[str, str]:
    return {**account.headers, **CLI_HEADERS, "X-Skill-Platform": "terminal"}


def data(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    body = response.json()
    if "success" in body:
        assert body["success"] is True
    else:
        assert body["code"] == 0, body
    return body["data"]


def create_project(client: httpx.Client, account: NemoAccount, **body: Any) -> dict[str, Any]:
    created: dict[str, Any] = data(
        client.post("/projects", json={"create_session": True, **body}, headers=auth(account))
    )
    return created


def test_a_project_is_a_skill_api_session_and_the_reverse(nemo_fake: FakeHandle) -> None:
    client, account = nemo_fake.client, nemo_fake.new_account("registered", credits=500)
    project = create_project(client, account)
    session_id = project["session"]["session_id"]
    assert project["session"]["project_id"] == project["project_id"]
    state = client.get(f"/api/state/nemo_agent/me/{session_id}/latest", headers=auth(account))
    assert state.json()["data"]["task_id"] == project["project_id"]
    # a session made through the skill API is a project here
    made = client.post(
        "/api/tasks/me/with-session/nemo_agent", json={"task_name": "skill"}, headers=auth(account)
    ).json()["data"]
    listed = data(client.get("/projects", headers=auth(account)))
    assert listed["count"] == 2
    assert [p["project_id"] for p in listed["projects"]] == [made["task_id"], project["project_id"]]
    assert (
        data(client.get(f"/projects/{made['task_id']}", headers=auth(account)))["name"] == "skill"
    )
    sessions = data(client.get(f"/projects/{made['task_id']}/sessions", headers=auth(account)))
    assert [s["session_id"] for s in sessions["sessions"]] == [made["session_id"]]


def test_create_without_a_session_and_named(nemo_fake: FakeHandle) -> None:
    account = nemo_fake.new_account("registered")
    project = create_project(nemo_fake.client, account, create_session=False, name="Trip")
    assert project["session"] is None and project["name"] == "Trip"
    bad = nemo_fake.client.post("/projects", json={"create_session": "yes"}, headers=auth(account))
    assert bad.status_code == 400 and "create_session" in bad.json()["message"]


def test_auth_codes_are_the_gateways(nemo_fake: FakeHandle) -> None:
    client = nemo_fake.client
    missing = client.get("/projects")
    assert (missing.status_code, missing.json()["code"]) == (401, 1010)
    assert "Missing" in missing.json()["message"]
    unknown = client.get("/billing/balance", headers={"Authorization": "Bearer nmv_usr_nope"})
    assert (unknown.status_code, unknown.json()["code"]) == (401, 1010)
    account = nemo_fake.new_account("anonymous")
    nemo_fake.advance(8 * 86_400)  # anonymous tokens last 7 days
    expired = client.get("/projects", headers=auth(account))
    assert (expired.status_code, expired.json()["code"]) == (401, 1011)


def test_auth_verify_checks_the_token_in_the_body(nemo_fake: FakeHandle) -> None:
    account = nemo_fake.new_account("registered", credits=70)
    verified = data(nemo_fake.client.post("/auth/verify", json={"token": account.token}))
    assert verified == {"user_id": account.user_id, "email": None, "balance": 70}
    wrong = nemo_fake.client.post("/auth/verify", json={"token": "nmv_usr_wrong"})
    assert (wrong.status_code, wrong.json()["code"]) == (401, 1010)
    missing = nemo_fake.client.post("/auth/verify", json={})
    assert (missing.status_code, missing.json()["code"]) == (401, 1010)
    assert nemo_fake.client.post("/auth/verify", json={"token": 7}).status_code == 400


def test_unknown_and_foreign_projects_are_404(nemo_fake: FakeHandle) -> None:
    owner, other = nemo_fake.new_account("registered"), nemo_fake.new_account("registered")
    project_id = create_project(nemo_fake.client, owner)["project_id"]
    for path in (
        f"/projects/{project_id}",
        f"/projects/{project_id}/sessions",
        f"/api/v1/state/frontend/{project_id}",
        f"/services/v1/render-proxy/{project_id}/download",
    ):
        response = nemo_fake.client.get(path, headers=auth(other))
        assert response.status_code == 404, path
        assert project_id in response.json()["message"]


def test_upload_then_the_state_maps_sandbox_paths_to_files(
    nemo_fake: FakeHandle, tmp_path: Path
) -> None:
    client, account = nemo_fake.client, nemo_fake.new_account("registered", credits=500)
    project = create_project(client, account)
    pid, sid = project["project_id"], project["session"]["session_id"]
    empty = data(client.get(f"/api/v1/state/frontend/{pid}", headers=auth(account)))
    assert empty["project"] == {}
    clip = write_video(tmp_path / "my clip.mp4", width=320, height=180, seconds=1.0, fps=24)
    with clip.open("rb") as handle:
        uploaded = data(
            client.post(
                "/files/upload",
                files={"file": ("my clip.mp4", handle, "video/mp4")},
                data={"session_id": sid},
                headers=auth(account),
            )
        )
    assert uploaded["filename"] == "my clip.mp4" and uploaded["file_type"] == "video"
    assert client.get(uploaded["url"]).content == clip.read_bytes()
    # the agent lays the upload on the timeline; the state names it by sandbox path
    with nemo_fake.websocket(f"/ws/chat?token={account.token}&session_id={sid}") as ws:
        until(ws, "session_ready")
        ws.send_json({"type": "message", "content": "add a title 'Trip'", "metadata": {}})
        until(ws, "done")
    state = data(client.get(f"/api/v1/state/frontend/{pid}", headers=auth(account)))["project"]
    files = state[f"files:{sid}"]
    assert [f["file_id"] for f in files] == [uploaded["file_id"]]
    sources = [
        seg["src"] for track in state["timeline_draft"]["t"] for seg in track["sg"] if "src" in seg
    ]
    assert sources and all(src.startswith("/mnt/userdata/") for src in sources)
    assert all(src.endswith(files[0]["s3_key"].rsplit("/", 1)[1]) for src in sources)


def test_upload_refusals(nemo_fake: FakeHandle, tmp_path: Path) -> None:
    client, account = nemo_fake.client, nemo_fake.new_account("registered")
    sid = create_project(client, account)["session"]["session_id"]
    files = {"file": ("a.mp4", b"not a video", "video/mp4")}
    no_session = client.post("/files/upload", files=files, headers=auth(account))
    assert no_session.status_code == 400 and "session_id" in no_session.json()["message"]
    unknown = client.post(
        "/files/upload", files=files, data={"session_id": "123"}, headers=auth(account)
    )
    assert unknown.status_code == 404
    broken = client.post(
        "/files/upload", files=files, data={"session_id": sid}, headers=auth(account)
    )
    assert (broken.status_code, broken.json()["code"]) == (415, 4001)
    text = client.post("/files/upload", json={"session_id": sid}, headers=auth(account))
    assert text.status_code == 400
    assert not list((nemo_fake.fake.data_dir / "tmp").glob("upload-*"))  # temp files removed


def until(ws: Any, kind: str) -> list[dict[str, Any]]:
    """Messages up to and including the first of `kind`."""
    seen: list[dict[str, Any]] = []
    while not seen or seen[-1]["type"] != kind:
        seen.append(ws.receive_json())
    return seen


def test_billing_balance_and_history_follow_the_ledger(nemo_fake: FakeHandle) -> None:
    client, account = nemo_fake.client, nemo_fake.new_account("registered", credits=1000)
    fresh = data(client.get("/billing/balance", headers=auth(account)))
    assert fresh == {"available": 1000, "frozen": 0, "total_granted": 1000, "total_consumed": 0}
    project = create_project(client, account)
    sid = project["session"]["session_id"]
    with nemo_fake.websocket(f"/ws/chat?token={account.token}&session_id={sid}") as ws:
        until(ws, "session_ready")
        ws.send_json({"type": "message", "content": "generate a video of a cat, 4 seconds"})
        until(ws, "done")
    after = data(client.get("/billing/balance", headers=auth(account)))
    cost = nemo_fake.config.generation_cost
    assert after == {
        "available": 1000 - cost, "frozen": 0, "total_granted": 1000, "total_consumed": cost
    }  # fmt: skip
    history = data(client.get("/billing/usage/conversations", headers=auth(account)))
    assert [i["kind"] for i in history["items"]] == ["conversation", "grant"]
    conversation = history["items"][0]["conversation"]
    assert history["items"][0]["amount_delta"] == -cost
    assert conversation["project_id"] == project["project_id"]
    assert conversation["user_message"] == "generate a video of a cat, 4 seconds"
    assert conversation["tool_breakdown"][0]["credits"] == cost
    page = data(
        client.get("/billing/usage/conversations?page_no=2&page_size=1", headers=auth(account))
    )
    assert (page["total"], page["total_pages"], page["has_next"], page["has_prev"]) == (
        2,
        2,
        False,
        True,
    )
    assert [i["kind"] for i in page["items"]] == ["grant"]
    none = data(
        client.get(
            "/billing/usage/conversations?start_date=2000-01-01&end_date=2000-01-02",
            headers=auth(account),
        )
    )
    assert none["items"] == [] and none["total_pages"] == 0


@pytest.mark.parametrize(
    "query",
    [
        "page_size=101",
        "page=2",
        "page_no=0",
        "start_date=yesterday",
        "start_date=2026-02-01&end_date=2026-01-01",
    ],
)
def test_history_rejects_bad_queries(nemo_fake: FakeHandle, query: str) -> None:
    account = nemo_fake.new_account("registered")
    response = nemo_fake.client.get(f"/billing/usage/conversations?{query}", headers=auth(account))
    assert response.status_code == 400
    assert response.json()["message"]


def test_render_proxy_by_client_id_and_project_download(nemo_fake: FakeHandle) -> None:
    client, account = nemo_fake.client, nemo_fake.new_account("registered", credits=500)
    project = create_project(client, account)
    pid, sid = project["project_id"], project["session"]["session_id"]
    assert (
        client.get(f"/services/v1/render-proxy/{pid}/download", headers=auth(account)).status_code
        == 404
    )
    with nemo_fake.websocket(f"/ws/chat?token={account.token}&session_id={sid}") as ws:
        until(ws, "session_ready")
        ws.send_json({"type": "message", "content": "generate a video of a lake, 3 seconds"})
        until(ws, "done")
    draft = data(client.get(f"/api/v1/state/frontend/{pid}", headers=auth(account)))["project"]
    files = {f["s3_key"].rsplit("/", 1)[1]: f["cdn_url"] for f in draft[f"files:{sid}"]}
    timeline = draft["timeline_draft"]
    for track in timeline["t"]:  # what the CLI does before rendering
        for seg in track["sg"]:
            if str(seg.get("src", "")).startswith("/mnt/userdata/"):
                seg["src"] = files[seg["src"].rsplit("/", 1)[1]]
    body = {
        "id": "draft-cli-1",
        "draft": timeline,
        "sessionId": sid,
        "output": {"format": "mp4", "codec": "h264", "crf": 23},
    }
    submitted = data(
        client.post("/services/v1/render-proxy/lambda", json=body, headers=auth(account))
    )
    assert submitted["id"] == "draft-cli-1"
    again = client.post("/services/v1/render-proxy/lambda", json=body, headers=auth(account))
    assert again.status_code == 409
    nemo_fake.advance(60)
    polled = data(client.get("/services/v1/render-proxy/lambda/draft-cli-1", headers=auth(account)))
    assert polled["status"] == "completed"
    download = data(client.get(f"/services/v1/render-proxy/{pid}/download", headers=auth(account)))
    assert download["render_id"] == "draft-cli-1"
    assert download["output"]["url"] == polled["outputUrl"]
    video = client.get(download["output"]["url"])
    assert video.headers["content-type"] == "video/mp4"
    assert len(video.content) == download["output"]["size"]
    assert (
        client.get("/services/v1/render-proxy/lambda/nope", headers=auth(account)).status_code
        == 404
    )
