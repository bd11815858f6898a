import httpx
import pytest

from mock_server.app import build_app
from mock_server.fake import Fake
from tests.conftest import User, new_user


def test_health_and_clock(http: httpx.Client) -> None:
    health = http.get("/_fake/health").json()
    assert health["status"] == "ok" and health["clock"]["mode"] == "manual"
    before = http.get("/_fake/clock").json()["now"]
    after = http.post("/_fake/clock/advance", json={"seconds": 42}).json()
    assert after["now"] == before + 42 and after["now_iso"].endswith("Z")


@pytest.mark.parametrize(
    "body", [{"seconds": -1}, {"seconds": "x"}, {}, {"seconds": 1, "extra": 2}]
)
def test_advance_rejects_bad_bodies(http: httpx.Client, body: dict[str, object]) -> None:
    response = http.post("/_fake/clock/advance", json=body)
    assert response.status_code == 400 and response.json()["message"]


def test_config_get_and_patch(http: httpx.Client, fake: Fake) -> None:
    assert http.get("/_fake/config").json()["seed"] == 1234
    patched = http.patch(
        "/_fake/config", json={"error_status": "mapped", "render_poll": "legacy"}
    ).json()
    assert patched["error_status"] == "mapped" and fake.config.render_poll == "legacy"
    for bad in (
        {"error_status": "nope"},
        {"unknown": 1},
        {"data_dir": "/tmp/x"},
        {"render_seconds": [9, 1]},
    ):
        response = http.patch("/_fake/config", json=bad)
        assert response.status_code == 400, bad
    assert fake.config.error_status == "mapped"  # a refused patch changes nothing


def test_config_patch_switches_the_clock(http: httpx.Client, fake: Fake) -> None:
    http.patch("/_fake/config", json={"clock": "scaled", "time_scale": 0.001})
    assert fake.clock.mode == "scaled" and fake.clock.time_scale == 0.001


def test_reset_wipes_state_and_can_reseed(http: httpx.Client, fake: Fake) -> None:
    user = new_user(http)
    fake.faults.add(path="/nothing", error_code=503)
    assert http.post("/_fake/reset", json={"seed": 5}).json() == {"status": "reset", "seed": 5}
    assert http.get("/api/credits/balance/simple", headers=user.auth).json()["code"] == 1001
    assert fake.faults.list() == [] and len(fake.journal) == 1  # only the credits call above
    assert http.post("/_fake/reset", json={"seed": "x"}).status_code == 400


def test_same_seed_same_ids(http: httpx.Client, fake: Fake) -> None:
    fake.reset(seed=3)
    first = new_user(http)
    fake.reset(seed=3)
    second = new_user(http)
    fake.reset(seed=4)
    third = new_user(http)
    assert (first.token, first.session_id) == (second.token, second.session_id)
    assert first.token != third.token


def test_mint_accounts(http: httpx.Client) -> None:
    minted = http.post(
        "/_fake/accounts",
        json={"kind": "registered", "credits": 5000, "plan": "pro", "scopes": ["*"]},
    )
    assert minted.status_code == 201
    data = minted.json()
    assert (
        data["user_id"].startswith("usr_") and data["credits"] == 5000 and data["scopes"] == ["*"]
    )
    auth = {"Authorization": f"Bearer {data['token']}"}
    assert http.get("/api/credits/balance/simple", headers=auth).json()["data"]["available"] == 5000
    assert http.post("/_fake/accounts", json={"kind": "wizard"}).status_code == 400
    anon = http.post("/_fake/accounts").json()
    assert anon["user_id"].startswith("anon_") and anon["credits"] == 100


