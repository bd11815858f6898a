"""The pytest plugin as a user meets it, run with pytester: fixtures, options, markers,
contract enforcement, the failure report (reproduce line, hypothesis blob, journal
excerpt) and the session summary."""

from __future__ import annotations

import re

import pytest

pytest_plugins = ["pytester"]


@pytest.fixture(autouse=True, scope="module")
def _contract_loaded_outside() -> None:
    """Load the contract (and what schemathesis imports lazily for it) in this process
    first: pytester's in-process runs drop the modules first imported inside them, which
    would leave the cached contract holding classes of a dropped module."""
    from mock_server.testing.conformance import operation_for

    operation_for("GET", "/api/credits/balance/simple")


def run(pytester: pytest.Pytester, source: str, *args: str) -> pytest.RunResult:
    pytester.makepyfile(test_inner=source)
    return pytester.runpytest_inprocess("-p", "no:cacheprovider", "-p", "no:xdist", *args)


FAILING = """
def test_flow(nemo_fake):
    http = nemo_fake.client
    http.post("/api/auth/anonymous-token", headers={"X-Client-Id": "inner-client"})
    nemo_fake.fault(path="/api/credits/*", error_code=503)
    http.get("/api/credits/balance/simple")
    assert False, "deliberate"
"""


def test_a_failing_test_shows_the_reproduce_line_and_the_journal(pytester: pytest.Pytester):
    result = run(pytester, FAILING, "--nemo-seed=123", "--nemo-dialect", "error_status=mapped")
    result.assert_outcomes(failed=1)
    out = result.stdout.str()
    assert "- nemo-fake -" in out
    assert (
        "reproduce: pytest test_inner.py::test_flow --nemo-seed=123 "
        "--nemo-dialect error_status=mapped -p no:randomly"
    ) in out
    assert "journal: last 2 of 2 requests (seed 123, clock manual" in out
    assert re.search(r"#1 POST /api/auth/anonymous-token -> 200 code=0", out)
    assert re.search(r"#2 GET /api/credits/balance/simple -> 503 code=503 fault=flt_1", out)
    assert "dialect at failure: error_status=mapped" in out


def test_the_reproduce_line_carries_marker_dialects_and_the_journal_limit(
    pytester: pytest.Pytester,
):
    source = """
import pytest

@pytest.mark.nemo(events="typed", render_poll="legacy", seed=5)
def test_flow(nemo_fake):
    for _ in range(4):
        nemo_fake.client.get("/api/credits/balance/simple")
    nemo_fake.dialect(error_status="mapped")
    raise RuntimeError("deliberate")
"""
    result = run(pytester, source, "--nemo-journal=2")
    out = result.stdout.str()
    line = next(x for x in out.splitlines() if x.startswith("reproduce:"))
    assert "--nemo-seed=5" in line
    assert "--nemo-dialect render_poll=legacy" in line and "--nemo-dialect events=typed" in line
    assert "error_status" not in line  # changed during the test, not at its start
    assert "dialect at failure: error_status=mapped, events=typed" in out
    assert "journal: last 2 of 4 requests" in out


def test_a_failing_hypothesis_test_shows_its_blob(pytester: pytest.Pytester):
    source = """
from hypothesis import HealthCheck, given, settings, strategies as st

@settings(print_blob=True, database=None, derandomize=True, max_examples=20,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.integers(min_value=0, max_value=10))
def test_prop(nemo_fake, n):
    nemo_fake.client.get("/api/credits/balance/simple")
    assert n < 3
"""
    result = run(pytester, source)
    result.assert_outcomes(failed=1)
    out = result.stdout.str()
    assert re.search(r"hypothesis: @reproduce_failure\('[\d.]+', b'[^']+'\)", out)
    assert "reproduce: pytest test_inner.py::test_prop --nemo-seed=0" in out


def test_contract_violations_fail_the_test_and_the_summary_counts(pytester: pytest.Pytester):
    source = """
from mock_server.journal import Exchange

def test_good(nemo_fake):
    nemo_fake.client.get("/api/credits/balance/simple")

def test_bad(nemo_fake, nemo_contract_checker):
    nemo_fake.client.get("/api/credits/balance/simple")
    # what a broken fake would send: no `code`, no envelope
    nemo_contract_checker.observe(Exchange("GET", "/api/credits/balance/simple", "", 200,
        {"content-type": "application/json"}, b'{"available": 1}'))
"""
    result = run(pytester, source)
    result.assert_outcomes(passed=1, failed=1)
    out = result.stdout.str()
    assert "the fake's responses broke contracts/ (1 violations)" in out
    assert "GET /api/credits/balance/simple -> 200" in out
    assert "contract violations: 1" in out
    assert (
        "nemo-fake contract: 3 responses (0 SSE events, 0 WebSocket messages) of 2 tests checked against "
        "contracts/: 1 violations"
    ) in out


