"""What the bench needs beyond the venv, installed by the bench itself:

- `wrk` (Debian package; `apt-get update` then `apt-get install -y wrk`, as root);
- the peers, pinned, from npm into benchmarks/.work/ (`npm install --prefix`):
  `wiremock` (bundles the standalone jar; runs on the machine's Java 17),
  `@stoplight/prism-cli`, `@mockoon/cli`;
- `py-spy` (PyPI, into the venv) to profile the fake under load.

Each step is skipped when what it installs is already there at the pinned version.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from typing import Any

from benchmarks.common import VENV_BIN, WORK, log, run_bounded

NPM_PEERS = {"wiremock": "3.13.2", "@stoplight/prism-cli": "5.14.2", "@mockoon/cli": "9.9.0"}
PY_SPY = "0.4.3"


class InstallError(RuntimeError):
    pass


def npm_version(package: str) -> str | None:
    manifest = WORK / "node_modules" / package / "package.json"
    try:
        version = json.loads(manifest.read_text())["version"]
    except (OSError, ValueError, KeyError):
        return None
    return str(version)


def wiremock_jar() -> str:
    build = WORK / "node_modules" / "wiremock" / "build"
    jars = sorted(build.glob("wiremock-standalone-*.jar"))
    if not jars:
        raise InstallError(f"no wiremock-standalone jar under {build}")
    return str(jars[-1])


def npm_bin(name: str) -> str:
    return str(WORK / "node_modules" / ".bin" / name)


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0:
        raise InstallError("wrk is missing and the bench is not root: apt-get install -y wrk")
    env = {"DEBIAN_FRONTEND": "noninteractive"}
    log("installing wrk (apt-get update; apt-get install -y wrk)")
    code, out = run_bounded("apt-update", ["apt-get", "update", "-qq"], 240, env=env)
    if code != 0:
        raise InstallError(f"apt-get update failed:\n{out[-2000:]}")
    code, out = run_bounded("apt-wrk", ["apt-get", "install", "-y", "-qq", "wrk"], 240, env=env)
    found = shutil.which("wrk")
    if code != 0 or not found:
        raise InstallError(f"apt-get install wrk failed:\n{out[-2000:]}")
    return found


def ensure_npm_peers() -> None:
    missing = [f"{p}@{v}" for p, v in NPM_PEERS.items() if npm_version(p) != v]
    if not missing:
        return
    npm = shutil.which("npm")
    if npm is None:
        raise InstallError("npm is not installed (Node 20 is needed for Prism and Mockoon)")
    WORK.mkdir(parents=True, exist_ok=True)
    log(f"npm install --prefix {WORK} {' '.join(missing)}")
    argv = [npm, "install", "--prefix", str(WORK), "--no-audit", "--no-fund", "--loglevel=error"]
    code, out = run_bounded("npm-install", [*argv, *missing], 420)
    still = [p for p, v in NPM_PEERS.items() if npm_version(p) != v]
    if code != 0 or still:
        raise InstallError(f"npm install failed ({still} missing):\n{out[-3000:]}")


def installed_py_spy() -> str | None:
    path = VENV_BIN / "py-spy"
    return str(path) if path.exists() else None


def ensure_py_spy() -> str | None:
    """py-spy in the venv; None (and the bench profiles without it) if it cannot be had."""
    path = VENV_BIN / "py-spy"
    if path.exists():
        return str(path)
    log(f"pip install py-spy=={PY_SPY}")
    code, out = run_bounded(
        "pip-py-spy", [sys.executable, "-m", "pip", "install", "-q", f"py-spy=={PY_SPY}"], 240
    )
    if code != 0 or not path.exists():
        log(f"py-spy unavailable, the profile will be skipped:\n{out[-1000:]}")
        return None
    return str(path)


def _first_line(argv: list[str], pattern: str = r".+") -> str:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    text = (done.stdout + done.stderr).strip()
    match = re.search(pattern, text)
    return match.group(0).strip() if match else (text.splitlines() or ["unknown"])[0]


def versions() -> dict[str, str]:
    return {
        "wrk": _first_line(["wrk", "-v"], r"wrk [^\s]+"),
        "java": _first_line(["java", "-version"], r'version "[^"]+"'),
        "node": _first_line(["node", "--version"]),
        "wiremock": npm_version("wiremock") or "missing",
        "prism": npm_version("@stoplight/prism-cli") or "missing",
        "mockoon": npm_version("@mockoon/cli") or "missing",
        "py-spy": _first_line([str(VENV_BIN / "py-spy"), "--version"], r"py-spy [^\s]+"),
    }


def install(*, wrk: bool = True, peers: bool = True, py_spy: bool = True) -> dict[str, Any]:
    """Install what is missing (of what the chosen sections need); timings and paths."""
    result: dict[str, Any] = {"py_spy": None}
    started = time.perf_counter()
    if wrk:
        result["wrk"] = ensure_wrk()
        result["wrk_seconds"] = round(time.perf_counter() - started, 1)
    if peers:
        began = time.perf_counter()
        ensure_npm_peers()
        result["npm_seconds"] = round(time.perf_counter() - began, 1)
    if py_spy:
        began = time.perf_counter()
        result["py_spy"] = ensure_py_spy()
        result["py_spy_seconds"] = round(time.perf_counter() - began, 1)
    result["seconds"] = round(time.perf_counter() - started, 1)
    return result


if __name__ == "__main__":
    print(json.dumps({**install(), "versions": versions()}, indent=2))