class TestFaults:
    def test_next_n_matching_requests(self, http: httpx.Client, user: User) -> None:
        http.post(
            "/_fake/faults",
            json={"method": "GET", "path": "/api/credits/*", "times": 2, "error_code": 503},
        )
        codes = [
            http.get("/api/credits/balance/simple", headers=user.auth).status_code for _ in range(3)
        ]
        assert codes == [503, 503, 200]
        listed = http.get("/_fake/faults").json()["faults"][0]
        assert listed["fired"] == 2

    def test_documented_codes_per_dialect(self, http: httpx.Client, fake: Fake, user: User) -> None:
        for code, status in (
            (1001, 200),
            (1002, 200),
            (2001, 200),
            (4001, 200),
            (4002, 200),
            (429, 429),
            (402, 402),
            (400, 400),
        ):
            fake.faults.add(path="/api/credits/balance/simple", error_code=code)
            response = http.get("/api/credits/balance/simple", headers=user.auth)
            assert (response.status_code, response.json()["code"]) == (status, code)
        fake.configure(error_status="mapped")
        fake.faults.add(path="/api/credits/balance/simple", error_code=2001)
        assert http.get("/api/credits/balance/simple", headers=user.auth).status_code == 402

    def test_render_paths_get_the_proxy_envelope(
        self, http: httpx.Client, fake: Fake, user: User
    ) -> None:
        fake.faults.add(path="/api/render/*", error_code=1001)
        body = http.get("/api/render/proxy/lambda/x", headers=user.auth).json()
        assert body == {"success": False, "error": body["error"], "code": 1001}

    def test_probability_is_seeded(self, http: httpx.Client, fake: Fake, user: User) -> None:
        def run() -> list[int]:
            fake.faults.clear()
            fake.faults.add(path="/api/credits/*", times=None, probability=0.5, error_code=500)
            return [
                http.get("/api/credits/balance/simple", headers=user.auth).status_code
                for _ in range(40)
            ]

        first, second = run(), run()
        assert first == second
        assert 5 < first.count(500) < 35

    def test_drop_connection(self, http: httpx.Client, fake: Fake, user: User) -> None:
        fake.faults.add(path="/api/credits/*", drop=True)
        with pytest.raises(httpx.RemoteProtocolError):
            http.get("/api/credits/balance/simple", headers=user.auth)
        assert http.get("/api/credits/balance/simple", headers=user.auth).json()["code"] == 0

    def test_latency_is_api_time(self, fake: Fake, user: User) -> None:
        import asyncio

        from mock_server.testing import AsyncStreamingTransport

        async def main() -> None:
            fake.faults.add(path="/api/credits/*", latency=30)
            async with httpx.AsyncClient(
                transport=AsyncStreamingTransport(build_app(fake)), base_url="http://f"
            ) as client:
                task = asyncio.ensure_future(
                    client.get("/api/credits/balance/simple", headers=user.auth)
                )
                while fake.clock.sleepers == 0:
                    await asyncio.sleep(0)
                assert not task.done()  # held until API time passes
                fake.advance(30)
                assert (await asyncio.wait_for(task, 5)).json()["code"] == 0

        asyncio.run(main())

    @pytest.mark.parametrize(
        "body",
        [
            {"error_code": 1234},
            {},
            {"drop": True, "error_code": 503},
            {"times": 0, "error_code": 503},
            {"probability": 2, "error_code": 503},
            {"bogus": 1},
        ],
    )
    def test_invalid_faults_are_400(self, http: httpx.Client, body: dict[str, object]) -> None:
        assert http.post("/_fake/faults", json=body).status_code == 400

    def test_delete_faults(self, http: httpx.Client) -> None:
        fault = http.post("/_fake/faults", json={"error_code": 503}).json()
        assert http.delete(f"/_fake/faults/{fault['id']}").json() == {"deleted": fault["id"]}
        assert http.delete(f"/_fake/faults/{fault['id']}").status_code == 404
        http.post("/_fake/faults", json={"error_code": 503})
        assert http.delete("/_fake/faults").json() == {"faults": []}


class TestJournal:
    def test_every_request_is_journaled_with_secrets_masked(
        self, http: httpx.Client, user: User
    ) -> None:
        http.get("/api/credits/balance/simple", headers=user.auth)
        entries = http.get("/_fake/requests").json()["requests"]
        assert [e["path"] for e in entries] == [
            "/api/auth/anonymous-token",
            "/api/tasks/me/with-session/nemo_agent",
            "/api/credits/balance/simple",
        ]
        text = str(entries)
        assert user.token not in text and user.client_id not in text
        last = entries[-1]
        assert last["headers"]["authorization"] == f"Bearer nmv_usr_…{user.token[-4:]}"
        assert last["status"] == 200 and last["code"] == 0 and last["user_id"] == user.user_id
        assert entries[1]["body"] == {"task_name": "project", "language": "en"}

    def test_filters_and_clear(self, http: httpx.Client, user: User) -> None:
        http.get("/api/credits/balance/simple", headers=user.auth)
        assert len(http.get("/_fake/requests", params={"method": "GET"}).json()["requests"]) == 1
        assert (
            len(http.get("/_fake/requests", params={"path": "/api/auth/*"}).json()["requests"]) == 1
        )
        assert len(http.get("/_fake/requests", params={"limit": 2}).json()["requests"]) == 2
        assert http.get("/_fake/requests", params={"limit": "x"}).status_code == 400
        http.delete("/_fake/requests")
        assert http.get("/_fake/requests").json()["requests"] == []

    def test_tokens_in_bodies_are_masked(self, http: httpx.Client, user: User) -> None:
        http.post(
            "/api/auth/claim-token",
            headers=user.auth,
            json={"session_id": user.session_id, "note": user.token},
        )
        entry = http.get("/_fake/requests", params={"path": "/api/auth/claim-token"}).json()[
            "requests"
        ][0]
        assert user.token not in str(entry)


def test_a_faulted_request_keeps_its_body_in_the_journal(
    http: httpx.Client, fake: Fake, user: User
) -> None:
    fake.faults.add(path="/api/tasks/*", error_code=1001)
    http.post(
        "/api/tasks/me/with-session/nemo_agent", headers=user.auth, json={"task_name": "again"}
    )
    entry = fake.journal.entries(path="/api/tasks/*")[-1]
    assert entry.fault_id is not None and entry.code == 1001
    assert entry.body == {"task_name": "again"}
