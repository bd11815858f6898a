"""`nemo-fake serve` picks the quick scaled clock unless a clock is chosen; the banner
says which clock runs and how to change it."""

from __future__ import annotations

import pytest

from mock_server.cli import QUICK_TIME_SCALE, clock_banner, quick_clock
from mock_server.clock import Clock
from mock_server.config import FakeConfig


def test_no_clock_settings_mean_the_quick_scaled_clock() -> None:
    chosen = quick_clock({"seed": 3}, environ={})
    assert chosen == {"seed": 3, "clock": "scaled", "time_scale": QUICK_TIME_SCALE}
    config = FakeConfig.from_env(**chosen)
    assert (config.clock_mode, config.time_scale) == ("scaled", QUICK_TIME_SCALE)
    # a 300 s generation in 3 s, a heartbeat every 0.15 s: well inside a 30 s first try
    assert 300 * QUICK_TIME_SCALE <= 3 and 15 * QUICK_TIME_SCALE >= 0.1
    # FakeConfig itself keeps the real clock: tests and the Python API choose explicitly
    assert FakeConfig().clock_mode == "real"


def test_scaled_without_a_scale_gets_the_quick_scale() -> None:
    assert quick_clock({"clock": "scaled"}, environ={})["time_scale"] == QUICK_TIME_SCALE
    assert quick_clock({}, environ={"NEMO_FAKE_CLOCK": "scaled"})["time_scale"] == 0.01


@pytest.mark.parametrize(
    ("overrides", "environ"),
    [
        ({"clock": "real"}, {}),
        ({"clock": "manual"}, {}),
        ({"time_scale": 0.001}, {}),
        ({"clock": "scaled", "time_scale": 0.5}, {}),
        ({}, {"NEMO_FAKE_CLOCK": "real"}),
        ({}, {"NEMO_FAKE_TIME_SCALE": "0.001"}),
    ],
)
def test_a_chosen_clock_is_kept(overrides: dict[str, object], environ: dict[str, str]) -> None:
    assert quick_clock(overrides, environ=environ) == overrides


def test_the_banner_names_the_clock_and_how_to_change_it() -> None:
    assert clock_banner(Clock("scaled", 0.01)) == (
        "clock scaled 100x faster than real; --clock real for live timing"
    )
    assert clock_banner(Clock("real")) == "clock real; --clock scaled runs it 100x faster"
    assert "POST /_fake/clock/advance" in clock_banner(Clock("manual"))
