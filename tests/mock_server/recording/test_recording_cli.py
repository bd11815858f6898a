"""`nemo-fake record` and `nemo-fake replay` as commands (subprocesses on loopback)."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from typer.testing import CliRunner

from mock_server.app import build_app
from mock_server.cli import app as cli
from mock_server.config import FakeConfig
from mock_server.fake import Fake
from mock_server.recording.cassette import Cassette
from mock_server.testing import ServerThread
from tests.mock_server.recording.helpers import ROOT


@contextmanager
def command(*args: str) -> Iterator[tuple[str, list[str]]]:
    """Run `nemo-fake ARGS` until its `export NEMO_API_URL=` line; stop it with Ctrl-C."""
    process = subprocess.Popen(
        [sys.executable, "-m", "mock_server.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=ROOT,
    )
    lines: list[str] = []
    try:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line.rstrip())
            if line.startswith("export NEMO_API_URL="):
                break
        else:
            raise AssertionError("the command ended early:\n" + "\n".join(lines))
        yield lines[-1].partition("=")[2], lines
    finally:
        process.send_signal(signal.SIGINT)
        out, _ = process.communicate(timeout=10)
        lines.extend(out.splitlines())


def test_record_then_replay_commands(tmp_path: Path) -> None:
    fake = Fake(FakeConfig(clock="manual", seed=2, data_dir=str(tmp_path / "data")))
    try:
        with ServerThread(build_app(fake)) as upstream:
            args = [
                "record",
                "--upstream",
                upstream,
                "--cassette-dir",
                str(tmp_path),
                "--port",
                "0",
                "--name",
                "s1",
                "--max-requests",
                "2",
            ]
            with command(*args) as (url, lines):
                assert url.startswith("http://127.0.0.1:")
                assert any("/run_sse refused (403) without --allow-spend" in line for line in lines)
                with httpx.Client(base_url=url, timeout=5) as client:
                    token = client.post(
                        "/api/auth/anonymous-token", headers={"X-Client-Id": "cli-client-1"}
                    )
                    assert token.status_code == 200
                    assert client.post("/run_sse", json={}).status_code == 403
                    auth = {"Authorization": f"Bearer {token.json()['data']['token']}"}
                    assert (
                        client.get("/api/credits/balance/simple", headers=auth).status_code == 200
                    )
                    assert (
                        client.get("/api/credits/balance/simple", headers=auth).status_code == 429
                    )
    finally:
        fake.close()
    assert any("recorded 2 interaction(s)" in line for line in lines), lines
    cassette_path = tmp_path / "s1.json"
    assert len(Cassette.load(cassette_path).interactions) == 2

    with (
        command("replay", str(cassette_path), "--port", "0", "--speed", "0") as (url, lines),
        httpx.Client(base_url=url, timeout=5) as client,
    ):
        assert (
            client.post("/api/auth/anonymous-token").json()["data"]["token"].startswith("nmv_usr_")
        )
        assert client.get("/api/nothing").status_code == 404
    assert any("served 1, unused 1, misses 1" in line for line in lines), lines


def test_argument_errors(tmp_path: Path) -> None:
    runner = CliRunner()
    assert (
        runner.invoke(
            cli, ["record", "--upstream", "ftp://x", "--cassette-dir", str(tmp_path)]
        ).exit_code
        == 2
    )
    assert (
        runner.invoke(
            cli,
            [
                "record",
                "--upstream",
                "http://x",
                "--cassette-dir",
                str(tmp_path),
                "--max-requests",
                "0",
            ],
        ).exit_code
        == 2
    )
    (tmp_path / "taken.json").write_text("{}")
    taken = runner.invoke(
        cli,
        ["record", "--upstream", "http://x", "--cassette-dir", str(tmp_path), "--name", "taken"],
    )
    assert taken.exit_code == 2 and "--overwrite" in taken.output
    assert runner.invoke(cli, ["replay", str(tmp_path / "nope.json")]).exit_code == 2
    assert (
        runner.invoke(cli, ["replay", str(tmp_path / "taken.json"), "--speed", "-1"]).exit_code == 2
    )
