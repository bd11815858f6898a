"""video_app's tests, with the fixtures that `pip install 'nemo-fake[pytest]'` registers:
no conftest, no imports from nemo-fake. Every response is checked against the contract."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from video_app import ApiError, VideoClient

PROMPT = "make a 2-second video of a red fox"


def test_the_whole_flow_in_process(nemo_fake, tmp_path: Path) -> None:
    client = VideoClient(http=nemo_fake.client, sleep=nemo_fake.advance)
    client.start()
    reply = client.chat(PROMPT)  # a generation of minutes of API time, streamed at once
    video = client.export(tmp_path / "fox.mp4")
    assert reply.text and reply.heartbeats > 0
    assert video.read_bytes()[4:8] == b"ftyp"
    assert client.credits()["available"] < 100  # the generation was charged


def test_a_client_that_builds_its_own_httpx_client(nemo_fake) -> None:
    with nemo_fake.mock():  # NEMO_API_URL -> the fake; every httpx client routed to it
        client = VideoClient()
        client.start()
        nemo_fake.advance(7 * 24 * 3600 + 60)  # anonymous tokens live 7 days
        assert client.credits()["available"] == 100  # 1001, renewed, asked again
    assert [r.code for r in nemo_fake.requests(path="/api/credits/*")] == [1001, 0]


def test_the_whole_flow_over_a_socket(nemo_fake_server, tmp_path: Path) -> None:
    client = VideoClient(nemo_fake_server.url, sleep=nemo_fake_server.advance)
    client.start()
    reply = client.chat(PROMPT)
    assert reply.text and reply.heartbeats > 0
    assert client.export(tmp_path / "fox.mp4").read_bytes()[4:8] == b"ftyp"


@pytest.mark.nemo(events="typed", heartbeat="comment")
def test_another_dialect_over_a_socket(nemo_fake_server) -> None:
    client = VideoClient(nemo_fake_server.url, sleep=nemo_fake_server.advance)
    client.start()
    reply = client.chat(PROMPT)
    assert reply.heartbeats > 0  # `: heartbeat` comments
    run = nemo_fake_server.requests(path="/run_sse")[-1]
    assert run.status == 200


def test_an_account_on_the_shared_server(nemo_fake_session_server) -> None:
    account = nemo_fake_session_server.new_account(credits=500)
    client = VideoClient(nemo_fake_session_server.url, token=account.token)
    client.start()
    assert client.credits()["available"] == 500
    nemo_fake_session_server.fault(path="/run_sse", error_code=1002, times=5)
    with pytest.raises(ApiError) as refused:
        client.chat(PROMPT)
    assert refused.value.code == 1002


def test_the_shared_server_undid_the_fault(nemo_fake_session_server) -> None:
    assert nemo_fake_session_server.faults.list() == []


def test_the_fake_serves_its_contract_and_docs(nemo_fake_server) -> None:
    spec = httpx.get(f"{nemo_fake_server.url}/openapi.json")
    assert spec.status_code == 200 and spec.json()["openapi"].startswith("3.1")
    page = httpx.get(f"{nemo_fake_server.url}/docs")
    assert page.status_code == 200
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert assets and all(a.startswith("/") for a in assets)
    for asset in assets:
        assert httpx.get(f"{nemo_fake_server.url}{asset}").status_code == 200
