"""Mutation check of the client's contract tests and of the fake itself: `make mutants`
(python -m tests.mutants).

Each mutant is a small textual patch of the reference client (a documented rule broken
on purpose). For each, the repository's code, tests and contracts are copied to a
temporary directory (never the working tree), the patch is applied to the copy, and two
suites run there (`pytest -x -q -n 2`, PYTHONPATH pointing at the copy, so the copy's
`client` is the one imported): the "client suite" (tests/client, tests/mock_server/testing,
tests/examples: the client's unit tests with respx, and everything against the fake),
and "against the fake" alone (the harness: state machines, dialect matrix, examples,
test_against_fake.py), to show the contract harness catches each bug by itself. Server
mutants (a documented rule of the fake broken on purpose, one condition each: an
attribution header, an accepted extension in one upload form, a limit at its boundary,
the ownership of one id kind, an admin guard) run the "fake suite" instead: the fake's
HTTP tests. Every suite must pass on the unmutated copy and fail on every mutant; a
table shows which test caught each. Exit status 1 if a mutant survives or a baseline fails.

    python -m tests.mutants                 # all
    python -m tests.mutants --only no-429-wait --keep
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COPY = (
    "client",
    "mock_server",
    "nemo_protocol",
    "tests",
    "contracts",
    "fixtures",
    "pyproject.toml",
    "README.md",
)
PACKAGES = ("client", "mock_server", "nemo_protocol")  # each must be imported from the copy
SUITES = {
    # what `make test` runs for the client: its unit tests (respx) and everything below
    "client suite": ("tests/client", "tests/mock_server/testing", "tests/examples"),
    # only the tests that run the client against the fake (the contract harness)
    "against the fake": (
        "tests/mock_server/testing",
        "tests/examples",
        "tests/client/test_against_fake.py",
    ),
}
FAKE_SUITES = {
    # the fake's rules, each condition tested alone, and its abuse limits
    "fake suite": (
        "tests/mock_server/http/test_rules_each_condition.py",
        "tests/mock_server/http/test_hostile_input.py",
        "tests/mock_server/http/test_admin_guard.py",
        "tests/mock_server/inspector/test_login.py",
        "tests/mock_server/http/test_connection_limits.py",
        "tests/mock_server/http/test_upload.py",
        "tests/mock_server/http/test_render.py",
        "tests/mock_server/http/test_fast_path.py",
    ),
}
TEST_LIMIT = 60  # seconds: a mutant can make the client loop forever; that test then fails
SUITE_LIMIT = 900  # seconds: the backstop for the whole run
# A plugin written into each copy (`-p mutant_timeout`): a test that runs over TEST_LIMIT
# gets an exception in its main thread (SIGALRM), so a hang fails fast under -x.
TIMEOUT_PLUGIN = f"""
import signal

import pytest


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    def expire(signum, frame):
        raise TimeoutError(f"{{item.nodeid}} ran over {TEST_LIMIT}s: a hang")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm({TEST_LIMIT})
    try:
        return (yield)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
