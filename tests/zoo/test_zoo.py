"""The client zoo: each published version of the skill documents, written as the client
its text describes (tests/zoo/clients/), run against `nemo-fake serve` on its defaults.
Each ends as its document lets it: the MP4 downloaded, or the documented refusal at the
step where the client omits something required. README "The client zoo" is this table.

The only setting changed from a fresh `make serve` is `media_max_side` (pixels only,
nothing on the wire) so that its real encodes fit in `make test`; the clients wait
between polls as their documents say, in the quick clock's seconds (0.01 real s each).
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from fixtures.media.make_samples import write_video
from mock_server.cli import QUICK_TIME_SCALE
from tests.servers import ROOT, served
from tests.zoo.clients import (
    first_version,
    seed_ai_model,
    seed_api,
    v1_0,
    v1_0_me,
    v1_3,
    v1_5,
    v1_9,
    v4_4,
    v4_5_1,
)
from tests.zoo.clients.common import Ctx, Result, finish

ATTRIBUTION_402 = ("refused", "export", 402)
DOWNLOADED = ("downloaded", "download", 200)
# (name, client, with NEMO_TOKEN preset?, expected (outcome, step, HTTP status))
ZOO: list[tuple[str, Callable[[Ctx], Result], bool, tuple[str, str, int]]] = [
    ("first version", first_version.run, False, ("refused", "token", 400)),
    ("first version, NEMO_TOKEN set", first_version.run, True, ATTRIBUTION_402),
    ("v4.4", v4_4.run, False, ("refused", "token", 400)),
    ("v4.4, NEMO_TOKEN set", v4_4.run, True, ATTRIBUTION_402),
    ("v4.5.1", v4_5_1.run, False, ATTRIBUTION_402),
    ("v1.0 (= v4.6)", v1_0.run, False, ATTRIBUTION_402),
    ("v1.0-v1.2, me paths", v1_0_me.run, False, ATTRIBUTION_402),
    ("v1.3-v1.4", v1_3.run, False, ATTRIBUTION_402),
    ("v1.5-v1.8.2", v1_5.run, False, DOWNLOADED),
    ("v1.9", v1_9.run, False, DOWNLOADED),
]
# The seeds' messages ("... from my text prompt ...", "... from a text description ...")
# after a video upload name a prompt they do not give: the agent may ask for it (no draft:
# the document says "tell the user to generate first") or generate. Either is allowed.
UNDERSTOOD_EITHER_WAY = [
    ("seed free-video-generation-api", seed_api.run, False),
    ("seed free-video-generation-ai-model", seed_ai_model.run, False),
]


@pytest.fixture(scope="module")
def zoo_server() -> Iterator[str]:
    with served(defaults=True, env={"NEMO_FAKE_MEDIA_MAX_SIDE": "64"}) as server:
        yield server.url


def dashboard_token(api: str) -> str:
    """What the first documents' "manual token" path gives the user (Settings -> API
    Tokens): here the admin API mints it; the client itself never calls /_fake/."""
    body = {"kind": "registered", "plan": "pro"}
    return str(httpx.post(f"{api}/_fake/accounts", json=body).json()["token"])


def test_every_published_client_ends_as_its_document_says(zoo_server: str, tmp_path: Path) -> None:
    media = write_video(tmp_path / "clip.mp4", width=160, height=90, seconds=1.0)
    runs = [(name, run, preset) for name, run, preset, _ in ZOO] + UNDERSTOOD_EITHER_WAY

    def one(name: str, run: Callable[[Ctx], Result], preset: bool) -> Result:
        ctx = Ctx(
            api=zoo_server,
            media=media,
            token=dashboard_token(zoo_server) if preset else None,
            seconds=QUICK_TIME_SCALE,
            client_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"nemo-fake/zoo/{name}")),
        )
        with ctx.http:
            return finish(run, ctx)

    def from_the_shell() -> subprocess.CompletedProcess[str]:
        """The README's "run one yourself" line, as a user types it."""
        env = {
            **os.environ,
            "NEMO_API_URL": zoo_server,
            "ZOO_SECONDS": str(QUICK_TIME_SCALE),
            "NEMO_CLIENT_ID": "nemo-fake-zoo-shell",
        }
        env.pop("NEMO_TOKEN", None)
        command = [sys.executable, "-m", "tests.zoo.clients.v1_9", str(media)]
        return subprocess.run(
            command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=120
        )

    with ThreadPoolExecutor(max_workers=len(runs) + 1) as pool:
        shell = pool.submit(from_the_shell)
        results = dict(zip([r[0] for r in runs], pool.map(lambda r: one(*r), runs), strict=True))
    assert shell.result().returncode == 0, shell.result().stdout + shell.result().stderr
    assert shell.result().stdout.splitlines()[-1].startswith("downloaded at download: ")

    table = "\n".join(
        f"{name}: {r.outcome} at {r.step} ({r.status} {r.message[:60]})"
        for name, r in results.items()
    )
    for name, _run, _preset, expected in ZOO:
        got = results[name]
        assert (got.outcome, got.step, got.status) == expected, f"{name}\n{table}\n" + "\n".join(
            got.log
        )
        if got.outcome == "downloaded":
            assert got.size > 1000
        if expected == ATTRIBUTION_402:
            assert "attribution" in got.message  # the documented reason, not credits
    for name, _run, _preset in UNDERSTOOD_EITHER_WAY:
        assert results[name].outcome in ("downloaded", "no_draft"), f"{name}\n{table}"
    # the refusals were answers, never a server error
    journal = httpx.get(f"{zoo_server}/_fake/requests", params={"limit": 1000}).json()["requests"]
    assert journal and all(entry["status"] < 500 for entry in journal)
    # the older path forms were served: the user id where `me` stands, the first
    # version's render route
    assert any(
        e["path"].startswith("/api/upload-video/nemo_agent/anon_") and e["code"] == 0
        for e in journal
    )
    assert any(
        e["path"].startswith("/api/state/nemo_agent/anon_") and e["code"] == 0 for e in journal
    )
    assert any(e["path"] == "/api/render/proxy/draft" and e["status"] == 402 for e in journal)
