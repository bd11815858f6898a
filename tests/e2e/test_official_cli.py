"""NemoVideo's official CLI (`nemovideo-tools@0.1.8`, installed from npm, never copied into
this repository) against the fake, as a user runs it: the README's two set-up commands,
then create → chat → upload → export → project list/get/download → credits → history.
Every command exits 0, the journal shows the calls the CLI's source makes
(../shared/gateway-api.md §9) and every response and WebSocket message meets contracts/.

The CLI runs on real time (10 min a turn, 5 min a render, 2 s between polls), so the fake
runs a scaled clock: a 100-300 s generation takes 1-3 s."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import av
import pytest

from fixtures.media.make_samples import write_video
from mock_server.testing.conformance import ContractChecker
from mock_server.testing.handles import ServerHandle

pytestmark = [pytest.mark.extended, pytest.mark.nemo(clock="scaled", time_scale=0.01)]

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "nemovideo-tools@0.1.8"
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "nemo-fake" / "npm"
PROMPT = "generate a video of a red fox running through snow"
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _missing(what: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{what} is required in CI")
    pytest.skip(f"needs {what}")


@pytest.fixture(scope="module")
def nemovideo() -> Path:
    """The CLI's executable, installed once into the cache folder (reused across runs)."""
    if not shutil.which("npm") or not shutil.which("node"):
        _missing("node and npm")
    binary = CACHE / "node_modules" / ".bin" / "nemovideo"
    installed = CACHE / "node_modules" / "nemovideo-tools" / "package.json"
    if not binary.exists() or json.loads(installed.read_text())["version"] != "0.1.8":
        CACHE.mkdir(parents=True, exist_ok=True)
        result = subprocess.run(
            ["npm", "install", "--prefix", str(CACHE), "--no-audit", "--no-fund", PACKAGE],
            capture_output=True,
            text=True,
            timeout=600,
            env={**os.environ, "NO_UPDATE_NOTIFIER": "1"},
        )
        if result.returncode != 0:
            _missing(f"`npm install {PACKAGE}` to work ({result.stderr[-500:]})")
    return binary


class CLI:
    """Runs `nemovideo` as a user would, in its own HOME and XDG_CONFIG_HOME."""

    def __init__(self, binary: Path, workdir: Path, fake: ServerHandle) -> None:
        self.binary, self.workdir, self.fake = binary, workdir, fake
        home = workdir / "home"
        home.mkdir()
        self.env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("CURSOR_", "CLAUDE_CODE", "NEMOVIDEO_", "FORCE_COLOR"))
        }
        self.env |= {
            "HOME": str(home),
            "XDG_CONFIG_HOME": str(workdir / "config"),
            "NO_UPDATE_NOTIFIER": "1",
            "PATH": f"{binary.parent}{os.pathsep}{os.environ.get('PATH', '')}",
        }

    def setup_from_readme(self) -> None:
        """The README's two set-up commands, with this fake's port."""
        readme = (ROOT / "README.md").read_text(encoding="utf-8")
        block = re.search(
            r"<!-- readme: test tests/e2e/test_official_cli.py::test_the_official_cli_end_to_end -->"
            r"\n```bash\n(.*?)```",
            readme,
            re.S,
        )
        assert block, "README lacks the CLI set-up block"
        script = block.group(1).replace("http://127.0.0.1:8000", self.fake.url)
        result = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", script + 'printf %s "$NEMOVIDEO_API_KEY"'],
            cwd=self.workdir,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        configured, token = result.stdout.rsplit("\n", 1)
        assert f"base_url = {self.fake.url}" in configured
        assert token.startswith("nmv_usr_")
        self.env["NEMOVIDEO_API_KEY"] = token

    def __call__(self, *args: str) -> tuple[str, list[tuple[str, str]]]:
        """Run one command: its output, and the (method, path) it sent to the fake."""
        before = self.fake.requests()
        last = before[-1].seq if before else 0
        result = subprocess.run(
            [str(self.binary), *args],
            cwd=self.workdir,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=180,
        )
        output = ANSI.sub("", result.stdout + result.stderr)
        assert result.returncode == 0, (
            f"nemovideo {' '.join(args)} exited {result.returncode}:\n{output}"
        )
        calls = [(e.method, e.path) for e in self.fake.requests() if e.seq > last]
        return output, calls


@pytest.fixture
def cli(nemovideo: Path, nemo_fake_server: ServerHandle, tmp_path: Path) -> Iterator[CLI]:
    runner = CLI(nemovideo, tmp_path, nemo_fake_server)
    runner.setup_from_readme()
    yield runner


def duration(path: Path) -> float:
    with av.open(str(path)) as container:
        frames = sum(1 for _ in container.decode(video=0))
        assert frames > 0
        assert container.duration is not None
        return container.duration / av.time_base


def templated(calls: list[tuple[str, str]], **ids: str) -> list[str]:
    """`GET /projects/task_…/sessions` → `GET /projects/{project}/sessions`."""
    out = []
    for method, path in calls:
        for name, value in ids.items():
            path = path.replace(value, "{" + name + "}")
        path = re.sub(r"draft-cli-\d+", "{render}", path)
        path = re.sub(r"\{render\}-[0-9a-f]{32}\.", "{render}.", path)  # the unguessable part
        out.append(f"{method} {path}")
    return out


