"""pytest plugin (entry point `nemo_fake`): fixtures for testing NemoVideo clients.

    def test_flow(nemo_fake):
        client = nemo_fake.client            # httpx.Client routed in-process (streams stream)
        nemo_fake.advance(300)               # API time
        nemo_fake.fault(path="/run_sse", error_code=1001)
        assert nemo_fake.requests(path="/run_sse")

Fixtures
  nemo_fake                 in-process fake (FakeHandle): `client`, `async_client()`,
                            `mock()` / `respx_router()` for clients that build their own
                            httpx client, `advance`, `fault`, `requests`, `dialect`,
                            `new_account`, `reset`, `configure`
  nemo_fake_server          the same on a real uvicorn socket (`url`), one per test
  nemo_fake_session_server  one server for the whole session (per xdist worker); each
                            test's faults/config are undone after it, isolate with
                            `new_account()`
  nemo_fake_factory         `nemo_fake_factory(**config)` -> a new in-process fake
                            (several per test, e.g. in hypothesis state machines)
  nemo_contract_checker     the ContractChecker of this test (attach it to fakes you
                            build yourself: `fake.observers.append(checker.observe)`)
  nemo_replay               replay a cassette (see mock_server/recording)

Options and markers
  --nemo-seed N                 seed of every fixture fake
  --nemo-dialect KEY=VALUE      any FakeConfig value, repeatable
                                (`--nemo-dialect error_status=mapped --nemo-dialect events=typed`)
  --nemo-contract / --no-nemo-contract
                                validate every response of the fixture fakes against
                                contracts/ (default on); a test whose fake broke the
                                contract fails, listing the violations
  --nemo-journal N              journal lines in a failure report (default 15)
  @pytest.mark.nemo(**config)   FakeConfig values for this test's fakes (win over the
                                options); also `contract=False`, `auto_advance=False`

A failing test that used a nemo fixture gets a "nemo-fake" report section: a one-line
command that reproduces it (seed, dialects, hypothesis blob when there is one) and the
end of its journal. The session ends with a summary of the responses checked.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

import pytest

from mock_server.recording.pytest_fixtures import nemo_replay

if TYPE_CHECKING:
    from mock_server.testing.conformance import ContractChecker
    from mock_server.testing.handles import FakeHandle, ServerHandle, SharedServerView

__all__ = [
    "nemo_contract_checker",
    "nemo_fake",
    "nemo_fake_factory",
    "nemo_fake_server",
    "nemo_fake_session_server",
    "nemo_replay",
]

# The fake is imported inside the fixtures and hooks, not here: pytest loads plugins
# before coverage starts, and an eager import would hide the client's import-time lines.

HARNESS_KEYS = ("contract", "auto_advance")  # marker keys that are not FakeConfig values
BLOB = re.compile(r"@reproduce_failure\([^)]*\)")


@dataclass
class ContractStats:
    tests: int = 0
    responses: int = 0
    sse_events: int = 0
    ws_messages: int = 0
    violations: int = 0

    def add(self, other: dict[str, int]) -> None:
        for key, value in other.items():
            setattr(self, key, getattr(self, key) + int(value))

    def as_dict(self) -> dict[str, int]:
        return dict(vars(self))


@dataclass
class _Record:
    """What one test did with the plugin: its fakes and its contract checker."""

    handles: list[FakeHandle] = field(default_factory=list)
    checker: ContractChecker | None = None
    enforced: int = 0  # violations already reported


STATS = pytest.StashKey[ContractStats]()
RECORD = pytest.StashKey[_Record]()


# --- options, markers ----------------------------------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("nemo-fake", "nemo-fake contract harness")
    group.addoption("--nemo-seed", type=int, default=None, help="seed of the nemo_fake fakes")
    group.addoption(
        "--nemo-dialect",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="FakeConfig value for the nemo_fake fakes, e.g. error_status=mapped (repeatable)",
    )
    group.addoption(
        "--nemo-contract",
        dest="nemo_contract",
        action="store_true",
        default=True,
        help="validate every response of the nemo fixtures against contracts/ (default)",
    )
    group.addoption(
        "--no-nemo-contract",
        dest="nemo_contract",
        action="store_false",
        help="do not validate the nemo fixtures' responses against contracts/",
    )
    group.addoption(
        "--nemo-journal",
        type=int,
        default=15,
        metavar="N",
        help="journal entries shown in the report of a failing test (default 15)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "nemo(**config): FakeConfig values for this test's nemo fakes "
        "(also contract=False, auto_advance=False)",
    )
    config.stash[STATS] = ContractStats()
    try:
        _option_config(config)
    except ValueError as exc:
        raise pytest.UsageError(str(exc)) from None


def _option_config(config: pytest.Config) -> dict[str, Any]:
    values: dict[str, Any] = {}
    seed = config.getoption("--nemo-seed", None)
    if seed is not None:
        values["seed"] = seed
    from mock_server.config import FakeConfig, ValidationError, parse_assignment

    for item in config.getoption("--nemo-dialect", []) or []:
        key, value = parse_assignment(item, "--nemo-dialect")
        values[key] = value
    if values:
        try:
            FakeConfig.model_validate(values)
        except ValidationError as exc:
            raise ValueError(f"bad --nemo-seed/--nemo-dialect: {exc}") from None
    return values


# What the fixtures change from FakeConfig's defaults: API time only moves when asked
# (or auto-advanced), and generated clips and renders stay small so CI runs fast.
FIXTURE_DEFAULTS: dict[str, Any] = {"clock": "manual", "media_max_side": 320}


def _config_for(request: pytest.FixtureRequest, **defaults: Any) -> dict[str, Any]:
    """FakeConfig values: fixture defaults < options < marker."""
    values: dict[str, Any] = {**FIXTURE_DEFAULTS, **defaults}
    values.update(_option_config(request.config))
    marker = request.node.get_closest_marker("nemo")
    if marker is not None:
        values.update({k: v for k, v in marker.kwargs.items() if k not in HARNESS_KEYS})
    return values


def _harness_option(request: pytest.FixtureRequest, key: str) -> bool:
    marker = request.node.get_closest_marker("nemo")
    if marker is not None and key in marker.kwargs:
        return bool(marker.kwargs[key])
    if key == "contract":
        return bool(request.config.getoption("nemo_contract", True))
    return True


def _record(item: pytest.Item) -> _Record:
    record = item.stash.get(RECORD, None)
    if record is None:
        record = item.stash[RECORD] = _Record()
    return record


def _checker(item: pytest.Item) -> ContractChecker:
    from mock_server.testing.conformance import ContractChecker

    record = _record(item)
    if record.checker is None:
        record.checker = ContractChecker()
    return record.checker


def _adopt(request: pytest.FixtureRequest, handle: FakeHandle) -> FakeHandle:
    """Register a fake with the test: report section, contract checks."""
    _record(request.node).handles.append(handle)
    if _harness_option(request, "contract"):
        handle.attach(_checker(request.node))
    return handle


# --- fixtures ------------------------------------------------------------------------------


@pytest.fixture
def nemo_contract_checker(request: pytest.FixtureRequest) -> ContractChecker:
    """This test's ContractChecker; its violations fail the test (whatever --nemo-contract)."""
    return _checker(request.node)