def test_contract_checks_can_be_turned_off(pytester: pytest.Pytester):
    source = """
import pytest

def test_default(nemo_fake):
    assert nemo_fake.fake.observers

@pytest.mark.nemo(contract=False)
def test_marker_off(nemo_fake):
    assert not nemo_fake.fake.observers
"""
    run(pytester, source).assert_outcomes(passed=2)
    source_off = """
def test_option_off(nemo_fake):
    assert not nemo_fake.fake.observers
"""
    run(pytester, source_off, "--no-nemo-contract").assert_outcomes(passed=1)


def test_the_summary_adds_up_over_xdist_workers(pytestconfig: pytest.Config):
    """Workers hand their counts to the controller (pytest_sessionfinish ->
    pytest_testnodedown): called here as xdist calls them, without spawning workers."""
    from types import SimpleNamespace

    from mock_server.testing import pytest_plugin as plugin

    outputs = []
    for counts in ({"tests": 2, "responses": 7, "sse_events": 3, "ws_messages": 2, "violations": 0},
                   {"tests": 1, "responses": 5, "sse_events": 0, "ws_messages": 0, "violations": 1}):  # fmt: skip
        stats = plugin.ContractStats()
        stats.add(counts)
        worker = SimpleNamespace(workeroutput={}, stash={plugin.STATS: stats})
        plugin.pytest_sessionfinish(SimpleNamespace(config=worker))  # type: ignore[arg-type]
        outputs.append(worker.workeroutput)
    controller = SimpleNamespace(stash={plugin.STATS: plugin.ContractStats()})
    for output in outputs:
        plugin.pytest_testnodedown(SimpleNamespace(workeroutput=output, config=controller), None)
    total = controller.stash[plugin.STATS]
    assert total.as_dict() == {
        "tests": 3, "responses": 12, "sse_events": 3, "ws_messages": 2, "violations": 1
    }  # fmt: skip
    lines: list[str] = []
    reporter = SimpleNamespace(write_sep=lambda *a: None, write_line=lines.append)
    plugin.pytest_terminal_summary(reporter, 0, controller)  # type: ignore[arg-type]
    assert lines == [
        "nemo-fake contract: 12 responses (3 SSE events, 2 WebSocket messages) of 3 tests checked against "
        "contracts/: 1 violations"
    ]


def test_bad_options_are_usage_errors(pytester: pytest.Pytester):
    pytester.makepyfile(test_inner="def test_x(): pass")
    result = pytester.runpytest_inprocess("--nemo-dialect", "error_status=sometimes")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*bad --nemo-seed/--nemo-dialect*", "error_status"])
    result = pytester.runpytest_inprocess("--nemo-dialect", "error_status")
    result.stderr.fnmatch_lines(["*--nemo-dialect takes KEY=VALUE*"])


def test_markers_options_and_fixture_defaults(pytester: pytest.Pytester):
    source = """
import pytest

def test_options(nemo_fake, nemo_fake_server):
    for handle in (nemo_fake, nemo_fake_server):
        assert handle.config.seed == 42 and handle.config.heartbeat == "json"
        assert handle.config.clock == "manual" and handle.config.media_max_side == 320

@pytest.mark.nemo(heartbeat="comment", auto_advance=False)
def test_marker_wins(nemo_fake, nemo_fake_factory):
    assert nemo_fake.config.heartbeat == "comment" and not nemo_fake.auto_advance
    other = nemo_fake_factory(seed=7, auto_advance=True)
    assert other.config.seed == 7 and other.config.heartbeat == "comment"
    assert other.auto_advance

def test_plugin_help_is_listed(pytestconfig):
    assert pytestconfig.getoption("nemo_contract") is True
"""
    result = run(pytester, source, "--nemo-seed=42", "--nemo-dialect", "heartbeat=json")
    result.assert_outcomes(passed=3)
    assert "--nemo-dialect=KEY=VALUE" in pytester.runpytest_inprocess("--help").stdout.str()
