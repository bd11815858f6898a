"""Walk every route of contracts/openapi.yaml — success and each documented error — with
every response validated against the contract; fail if any operation was not walked."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
import yaml

from fixtures.media.make_samples import write_image
from mock_server.fake import Fake
from mock_server.journal import Exchange
from mock_server.testing.conformance import operation_for
from tests.conftest import SIMPLE_DRAFT, new_user

CONTRACT = Path(__file__).resolve().parents[2] / "contracts" / "openapi.yaml"


def operations() -> set[str]:
    doc = yaml.safe_load(CONTRACT.read_text(encoding="utf-8"))
    methods = {"get", "post", "put", "patch", "delete", "head"}
    return {
        op["operationId"]
        for item in doc["paths"].values()
        for m, op in item.items()
        if m in methods
    }


def test_every_route_success_and_documented_errors(
    fake: Fake, http: httpx.Client, tmp_path: Path
) -> None:
    walked: set[str] = set()

    def seen(exchange: Exchange) -> None:
        operation = operation_for(exchange.method, exchange.path)
        if operation is not None:
            walked.add(operation.definition.raw["operationId"])

    fake.observers.append(seen)  # the `fake` fixture's checker validates every response
    fake.configure(render_seconds=(10.0, 10.0))
    # auth: success, 400 (no client id), 429 (same client again)
    assert http.post("/api/auth/anonymous-token").status_code == 400
    user = new_user(http, "walker")
    assert (
        http.post("/api/auth/anonymous-token", headers={"X-Client-Id": "walker"}).status_code == 429
    )
    auth = user.auth
    # sessions, state, credits: success, 1001, 1002
    assert (
        http.post(
            "/api/tasks/me/with-session/nemo_agent", headers={"Authorization": "Bearer x"}, json={}
        ).json()["code"]
        == 1001
    )
    assert (
        http.get(f"/api/state/nemo_agent/me/{user.session_id}/latest", headers=auth).json()["code"]
        == 0
    )
    assert http.get("/api/state/nemo_agent/me/1/latest", headers=auth).json()["code"] == 1002
    # the user-id-in-path forms: the caller's own id works, anyone else's is 1002
    own = f"/api/state/nemo_agent/{user.user_id}/{user.session_id}/latest"
    assert http.get(own, headers=auth).json()["code"] == 0
    other = f"/api/state/nemo_agent/anon_0000000000000000/{user.session_id}/latest"
    assert http.get(other, headers=auth).json()["code"] == 1002
    assert http.get("/api/credits/balance/simple", headers=auth).json()["code"] == 0
    claim = {"task_id": user.task_id, "session_id": user.session_id}
    assert http.post("/api/auth/claim-token", headers=auth, json=claim).json()["code"] == 0
    # uploads: success, 4001, 4002, 400
    image = write_image(tmp_path / "a.png", width=32, height=32)
    upload = f"/api/upload-video/nemo_agent/me/{user.session_id}"
    ok = http.post(
        upload, headers=auth, files=[("files", ("a.png", image.read_bytes(), "image/png"))]
    ).json()
    assert ok["code"] == 0
    assert (
        http.post(upload, headers=auth, files=[("files", ("a.txt", b"x", "text/plain"))]).json()[
            "code"
        ]
        == 4001
    )
    fake.configure(upload_max_bytes=10)
    assert (
        http.post(
            upload, headers=auth, files=[("files", ("b.png", image.read_bytes(), "image/png"))]
        ).json()["code"]
        == 4002
    )
    assert http.post(upload, headers=auth, json={"urls": []}).status_code == 400
    as_user = f"/api/upload-video/nemo_agent/{user.user_id}/{user.session_id}"
    assert http.post(as_user, headers=auth, json={"urls": []}).status_code == 400
    # media CDN: GET, HEAD, Range, 404
    cdn = ok["data"]["files"][0]["cdn_url"]
    assert http.get(cdn).status_code == 200 and http.head(cdn).status_code == 200
    assert http.get(cdn, headers={"Range": "bytes=0-1"}).status_code == 206
    assert http.get("/media/med_0000000000000000/x.png").status_code == 404
    # /run_sse: a stream, 1002, 422
    run = {"session_id": user.session_id, "new_message": {"parts": [{"text": "hello"}]}}
    fake.configure(text_seconds=(0.0, 0.0))
    with http.stream("POST", "/run_sse", headers=auth, json=run) as stream:
        assert stream.status_code == 200 and list(stream.iter_lines())
    assert (
        http.post("/run_sse", headers=auth, json={**run, "session_id": "1"}).json()["code"] == 1002
    )
    assert http.post("/run_sse", headers=auth, json={"new_message": 5}).status_code == 422
    # renders: submit, 400, 402, 409, poll, cancel, download, public result, HEAD, 404
    submit = {"id": "render_walk", "sessionId": user.session_id, "draft": SIMPLE_DRAFT}
    assert http.post("/api/render/proxy/lambda", headers=auth, json=submit).status_code == 200
    assert http.post("/api/render/proxy/lambda", headers=auth, json=submit).status_code == 409
    assert (
        http.post(
            "/api/render/proxy/lambda", headers=auth, json={**submit, "id": "r2", "draft": {}}
        ).status_code
        == 400
    )
    bare = {"Authorization": auth["Authorization"]}
    assert (
        http.post("/api/render/proxy/lambda", headers=bare, json={**submit, "id": "r3"}).status_code
        == 402
    )
    assert http.get("/api/render/proxy/lambda/nope", headers=auth).status_code == 404
    # the first version's routes: the same jobs
    first = {**submit, "id": "render_first"}
    assert http.post("/api/render/proxy/draft", headers=auth, json=first).status_code == 200
    assert http.get("/api/render/proxy/render_first", headers=auth).json()["status"] == "pending"
    assert http.get("/api/render/proxy/nope", headers=auth).status_code == 404
    fake.advance(30)
    done = http.get("/api/render/proxy/lambda/render_walk", headers=auth).json()["data"]
    assert done["status"] == "completed"
    assert http.post("/api/render/proxy/lambda/render_walk/cancel", headers=auth).status_code == 200
    assert http.get("/api/render/proxy/render_walk/download", headers=auth).status_code == 200
    assert http.head("/api/render/proxy/render_walk/download", headers=auth).status_code == 200
    assert http.get(done["outputUrl"], headers={"Range": "bytes=0-9"}).status_code == 206
    assert http.head(done["outputUrl"]).status_code == 200
    assert http.get("/api/render/proxy/nope/download", headers=auth).status_code == 404
    # the admin API
    assert http.get("/_fake/health").status_code == 200
    assert http.get("/_fake/clock").status_code == 200
    assert http.post("/_fake/clock/advance", json={"seconds": 1}).status_code == 200
    assert http.get("/_fake/config").status_code == 200
    assert http.patch("/_fake/config", json={"seed": 1234}).status_code == 200
    fault = http.post("/_fake/faults", json={"path": "/nothing", "error_code": 503}).json()
    assert http.get("/_fake/faults").status_code == 200
    assert http.delete(f"/_fake/faults/{fault['id']}").status_code == 200
    assert http.delete("/_fake/faults").status_code == 200
    assert http.get("/_fake/requests").status_code == 200
    assert http.delete("/_fake/requests").status_code == 200
    assert http.post("/_fake/accounts", json={"kind": "registered"}).status_code == 201
    assert http.post("/_fake/reset").status_code == 200

    missing = operations() - walked
    assert not missing, f"operations never walked: {sorted(missing)}"


def test_identical_exports_render_once_and_reset_cleans_the_data_dir(
    fake: Fake, http: httpx.Client
) -> None:
    user = new_user(http)
    for rid in ("render_a", "render_b"):
        body = {"id": rid, "sessionId": user.session_id, "draft": SIMPLE_DRAFT}
        assert (
            http.post("/api/render/proxy/lambda", headers=user.auth, json=body).status_code == 200
        )
    fake.advance(60)
    urls = [
        http.get(f"/api/render/proxy/lambda/{rid}", headers=user.auth).json()["data"]["outputUrl"]
        for rid in ("render_a", "render_b")
    ]
    assert http.get(urls[0]).content == http.get(urls[1]).content
    backend = fake.service.renders.backend
    assert backend.workers.renders_started == 1  # type: ignore[attr-defined]
    assert list((fake.data_dir / "renders").iterdir())
    fake.reset()
    assert not (fake.data_dir / "renders").exists()


@pytest.mark.parametrize("path", ["/openapi.json"])
def test_the_contract_is_what_the_fake_serves(http: httpx.Client, path: str) -> None:
    served = http.get(path).json()
    assert served == yaml.safe_load(CONTRACT.read_text(encoding="utf-8"))
