import httpx
import pytest

from mock_server.fake import Fake
from tests.conftest import new_user


def test_anonymous_token_shape(http: httpx.Client) -> None:
    body = http.post("/api/auth/anonymous-token", headers={"X-Client-Id": "c-1"}).json()
    assert body["code"] == 0 and body["message"] == "success"
    data = body["data"]
    assert data["token"].startswith("nmv_usr_") and len(data["token"]) > 20
    assert data["user_id"].startswith("anon_")
    assert data["credits"] == 100
    assert data["expires_at"] == "2026-01-08T00:00:00Z"  # 7 days after the manual epoch


@pytest.mark.parametrize("headers", [{}, {"X-Client-Id": ""}, {"X-Client-Id": "x" * 65}])
def test_client_id_missing_or_too_long_is_http_400(
    http: httpx.Client, headers: dict[str, str]
) -> None:
    response = http.post("/api/auth/anonymous-token", headers=headers)
    assert response.status_code == 400
    assert response.json()["code"] == 400
    assert "X-Client-Id" in response.json()["message"]


def test_client_id_of_64_chars_is_accepted(http: httpx.Client) -> None:
    assert (
        http.post("/api/auth/anonymous-token", headers={"X-Client-Id": "x" * 64}).json()["code"]
        == 0
    )


def test_one_token_per_client_per_seven_days(http: httpx.Client, fake: Fake) -> None:
    first = http.post("/api/auth/anonymous-token", headers={"X-Client-Id": "c"})
    again = http.post("/api/auth/anonymous-token", headers={"X-Client-Id": "c"})
    assert again.status_code == 429 and again.headers["retry-after"] == "30"
    fake.advance(7 * 86400)
    renewed = http.post("/api/auth/anonymous-token", headers={"X-Client-Id": "c"})
    assert renewed.status_code == 200
    # same client id, same user: re-auth keeps the account
    assert renewed.json()["data"]["user_id"] == first.json()["data"]["user_id"]
    assert renewed.json()["data"]["token"] != first.json()["data"]["token"]


def test_per_ip_window(http: httpx.Client, fake: Fake) -> None:
    fake.configure(tokens_per_ip=3)
    codes = [
        http.post("/api/auth/anonymous-token", headers={"X-Client-Id": f"c{i}"}).status_code
        for i in range(4)
    ]
    assert codes == [200, 200, 200, 429]
    fake.advance(7 * 86400)
    assert http.post("/api/auth/anonymous-token", headers={"X-Client-Id": "c9"}).status_code == 200


def test_token_expires_after_seven_days_of_api_time(http: httpx.Client, fake: Fake) -> None:
    user = new_user(http)
    fake.advance(7 * 86400 - 1)
    assert http.get("/api/credits/balance/simple", headers=user.auth).json()["code"] == 0
    fake.advance(1)
    body = http.get("/api/credits/balance/simple", headers=user.auth).json()
    assert body["code"] == 1001 and "expired" in body["message"]


def test_token_never_expires_dialect(http: httpx.Client, fake: Fake) -> None:
    fake.configure(token_expiry="never")
    data = http.post("/api/auth/anonymous-token", headers={"X-Client-Id": "c"}).json()["data"]
    assert data["expires_at"] is None
    fake.advance(365 * 86400)
    auth = {"Authorization": f"Bearer {data['token']}"}
    assert http.get("/api/credits/balance/simple", headers=auth).json()["code"] == 0


@pytest.mark.parametrize("authorization", [None, "Bearer", "Basic abc", "Bearer nmv_usr_unknown"])
def test_bad_tokens_are_1001(http: httpx.Client, authorization: str | None) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    response = http.post(
        "/api/tasks/me/with-session/nemo_agent", headers=headers, json={"task_name": "p"}
    )
    assert response.status_code == 200
    assert response.json()["code"] == 1001


def test_mapped_dialect_uses_http_401(http: httpx.Client, fake: Fake) -> None:
    fake.configure(error_status="mapped")
    response = http.get("/api/credits/balance/simple", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401 and response.json()["code"] == 1001


def test_claim_token(http: httpx.Client) -> None:
    user = new_user(http)
    body = {"task_id": user.task_id, "session_id": user.session_id}
    first = http.post("/api/auth/claim-token", headers=user.auth, json=body).json()["data"]
    assert first["claim_token"].startswith("clm_") and first["expires_in"] == 604800
    # reusable: the same claim token for the same session
    assert http.post("/api/auth/claim-token", headers=user.auth, json=body).json()["data"] == first
    wrong = http.post(
        "/api/auth/claim-token", headers=user.auth, json={**body, "task_id": "task_x"}
    )
    assert wrong.json()["code"] == 1002
    missing = http.post("/api/auth/claim-token", headers=user.auth, json={"task_id": user.task_id})
    assert missing.status_code == 400
