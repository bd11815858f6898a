import httpx
import pytest

from mock_server.fake import Fake
from tests.conftest import User, new_user


def test_create_session_shape(http: httpx.Client, user: User) -> None:
    assert user.session_id.isdigit() and len(user.session_id) == 19
    assert user.task_id.startswith("task_")


def test_create_session_accepts_body_without_language(http: httpx.Client, user: User) -> None:
    body = http.post(
        "/api/tasks/me/with-session/nemo_agent", headers=user.auth, json={"task_name": "project"}
    ).json()
    assert body["code"] == 0 and body["data"]["session_id"] != user.session_id


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"{not json", "Malformed JSON"),
        (b"[1,2]", "JSON object"),
        (b'{"task_name": 5}', "task_name"),
        (b'{"task_name":"p","language":3}', "language"),
    ],
)
def test_create_session_bad_bodies_are_400(
    http: httpx.Client, user: User, content: bytes, fragment: str
) -> None:
    response = http.post(
        "/api/tasks/me/with-session/nemo_agent",
        headers={**user.auth, "Content-Type": "application/json"},
        content=content,
    )
    assert response.status_code == 400
    assert fragment in response.json()["message"]


def test_state_of_a_new_session(http: httpx.Client, user: User) -> None:
    data = http.get(f"/api/state/nemo_agent/me/{user.session_id}/latest", headers=user.auth).json()[
        "data"
    ]
    assert data["session_id"] == user.session_id and data["task_id"] == user.task_id
    assert data["task_name"] == "project"
    state = data["state"]
    assert set(state) == {
        "video_infos",
        "draft",
        "canvas_config",
        "video_analyses",
        "generated_media",
    }
    assert state["video_infos"] == [] and state["canvas_config"]["aspect_ratio"] == "16:9"


def test_unknown_session_is_1002(http: httpx.Client, user: User) -> None:
    body = http.get("/api/state/nemo_agent/me/123/latest", headers=user.auth).json()
    assert body["code"] == 1002 and "123" in body["message"]


def test_another_users_session_is_not_found(http: httpx.Client) -> None:
    alice, bob = new_user(http, "alice"), new_user(http, "bob")
    for path in (f"/api/state/nemo_agent/me/{alice.session_id}/latest",):
        assert http.get(path, headers=bob.auth).json()["code"] == 1002
    upload = http.post(
        f"/api/upload-video/nemo_agent/me/{alice.session_id}",
        headers=bob.auth,
        json={"urls": ["https://example.com/a.mp4"], "source_type": "url"},
    )
    assert upload.json()["code"] == 1002
    sse = http.post(
        "/run_sse",
        headers=bob.auth,
        json={"session_id": alice.session_id, "new_message": {"parts": [{"text": "hi"}]}},
    )
    assert sse.json()["code"] == 1002
    claim = http.post(
        "/api/auth/claim-token", headers=bob.auth, json={"session_id": alice.session_id}
    )
    assert claim.json()["code"] == 1002
    # and alice's state is untouched by bob's attempts
    state = http.get(
        f"/api/state/nemo_agent/me/{alice.session_id}/latest", headers=alice.auth
    ).json()
    assert state["data"]["state"]["video_infos"] == []


def test_mapped_dialect_session_not_found_is_404(
    http: httpx.Client, fake: Fake, user: User
) -> None:
    fake.configure(error_status="mapped")
    response = http.get("/api/state/nemo_agent/me/1/latest", headers=user.auth)
    assert response.status_code == 404 and response.json()["code"] == 1002


def test_credits_total_is_available_plus_frozen(http: httpx.Client, user: User) -> None:
    data = http.get("/api/credits/balance/simple", headers=user.auth).json()["data"]
    assert data == {"available": 100, "frozen": 0, "total": 100}


def test_unknown_route_is_a_clear_404(http: httpx.Client) -> None:
    response = http.get("/api/nope")
    assert response.status_code == 404 and "/api/nope" in response.json()["message"]
    assert http.delete("/api/credits/balance/simple").status_code == 405


def test_state_with_the_callers_own_user_id_in_the_path(http: httpx.Client, user: User) -> None:
    """Versions before v1.0 write the user id where `me` stands: the same state."""
    me = http.get(f"/api/state/nemo_agent/me/{user.session_id}/latest", headers=user.auth)
    own = http.get(
        f"/api/state/nemo_agent/{user.user_id}/{user.session_id}/latest", headers=user.auth
    )
    assert own.json() == me.json() and own.json()["code"] == 0


@pytest.mark.parametrize("error_status", ["ok200", "mapped"])
def test_another_users_id_in_the_path_is_not_found(
    http: httpx.Client, fake: Fake, user: User, error_status: str
) -> None:
    fake.configure(error_status=error_status)
    other = new_user(http, "client-2")
    # the other user's id with my session, and my id with their session: both 1002,
    # worded exactly as an unknown session is
    for who, sid in ((other.user_id, user.session_id), (user.user_id, other.session_id)):
        response = http.get(f"/api/state/nemo_agent/{who}/{sid}/latest", headers=user.auth)
        assert response.status_code == (200 if error_status == "ok200" else 404)
        assert response.json() == {
            "code": 1002,
            "message": f"Session not found: {sid}",
            "data": None,
        }
