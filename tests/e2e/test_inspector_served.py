"""`nemo-fake serve` announces the inspector; `/` links to it; the page and every asset it
references come from the fake itself (curl, as the README shows)."""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest


def curl(url: str) -> str:
    done = subprocess.run(["curl", "-sf", url], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, f"curl {url}: {done.returncode}"
    return done.stdout


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl not installed")
def test_served_inspector_names_no_other_host(served: str) -> None:
    assert 'href="/_fake/ui"' in curl(f"{served}/")
    page = curl(f"{served}/_fake/ui")
    assets = re.findall(r'(?:href|src)="(/_fake/ui/static/[^"]+)"', page)
    assert sorted(assets) == ["/_fake/ui/static/inspector.css", "/_fake/ui/static/inspector.js"]
    for text in [page, *(curl(served + asset) for asset in assets)]:
        assert not re.search(r"(?:https?:)?//[\w.-]", text.replace(served, ""))


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl not installed")
def test_ctrl_c_ends_the_server_with_an_inspector_tab_open(tmp_path: Path) -> None:
    """A page's live feed never ends by itself; Ctrl-C must not wait for it."""
    cmd = [sys.executable, "-m", "mock_server.cli", "serve", "--port", "0"]
    cmd += ["--data-dir", str(tmp_path / "data")]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    tab = None
    try:
        assert proc.stdout is not None
        proc.stdout.readline()
        url = proc.stdout.readline().strip().split("=", 1)[1]
        tab = subprocess.Popen(["curl", "-sN", f"{url}/_fake/ui/live"], stdout=subprocess.PIPE)
        assert tab.stdout is not None and tab.stdout.readline() == b"event: change\n"
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=15) in (0, 130)  # 130: uvicorn re-raises the SIGINT
    finally:
        for process in (tab, proc):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait()
