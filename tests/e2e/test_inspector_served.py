"""`nemo-fake serve` announces the inspector; `/` links to it; the page and every asset it
references come from the fake itself (curl, as the README shows)."""

from __future__ import annotations

import re
import shutil
import subprocess

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
