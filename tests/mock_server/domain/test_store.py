"""The Store seam: what a shared store (SQLite, Redis) would have to give the domain, held
against the in-memory store and a store that hands out copies, as a serialising one does."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import httpx

from mock_server.config import FakeConfig
from mock_server.domain.model import Account, Hold, MediaFile, Render, Token
from mock_server.domain.store import MemoryStore
from mock_server.fake import Fake
from mock_server.testing.handles import FakeHandle
from tests.conftest import ATTRIBUTION


class CopyingStore(MemoryStore):
    """Every read returns a copy, as a store that deserialises would: a change the domain
    does not write back with `put_*` is lost here. Sessions excepted: a session's turns
    hold the agent's effects as closures, which no shared store can keep (the agent's
    own issue turns them into data; mock_server/domain/store.py says so)."""

    def account(self, user_id: str) -> Account | None:
        return copy.deepcopy(super().account(user_id))

    def token(self, value: str) -> Token | None:
        return copy.deepcopy(super().token(value))

    def hold(self, ref: str) -> Hold | None:
        return copy.deepcopy(super().hold(ref))

    def media(self, media_id: str) -> MediaFile | None:
        return copy.deepcopy(super().media(media_id))

    def render(self, render_id: str) -> Render | None:
        return copy.deepcopy(super().render(render_id))


def _scenario(fake: Fake) -> dict[str, Any]:
    """A user's whole path: token, session, a turn to the end, state, credits, a render."""
    handle = FakeHandle(fake)  # auto-advancing: the turn plays out in API time
    with httpx.Client(transport=handle.transport(), base_url="http://f", timeout=30) as http:
        token = http.post("/api/auth/anonymous-token", headers={"X-Client-Id": "c-1"}).json()
        auth = {"Authorization": f"Bearer {token['data']['token']}", **ATTRIBUTION}
        sid = http.post(
            "/api/tasks/me/with-session/nemo_agent", headers=auth, json={"task_name": "p"}
        ).json()["data"]["session_id"]
        body = {
            "session_id": sid,
            "new_message": {
                "parts": [{"text": "generate a 2-second video of a sunset over the sea"}]
            },
        }
        with http.stream("POST", "/run_sse", headers=auth, json=body) as stream:
            frames = sum(1 for line in stream.iter_lines() if line.startswith("data:"))
        state = http.get(f"/api/state/nemo_agent/me/{sid}/latest", headers=auth).json()["data"]
        credits = http.get("/api/credits/balance/simple", headers=auth).json()["data"]
        draft = state["state"]["draft"]
        submitted = http.post(
            "/api/render/proxy/lambda",
            headers=auth,
            json={"id": "r1", "sessionId": sid, "draft": draft, "output": {"format": "mp4"}},
        ).json()
        fake.advance(600)
        poll = http.get("/api/render/proxy/lambda/r1", headers=auth).json()
    return {
        "frames": frames,
        "draft": draft,
        "credits": credits,
        "submitted": submitted["success"],
        "status": poll["data"]["status"],
    }


def _fake(tmp_path: Path, store: MemoryStore | None = None) -> Fake:
    config = FakeConfig(clock="manual", seed=7, data_dir=str(tmp_path), media_max_side=64)
    return Fake(config, store=store)


def test_a_store_that_hands_out_copies_serves_the_same_session(tmp_path: Path) -> None:
    plain, copying = _fake(tmp_path / "a"), _fake(tmp_path / "b", CopyingStore())
    try:
        expected = _scenario(plain)
        assert expected["frames"] > 3 and expected["draft"]["t"]
        assert expected["status"] == "completed"
        assert _scenario(copying) == expected
    finally:
        plain.close()
        copying.close()


def test_reset_clears_the_same_store_and_the_service_locks_with_it(tmp_path: Path) -> None:
    store = MemoryStore()
    fake = _fake(tmp_path, store)
    try:
        _token, account = fake.mint_account(kind="registered", credits=50)
        assert store.account(account.user_id) is not None
        assert fake.service.lock is store.lock
        fake.reset()
        assert fake.store is store and store.account(account.user_id) is None
        assert fake.service.store is store and fake.service.lock is store.lock
    finally:
        fake.close()