H = TypeVar("H", bound="FakeHandle")


def _for_the_test(request: pytest.FixtureRequest, handle: H) -> Iterator[H]:
    """Yields a fake adopted by the test (report section, contract checks), then closes it."""
    _adopt(request, handle)
    try:
        yield handle
    finally:
        handle.close()


def _per_test_handle(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    create: Callable[..., H],
    name: str,
) -> Iterator[H]:
    """One fake for one test, configured from options and markers, closed afterwards."""
    handle = create(
        _config_for(request),
        tmp_path_factory.mktemp(name),
        auto_advance=_harness_option(request, "auto_advance"),
    )
    yield from _for_the_test(request, handle)


@pytest.fixture
def nemo_fake(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[FakeHandle]:
    """An in-process fake (manual clock, auto-advanced) with an httpx client routed to it."""
    from mock_server.testing.handles import FakeHandle

    yield from _per_test_handle(request, tmp_path_factory, FakeHandle.create, "nemo-fake")


@pytest.fixture
def nemo_fake_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerHandle]:
    """The same fake on a real uvicorn socket on a random loopback port (`.url`)."""
    from mock_server.testing.handles import ServerHandle

    yield from _per_test_handle(request, tmp_path_factory, ServerHandle.create, "nemo-fake-server")


@pytest.fixture(scope="session")
def _nemo_shared_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerHandle]:
    from mock_server.testing.handles import ServerHandle

    values = {**FIXTURE_DEFAULTS, **_option_config(request.config)}
    handle = ServerHandle.create(values, tmp_path_factory.mktemp("nemo-fake-session"))
    try:
        yield handle
    finally:
        handle.close()


@pytest.fixture
def nemo_fake_session_server(
    request: pytest.FixtureRequest, _nemo_shared_server: ServerHandle
) -> Iterator[SharedServerView]:
    """One uvicorn server for the whole session (per xdist worker), shared by the tests
    that use it: mint an isolated account per test with `new_account()`. Faults, config
    and dialect changes of a test (including its `nemo` marker) are undone after it."""
    from mock_server.testing.handles import SharedServerView

    view = SharedServerView(_nemo_shared_server)
    marker = request.node.get_closest_marker("nemo")
    if marker is not None:
        changes = {k: v for k, v in marker.kwargs.items() if k not in HARNESS_KEYS}
        if changes:
            view.configure(**changes)
        if "auto_advance" in marker.kwargs:
            view.auto_advance = bool(marker.kwargs["auto_advance"])
    yield from _for_the_test(request, view)


