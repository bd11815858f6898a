import pytest
from pydantic import ValidationError

from mock_server.config import FakeConfig


def test_env_variables_and_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEMO_FAKE_SEED", "7")
    monkeypatch.setenv("NEMO_FAKE_RENDER_SECONDS", "1,2")
    monkeypatch.setenv("NEMO_FAKE_ERROR_STATUS", "mapped")
    config = FakeConfig.from_env(seed=9)
    assert config.seed == 9  # explicit override wins
    assert config.render_seconds == (1.0, 2.0)
    assert config.error_status == "mapped"


def test_bad_values_are_refused() -> None:
    with pytest.raises(ValidationError):
        FakeConfig(render_seconds=(5, 1))
    with pytest.raises(ValidationError):
        FakeConfig(error_status="teapot")  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        FakeConfig().patched({"no_such_key": 1})


def test_clock_mode_follows_time_scale() -> None:
    assert FakeConfig(time_scale=0.01).clock_mode == "scaled"
    assert FakeConfig().clock_mode == "real"
    assert FakeConfig(clock="manual", time_scale=0.01).clock_mode == "manual"
