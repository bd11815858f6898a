"""The virtualenv that examples/consumer runs in, outside the checkout, and the build
of nemo-fake's sdist and wheel that goes into it.

The virtualenv holds the wheel's dependencies and is kept between runs in
~/.cache/nemo-fake (XDG_CACHE_HOME), keyed by the hash of both pyproject.toml files and
the Python version; each run reinstalls only the freshly built wheel (--no-deps
--force-reinstall). Creating it installs the dependencies (a minute or more, from pip's
cache): `python -m tests.packaging.consumer_venv` does that ahead of the test run
(`make unit` calls it; it returns at once when the virtualenv is ready).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import tomllib
import venv
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONSUMER = ROOT / "examples" / "consumer"
PACKAGES = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
    "setuptools"
]["packages"]["find"]["include"]
# what a clean clone holds that the build reads: the packages pyproject.toml names, the
# contracts, the files the metadata points at
SOURCES = (
    "pyproject.toml",
    "MANIFEST.in",
    "README.md",
    "contracts",
    *sorted({pattern.rstrip("*").split(".")[0] for pattern in PACKAGES}),
)
CONTRACTS = sorted(p.name for p in (ROOT / "contracts").iterdir() if p.is_file())
BUILD_DEPS = ("setuptools>=69", "wheel")


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "nemo-fake"


def venv_key() -> str:
    digest = hashlib.sha256(sys.version.encode())
    for path in (ROOT / "pyproject.toml", CONSUMER / "pyproject.toml"):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def clean_env(venv_dir: Path) -> dict[str, str]:
    """What a user's shell would have: no PYTHONPATH, no coverage or pytest variables of
    the outer run, no NEMO_* settings; pip's own configuration kept."""
    keep = {"HOME", "LANG", "LC_ALL", "TMPDIR", "CI"}
    env = {k: v for k, v in os.environ.items() if k in keep or k.startswith("PIP_")}
    env["PATH"] = f"{venv_dir / 'bin'}:/usr/local/bin:/usr/bin:/bin"
    return env


def run(cmd: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, (
        f"{cmd} failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    )
    return result


@contextmanager
def locked(path: Path) -> Iterator[None]:
    """Several checkouts (or xdist workers) may share the cached virtualenv."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def build_sdist_and_wheel(python: Path, work: Path, env: dict[str, str]) -> tuple[Path, Path]:
    src = work / "src"
    src.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "build", "dist")
    for name in SOURCES:
        origin = ROOT / name
        if origin.is_dir():
            shutil.copytree(origin, src / name, symlinks=True, ignore=ignore)
        else:
            shutil.copy2(origin, src / name)
    dist = work / "dist"
    script = "import sys; from setuptools import build_meta as b; print(b.build_sdist(sys.argv[1]))"
    sdist = (
        dist / run([str(python), "-c", script, str(dist)], src, env).stdout.strip().splitlines()[-1]
    )
    unpacked = work / "sdist"
    with tarfile.open(sdist) as archive:
        archive.extractall(unpacked, filter="data")
    (tree,) = unpacked.iterdir()
    pip = [str(python), "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation"]
    run([*pip, "-w", str(dist), str(tree)], work, env)
    (wheel,) = dist.glob("*.whl")
    return sdist, wheel


def venv_dir() -> Path:
    return cache_root() / f"consumer-venv-{venv_key()}"


@contextmanager
def prepared(work: Path) -> Iterator[tuple[Path, Path, Path]]:
    """(virtualenv, sdist, wheel): the wheel built now from a copy of the checkout and
    installed into the cached virtualenv (created first when missing). The virtualenv
    stays locked while the caller uses it."""
    folder = venv_dir()
    python = folder / "bin" / "python"
    env = clean_env(folder)
    with locked(folder.with_suffix(".lock")):
        ready = folder / ".ready"
        if not ready.exists():
            shutil.rmtree(folder, ignore_errors=True)
            venv.create(folder, with_pip=True)
            run([str(python), "-m", "pip", "install", "-q", *BUILD_DEPS], work, env)
        sdist, wheel = build_sdist_and_wheel(python, work, env)
        pip = [str(python), "-m", "pip", "install", "-q"]
        if ready.exists():
            run([*pip, "--no-deps", "--force-reinstall", str(wheel)], work, env)
        else:
            run([*pip, f"{wheel}[pytest]"], work, env)
            ready.touch()
        yield folder, sdist, wheel


def main() -> None:
    """Create the cached virtualenv when it is missing (a no-op otherwise)."""
    if (venv_dir() / ".ready").exists():
        return
    with tempfile.TemporaryDirectory() as work, prepared(Path(work)) as (folder, _, _):
        print(f"consumer virtualenv ready: {folder}")


if __name__ == "__main__":
    main()