"""


@dataclass(frozen=True)
class Mutant:
    name: str
    rule: str  # the documented rule it breaks
    path: str
    search: str
    replace: str

    @property
    def suites(self) -> dict[str, tuple[str, ...]]:
        return FAKE_SUITES if self.path.startswith("mock_server/") else SUITES


ATTRIBUTION_ORDER = ("x-skill-source", "x-skill-version", "x-skill-platform")
MUTANTS = [
    Mutant(
        "no-1001-reauth",
        "1001 -> a new anonymous token (same X-Client-Id), call repeated once",
        "client/core.py",
        "if isinstance(error, TokenInvalid) and auth and not reauthed:",
        "if False and isinstance(error, TokenInvalid) and auth and not reauthed:",
    ),
    Mutant(
        "resend-on-disconnect",
        "a dropped/cut stream is recovered from the state, never re-sent",
        "client/turn.py",
        "                raise _with_turn(_heartbeat_timeout(core), log) from exc\n"
        "            return (yield from _recover(core, log, before, exc))",
        "                raise _with_turn(_heartbeat_timeout(core), log) from exc\n"
        "            opened = yield from core.call(\n"
        "                request, idempotent=False, session_scoped=True, stream=True\n"
        "            )\n"
        "            parser = SSEParser()\n"
        "            continue",
    ),
    Mutant(
        "heartbeat-as-text",
        "an empty `data:` line is a heartbeat, not text",
        "client/events.py",
        'return [HeartbeatEvent(source="empty", raw={})]',
        'return [TextEvent(text="...", raw={})]',
    ),
    Mutant(
        "heartbeat-ends-stream",
        "a heartbeat is keep-alive, not the end of the turn",
        "client/turn.py",
        "        if chunk is None:\n            break\n    yield CloseStream(opened.stream_id)",
        "        if chunk is None or any(isinstance(e, HeartbeatEvent) for e in log.events):\n"
        "            break\n    yield CloseStream(opened.stream_id)",
    ),
    Mutant(
        "no-attribution-headers",
        "every request carries X-Skill-Source/-Version/-Platform",
        "client/config.py",
        "    def attribution_headers(self) -> dict[str, str]:\n        return {",
        "    def attribution_headers(self) -> dict[str, str]:\n        return {} and {",
    ),
    Mutant(
        "one-render-poll-shape",
        "render polls are read in every documented shape (outputUrl and output.url)",
        "client/models.py",
        'url = raw.get("outputUrl") or output.get("url") or raw.get("output_url")',
        'url = raw.get("outputUrl")',
    ),
    Mutant(
        "no-429-wait",
        "429 -> wait 30 s, then retry once",
        "client/core.py",
        "yield Sleep(self.policy.rate_limit_wait)",
        "pass",
    ),
    Mutant(
        "retry-run-sse-on-5xx",
        "POST /run_sse is never retried (re-sending double-charges)",
        "client/turn.py",
        "opened = yield from core.call(request, idempotent=False, session_scoped=True, stream=True)",
        "opened = yield from core.call(request, idempotent=True, session_scoped=True, stream=True)",
    ),
    Mutant(
        "no-silent-close-diff",
        "a turn without text reports what the state diff shows",
        "client/turn.py",
        "        result.silent, result.state = True, after\n"
        "        result.changes = describe_changes(before, after)",
        "        result.silent, result.state = True, after\n        result.changes = []",
    ),
    Mutant(
        "render-retry-same-id",
        "a failed render submit is retried once with a NEW id",
        "client/render.py",
        "    attempts = 0\n    while True:\n        attempts += 1\n        render_id = new_render_id(core)",
        "    attempts = 0\n    render_id = new_render_id(core)\n    while True:\n        attempts += 1",
    ),
    # --- the fake (mock_server/): one condition of a documented rule each
    *(
        Mutant(
            f"fake-no-{header.removeprefix('x-skill-')}-attribution",
            f"an export without {header} is 402 (that header alone)",
            "mock_server/domain/renders.py",
            'ATTRIBUTION_HEADERS = ("x-skill-source", "x-skill-version", "x-skill-platform")',
            "ATTRIBUTION_HEADERS = "
            + repr(tuple(h for h in ATTRIBUTION_ORDER if h != header)).replace("'", '"'),
        )
        for header in ATTRIBUTION_ORDER
    ),
    Mutant(
        "fake-no-jpeg",
        "jpeg is an accepted image extension (every upload form)",
        "mock_server/domain/errors.py",
        '"image": ["jpg", "jpeg", "png", "gif", "webp"],',
        '"image": ["jpg", "png", "gif", "webp"],',
    ),
    Mutant(
        "fake-no-webm-by-url",
        "webm is accepted in a JSON URL upload",
        "mock_server/domain/uploads.py",
        "            kind = extension_kind(filename)\n",
        '            kind = extension_kind(filename.replace(".webm", ".flv"))\n',
    ),
    Mutant(
        "fake-no-m4a-by-multipart",
        "m4a is accepted in a multipart upload",
        "mock_server/domain/uploads.py",
        "            kind = extension_kind(incoming.filename)\n",
        '            kind = extension_kind(incoming.filename.replace(".m4a", ".flv"))\n',
    ),
    Mutant(
        "fake-body-limit-off-by-one",
        "a body of max_body_bytes + 1 is 413",
        "mock_server/http/body.py",
        "        if len(raw) > limit:",
        "        if len(raw) > limit + 1:",
    ),
    Mutant(
        "fake-depth-limit-off-by-one",
        "JSON exactly max_json_depth deep is accepted",
        "mock_server/http/body.py",
        "        if depth > max_depth:",
        "        if depth >= max_depth:",
    ),
    Mutant(
        "fake-upload-limit-off-by-one",
        "a file of exactly upload_max_bytes is not 4002",
        "mock_server/http/multipart.py",
        "        if part.size > self.max_bytes:",
        "        if part.size >= self.max_bytes:",
    ),
    Mutant(
        "fake-header-count-off-by-one",
        "max_header_count headers are accepted, one more is 431",
        "mock_server/http/protocol.py",
        "        if self._header_count > self.limits.max_header_count:",
        "        if self._header_count > self.limits.max_header_count + 1:",
    ),
    Mutant(
        "fake-session-not-owned",
        "another user's session id is 1002",
        "mock_server/domain/sessions.py",
        "        if session is None or session.user_id != account.user_id:",
        "        if session is None:",
    ),
    Mutant(
        "fake-task-not-checked",
        "a claim with another session's task id is 1002",
        "mock_server/domain/sessions.py",
        "        if task_id is not None and task_id != session.task_id:",
        "        if False:",
    ),
    Mutant(
        "fake-render-not-owned",
        "another user's render id is 404",
        "mock_server/domain/store.py",
        "        return self._renders.get((user_id, render_id))",
        "        return next((r for (_, i), r in self._renders.items() if i == render_id), None)",
    ),
    Mutant(
        "fake-same-site-admin",
        "a same-site (another localhost port) request to the admin API is 403",
        "mock_server/http/admin_guard.py",
        'SAFE_FETCH_SITES = {"same-origin", "none"}',
        'SAFE_FETCH_SITES = {"same-origin", "none", "same-site"}',
    ),
    Mutant(
        "fake-cookie-change-without-origin",
        "a change authorised by the inspector's cookie alone needs the fake's own Origin",
        "mock_server/http/admin_guard.py",
        '        return scope["method"] not in BODY_METHODS or (',
        "        return True or (",
    ),
    Mutant(
        "fake-token-kept-in-url",
        "?admin_token= on an inspector page redirects to the page without it",
        "mock_server/http/admin_guard.py",
        "    rest = [(name, value) for name, value in query if name != TOKEN_PARAM]",
        "    rest = query",
    ),
    Mutant(
        "fake-login-goes-anywhere",
        "after logging in, only an inspector page is a destination (no open redirect)",
        "mock_server/inspector/login.py",
        "        and target.startswith(INSPECTOR_PREFIX)\n",
        "",
    ),
    Mutant(
        "fake-workers-without-limits",
        "every `serve --workers` process runs the fake's connection limits",
        "mock_server/http/protocol.py",
        '"http": WorkerHttpProtocol if workers else protocol_for(ConnectionLimits.of(config)),',
        '"http": "httptools" if workers else protocol_for(ConnectionLimits.of(config)),',
    ),
    Mutant(
        "fake-file-root-ignored",
        "file:// URLs read only under file_url_root",
        "mock_server/domain/uploads.py",
        "        allowed = path.is_relative_to(Path(root).resolve()) and path.is_file()",
        "        allowed = path.is_file()",
    ),
    Mutant(
        "fake-fast-path-takes-head",
        "HEAD on a GET-only route is the router's 405, fast path or not",
        "mock_server/http/fast_path.py",
        'method = scope.get("method")',
        'method = "GET" if scope.get("method") == "HEAD" else scope.get("method")',
    ),
    Mutant(
        "fake-head-timer-first-request-only",
        "every request's head must arrive within head_timeout_seconds, not only the first",
        "mock_server/http/protocol.py",
        "        elif self._head_begun:",
        "        elif self._head_begun and self.cycle is None:",
    ),
]


@dataclass
class Outcome:
    name: str
    suite: str
    killed: bool
    seconds: float
    caught_by: str


def make_copy(into: Path) -> Path:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis", ".pytest_cache")
    for name in COPY:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, into / name, ignore=ignore)
        elif source.exists():
            shutil.copy2(source, into / name)
    (into / "mutant_timeout.py").write_text(TIMEOUT_PLUGIN, encoding="utf-8")
    return into


def environment(copy: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(copy)
    env["CI"] = "1"  # derandomized hypothesis: the same examples on every run
    env.pop("COVERAGE_PROCESS_START", None)
    return env


def imports_from(copy: Path) -> None:
    probe = "".join(f"import {p}; print({p}.__file__);" for p in PACKAGES)
    out = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=copy,
        env=environment(copy),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    for path in out:
        if not Path(path).resolve().is_relative_to(copy.resolve()):
            raise SystemExit(f"the copy is not what gets imported: {path}")


def run_suite(copy: Path, paths: tuple[str, ...]) -> tuple[bool, float, str]:
    started = time.monotonic()
    command = [sys.executable, "-m", "pytest", "-x", "-q", "-n", "2", "-p", "no:cacheprovider"]
    command += ["-p", "mutant_timeout", *paths]
    process = subprocess.Popen(
        command,
        cwd=copy,
        env=environment(copy),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        out, _ = process.communicate(timeout=SUITE_LIMIT)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        return False, time.monotonic() - started, f"(the whole run hung past {SUITE_LIMIT}s)"
    seconds = time.monotonic() - started
    failed = re.findall(r"^(?:FAILED|ERROR) (\S+)", out, re.M)
    caught = failed[0] if failed else (out.strip().splitlines() or ["?"])[-1]
    if failed and f"{failed[0]} ran over {TEST_LIMIT}s" in out:
        caught += " (hung, timed out)"
    return process.returncode == 0, seconds, caught


def apply(copy: Path, mutant: Mutant) -> None:
    target = copy / mutant.path
    text = target.read_text(encoding="utf-8")
    if text.count(mutant.search) != 1:
        raise SystemExit(f"{mutant.name}: the patch does not apply to {mutant.path} (once)")
    target.write_text(text.replace(mutant.search, mutant.replace), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", action="append", help="run only this mutant (repeatable)")
    parser.add_argument(
        "--suite",
        choices=sorted({**SUITES, **FAKE_SUITES}),
        action="append",
        help="run only this suite",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary copies")
    args = parser.parse_args(argv)
    chosen = [m for m in MUTANTS if not args.only or m.name in args.only]

    def wanted(suites: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        return {k: v for k, v in suites.items() if not args.suite or k in args.suite}

    baseline_suites: dict[str, tuple[str, ...]] = {}
    for mutant in chosen:
        baseline_suites.update(wanted(mutant.suites))
    work = Path(tempfile.mkdtemp(prefix="nemo-mutants-"))
    outcomes: list[Outcome] = []
    try:
        baseline = make_copy(work / "baseline")
        imports_from(baseline)
        for suite, paths in baseline_suites.items():
            ok, seconds, last = run_suite(baseline, paths)
            print(f"baseline, {suite}: {'pass' if ok else 'FAIL'} in {seconds:.0f}s — {last}")
            if not ok:
                return 1
        for mutant in chosen:
            copy = make_copy(work / mutant.name)
            apply(copy, mutant)
            for suite, paths in wanted(mutant.suites).items():
                passed, seconds, caught = run_suite(copy, paths)
                outcomes.append(Outcome(mutant.name, suite, not passed, seconds, caught))
                verdict = "killed" if not passed else "SURVIVED"
                print(f"  {mutant.name} / {suite}: {verdict} ({seconds:.0f}s)", flush=True)
            if not args.keep:
                shutil.rmtree(copy, ignore_errors=True)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print_table(outcomes)
    return 0 if all(o.killed for o in outcomes) else 1


def print_table(outcomes: list[Outcome]) -> None:
    rules = {m.name: m.rule for m in MUTANTS}
    rows = [("mutant", "rule broken", "suite", "result", "first failing test")]
    rows += [
        (o.name, rules[o.name], o.suite, "killed" if o.killed else "SURVIVED", o.caught_by)
        for o in outcomes
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    print()
    for i, row in enumerate(rows):
        cells = [cell.ljust(w) for cell, w in zip(row, widths, strict=False)]
        print("  ".join([*cells, row[-1]]))
        if i == 0:
            print("  ".join(["-" * w for w in widths] + ["-" * 18]))
    for suite in dict.fromkeys(o.suite for o in outcomes):
        mine = [o for o in outcomes if o.suite == suite]
        print(f"{suite}: {sum(o.killed for o in mine)}/{len(mine)} mutants killed")


if __name__ == "__main__":
    sys.exit(main())