def polls(calls: list[str]) -> list[str]:
    """Collapse the render poll's repeats (the CLI polls until `completed`)."""
    out: list[str] = []
    for call in calls:
        if not (out and out[-1] == call and call.endswith("/lambda/{render}")):
            out.append(call)
    return out


def test_the_official_cli_end_to_end(
    cli: CLI, nemo_fake_server: ServerHandle, nemo_contract_checker: ContractChecker
) -> None:
    fake = nemo_fake_server
    _out, calls = cli("create", "-p", PROMPT, "-d", "5", "-e", "-o", "out.mp4")
    created = fake.requests(method="POST", path="/projects")[-1].response_body["data"]
    pid, sid = created["project_id"], created["session"]["session_id"]
    assert polls(templated(calls, project=pid)) == [
        "POST /projects",
        "GET /ws/chat",
        "GET /api/v1/state/frontend/{project}",
        "POST /services/v1/render-proxy/lambda",
        "GET /services/v1/render-proxy/lambda/{render}",
        "GET /render-result/{render}.mp4",
    ]
    assert abs(duration(cli.workdir / "out.mp4") - 5.0) < 0.1

    out, calls = cli("chat", pid, "-p", "add a title 'Fox'")
    assert templated(calls, project=pid) == ["GET /projects/{project}/sessions", "GET /ws/chat"]
    assert "Fox" in out
    state = fake.client.get(f"/api/v1/state/frontend/{pid}", headers=_auth(cli)).json()["data"]
    titles = [s.get("tx") for t in state["project"]["timeline_draft"]["t"] for s in t["sg"]]
    assert "Fox" in titles

    write_video(cli.workdir / "clip.mp4", width=320, height=180, seconds=1.0, fps=24)
    _out, calls = cli("upload", "clip.mp4", "--project", pid)
    assert templated(calls, project=pid) == [
        "GET /projects/{project}/sessions",
        "POST /files/upload",
    ]
    files = fake.client.get(f"/api/v1/state/frontend/{pid}", headers=_auth(cli)).json()["data"]
    assert "clip.mp4" in [f["filename"] for f in files["project"][f"files:{sid}"]]

    _out, calls = cli("export", pid)
    assert polls(templated(calls, project=pid)) == [
        "GET /api/v1/state/frontend/{project}",
        "GET /projects/{project}/sessions",
        "POST /services/v1/render-proxy/lambda",
        "GET /services/v1/render-proxy/lambda/{render}",
        "GET /render-result/{render}.mp4",
    ]
    exported = cli.workdir / "output" / f"{pid}.mp4"
    assert abs(duration(exported) - 5.0) < 0.1

    out, calls = cli("project", "list")
    assert calls == [("GET", "/projects")] and pid in out

    out, calls = cli("project", "get", pid)
    assert sorted(templated(calls, project=pid)) == [
        "GET /api/v1/state/frontend/{project}",
        "GET /projects/{project}",
    ]
    assert "has content" in out

    exported.unlink()
    _out, calls = cli("project", "download", pid)
    assert polls(templated(calls, project=pid)) == [
        "GET /services/v1/render-proxy/{project}/download",
        "GET /render-result/{render}.mp4",
    ]
    assert exported.stat().st_size > 0

    out, calls = cli("credits")
    cost = fake.config.generation_cost + fake.config.edit_cost
    assert calls == [("GET", "/billing/balance")]
    assert f"Available: {1000 - cost} | Frozen: 0 | Total consumed: {cost}" in out

    out, calls = cli("credits", "history", "--json")
    assert calls == [("GET", "/billing/usage/conversations")]
    assert fake.requests(path="/billing/usage/conversations")[-1].query == "page_no=1&page_size=100"
    history, _end = json.JSONDecoder().raw_decode(out[out.index("{") :])  # stdout, then stderr
    assert [i["kind"] for i in history["items"]] == ["conversation", "conversation", "grant"]
    assert {i["conversation"]["project_id"] for i in history["items"][:2]} == {pid}

    # the contract held over the whole run (the plugin fails the test otherwise)
    assert nemo_contract_checker.ws_messages > 10 and nemo_contract_checker.checked > 30


def test_a_dropped_socket_is_resumed_not_repeated(cli: CLI, nemo_fake_server: ServerHandle) -> None:
    fake = nemo_fake_server
    created = fake.client.post("/projects", json={"create_session": True}, headers=_auth(cli))
    pid = created.json()["data"]["project_id"]
    sid = created.json()["data"]["session"]["session_id"]
    fault = fake.fault(path="/ws/chat", cut_after_events=8)
    cli("chat", pid, "-p", PROMPT + ", 4 seconds")
    sockets = fake.requests(path="/ws/chat")
    assert [s.fault_id for s in sockets] == [fault.id, None]  # one reconnect
    assert sockets[0].extra["cut"] and sockets[1].completed
    received = [f["data"]["type"] for s in sockets for f in s.extra["frames"] if f["dir"] == "in"]
    assert received == ["message"]  # the prompt went once; the turn was not repeated
    session = fake.fake.service.store.session(sid)
    assert session is not None and session.message_count == 1
    assert session.draft["d"] == 4000


def _auth(cli: CLI) -> dict[str, str]:
    return {"Authorization": f"Bearer {cli.env['NEMOVIDEO_API_KEY']}"}