@pytest.fixture
def nemo_fake_factory(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[..., FakeHandle]]:
    """`nemo_fake_factory(**config)` -> a new in-process fake (options and marker apply,
    `config` wins). Every fake is contract-checked and closed after the test; the last
    one made is the one a failure report shows."""
    from mock_server.testing.handles import FakeHandle

    made: list[FakeHandle] = []
    auto = _harness_option(request, "auto_advance")

    def factory(**config: Any) -> FakeHandle:
        auto_advance = bool(config.pop("auto_advance", auto))
        handle = FakeHandle.create(
            {**_config_for(request), **config},
            tmp_path_factory.mktemp("nemo-fake"),
            auto_advance=auto_advance,
        )
        record = _record(request.node)
        # the report shows the latest fake (hypothesis makes many; the last one made
        # is the final, failing example's)
        record.handles[:] = [h for h in record.handles if h not in made]
        made.append(handle)
        _adopt(request, handle)
        return handle

    try:
        yield factory
    finally:
        for handle in made:
            handle.close()


# --- contract enforcement ------------------------------------------------------------------


def _new_violations(record: _Record) -> list[str]:
    if record.checker is None:
        return []
    fresh = record.checker.violations[record.enforced :]
    record.enforced = len(record.checker.violations)
    return fresh


def _violation_error(violations: list[str]) -> AssertionError:
    shown = violations[:20]
    more = f"\n  ... and {len(violations) - 20} more" if len(violations) > 20 else ""
    return AssertionError(
        f"the fake's responses broke contracts/ ({len(violations)} violations):\n"
        + "\n".join(f"  {v}" for v in shown)
        + more
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    result = yield
    record = item.stash.get(RECORD, None)
    if record is not None:
        violations = _new_violations(record)
        if violations:
            raise _violation_error(violations)
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(
    item: pytest.Item, nextitem: pytest.Item | None
) -> Generator[None, object, object]:
    try:
        result = yield
    finally:
        record = item.stash.get(RECORD, None)
        if record is not None and record.checker is not None:
            stats = item.config.stash[STATS]
            stats.add(
                {
                    "tests": 1,
                    "responses": record.checker.checked,
                    "sse_events": record.checker.sse_events,
                    "ws_messages": record.checker.ws_messages,
                    "violations": len(record.checker.violations),
                }
            )
    if record is not None:
        late = _new_violations(record)  # responses completed during teardown
        if late:
            raise _violation_error(late)
    return result


# --- failure reports ---------------------------------------------------------------------


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    record = item.stash.get(RECORD, None)
    if record is not None and record.handles and report.failed:
        report.sections.append(("nemo-fake", failure_report(item, record, report)))
    return report


def reproduce_command(item: pytest.Item, handle: FakeHandle) -> str:
    """`pytest <node id> --nemo-seed=N --nemo-dialect K=V ... -p no:randomly`"""
    from mock_server.config import FakeConfig
    from mock_server.testing.handles import DIALECTS

    initial = handle.initial_config
    defaults = FakeConfig()
    given = _option_config(item.config)
    keys = [k for k in given if k != "seed"]
    keys += [k for k in DIALECTS if k not in keys and getattr(initial, k) != getattr(defaults, k)]
    parts = ["pytest", shlex.quote(item.nodeid), f"--nemo-seed={initial.seed}"]
    for key in keys:
        value = getattr(initial, key)
        text = ",".join(map(str, value)) if isinstance(value, list | tuple) else str(value)
        parts += ["--nemo-dialect", shlex.quote(f"{key}={text}")]
    parts += ["-p", "no:randomly"]
    return " ".join(parts)


def failure_report(item: pytest.Item, record: _Record, report: pytest.TestReport) -> str:
    handle = record.handles[-1]
    lines = [f"reproduce: {reproduce_command(item, handle)}"]
    blob = BLOB.search(report.longreprtext or "")
    if blob:
        lines.append(f"hypothesis: {blob.group(0)}")
    final = {k: getattr(handle.config, k) for k in ("error_status", "events", "heartbeat")}
    final |= {k: getattr(handle.config, k) for k in ("render_poll", "token_expiry")}
    lines.append("dialect at failure: " + ", ".join(f"{k}={v}" for k, v in final.items()))
    if record.checker is not None and record.checker.violations:
        lines.append(f"contract violations: {len(record.checker.violations)}")
    limit = item.config.getoption("--nemo-journal", 15) or 15
    lines.append(handle.journal_excerpt(limit))
    return "\n".join(lines)


# --- session summary (aggregated over xdist workers) --------------------------------------


def pytest_sessionfinish(session: pytest.Session) -> None:
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # an xdist worker: hand the counts to the controller
        workeroutput["nemo_contract"] = session.config.stash[STATS].as_dict()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    counts = getattr(node, "workeroutput", {}).get("nemo_contract")
    if counts:
        node.config.stash[STATS].add(counts)


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    if getattr(config, "workeroutput", None) is not None:
        return
    stats = config.stash.get(STATS, None)
    if stats is None or not stats.tests:
        return
    terminalreporter.write_sep("-", "nemo-fake contract")
    terminalreporter.write_line(
        f"nemo-fake contract: {stats.responses} responses ({stats.sse_events} SSE events, "
        f"{stats.ws_messages} WebSocket messages) "
        f"of {stats.tests} tests checked against contracts/: {stats.violations} violations"
    )
