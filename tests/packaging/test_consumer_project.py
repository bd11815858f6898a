"""The package works installed: build the sdist from a copy of the checkout, the wheel
from that sdist (as `python -m build` does), install the wheel into a virtualenv outside
the checkout (tests/packaging/consumer_venv.py) and run examples/consumer's tests there,
from a copy in a temporary folder with a clean environment: no editable install, the
checkout not on sys.path. About 30 s once the virtualenv exists."""

from __future__ import annotations

import re
import shutil
import subprocess
import tarfile
import zipfile
from pathlib import Path

from tests.packaging.consumer_venv import CONSUMER, CONTRACTS, ROOT, clean_env, prepared, run

SUMMARY = re.compile(
    r"nemo-fake contract: (\d+) responses \((\d+) SSE events(?:, \d+ WebSocket messages)?\) "
    r"of (\d+) tests checked "
    r"against contracts/: (\d+) violations"
)


def test_the_wheel_installed_outside_the_checkout_runs_the_consumer_tests(tmp_path: Path) -> None:
    with prepared(tmp_path) as (venv_dir, sdist, wheel):
        python = venv_dir / "bin" / "python"
        env = clean_env(venv_dir)

        # both archives carry the contracts as real files
        with tarfile.open(sdist) as archive:
            names = {Path(n).relative_to(Path(n).parts[0]).as_posix() for n in archive.getnames()}
        for name in CONTRACTS:
            assert f"contracts/{name}" in names and f"mock_server/contracts/{name}" in names
        with zipfile.ZipFile(wheel) as archive:
            for name in CONTRACTS:
                shipped = archive.read(f"mock_server/contracts/{name}")
                assert shipped == (ROOT / "contracts" / name).read_bytes(), name

        project = tmp_path / "consumer"
        shutil.copytree(CONSUMER, project, ignore=shutil.ignore_patterns("__pycache__"))
        probe = "import mock_server, sys; print(mock_server.__file__); print(sys.path)"
        where = run([str(python), "-c", probe], project, env).stdout
        assert str(venv_dir) in where.splitlines()[0]
        assert str(ROOT) not in where, "the checkout leaked onto sys.path"
        cli = run([str(venv_dir / "bin" / "nemo-fake"), "serve", "--help"], project, env).stdout
        assert "--media-max-side" in cli

        result = subprocess.run(
            [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider"],
            cwd=project,
            env={**env, "COLUMNS": "200"},
            capture_output=True,
            text=True,
            timeout=900,
        )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    tests_file = (CONSUMER / "tests" / "test_video_app.py").read_text(encoding="utf-8")
    collected = len(re.findall(r"^def test_", tests_file, re.M))
    assert re.search(rf"\b{collected} passed\b", result.stdout), result.stdout[-2000:]
    summary = SUMMARY.search(result.stdout)
    assert summary, result.stdout[-2000:]
    responses, sse_events, tests, violations = map(int, summary.groups())
    assert tests == collected and responses > tests and sse_events > 0
    assert violations == 0
