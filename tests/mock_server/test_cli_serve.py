"""`nemo-fake serve` takes every FakeConfig field: as its own generated option, as
`--set KEY=VALUE` and as a NEMO_FAKE_<FIELD> variable, validated like PATCH /_fake/config.
The walk derives a value per field from its type and bounds, so a field added later is
walked too (and fails here if the CLI does not take it)."""

from __future__ import annotations

import json
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import httpx
import pytest
from pydantic.fields import FieldInfo
from typer.testing import CliRunner

from mock_server.cli import app, option_name
from mock_server.config import FakeConfig, allows_none, sequence_kind
from tests.servers import served

FIELDS = sorted(FakeConfig.model_fields)
runner = CliRunner()


def _bound(field: FieldInfo, attr: str) -> Any:
    """The field's `ge`/`gt`/`le` bound (annotated_types metadata), None without one."""
    return next((getattr(m, attr) for m in field.metadata if hasattr(m, attr)), None)


def sample(name: str) -> tuple[str, Any]:
    """(text given on the command line, the value it must become): valid, not the default."""
    field = FakeConfig.model_fields[name]
    annotation = field.annotation
    default = field.get_default(call_default_factory=True)
    if typing.get_origin(annotation) is Literal:
        choice = next(c for c in typing.get_args(annotation) if c != default)
        return choice, choice
    kind = sequence_kind(annotation)
    if kind is tuple:
        lo, hi = default
        return f"{lo + 1:g},{hi + 2:g}", [lo + 1, hi + 2]
    if kind is list:
        return "alpha,beta", ["alpha", "beta"]
    base = [a for a in (annotation, *typing.get_args(annotation)) if a in (int, float, str, bool)]
    if not base:
        raise AssertionError(f"the walk does not know how to give {name}: {annotation}")
    if base[0] is bool:
        return str(not default).lower(), not default
    if base[0] is str:  # a constrained text names a valid one in its examples
        text = str(field.examples[0]) if field.examples else f"given-{name}"
        return text, text
    low = _bound(field, "ge") or _bound(field, "gt") or 0
    high = _bound(field, "le")
    start = low if default is None else default
    value: float = (start + high) / 2 if high is not None else start * 2 + 1
    if base[0] is int:
        value = int(value) if int(value) != default else int(value) + 1
    return str(value), value


def resolved(*args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    result = runner.invoke(app, ["serve", *args, "--print-config"], env=env)
    assert result.exit_code == 0, result.output
    config: dict[str, Any] = json.loads(result.stdout)
    return config


def refusal(*args: str) -> str:
    result = runner.invoke(app, ["serve", *args, "--print-config"])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("invalid configuration: ")
    return result.stderr.removeprefix("invalid configuration: ").strip()


def test_help_lists_every_setting() -> None:
    result = runner.invoke(app, ["serve", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    missing = [name for name in FIELDS if option_name(name) not in result.stdout]
    assert not missing, f"serve --help lacks {missing}"


@pytest.mark.parametrize("name", FIELDS)
def test_every_setting_as_option_set_and_environment(name: str) -> None:
    text, expected = sample(name)
    assert FakeConfig().model_dump(mode="json")[name] != expected
    assert resolved(option_name(name), text)[name] == expected
    assert resolved("--set", f"{name}={text}")[name] == expected
    assert resolved(env={f"NEMO_FAKE_{name.upper()}": text})[name] == expected


def _takes_any_text(name: str) -> bool:
    """Free-text settings (paths, URLs, scope names) have no bad value to refuse."""
    annotation = FakeConfig.model_fields[name].annotation
    return annotation in (str, str | None, list[str])


@pytest.mark.parametrize("name", [n for n in FIELDS if not _takes_any_text(n)])
def test_a_bad_value_is_refused_as_patch_config_refuses_it(name: str, nemo_fake: Any) -> None:
    patched = nemo_fake.client.patch("/_fake/config", json={name: "bogus!"}).json()
    message = refusal(option_name(name), "bogus!")
    assert message.startswith((f"{name}: ", f"{name}."))
    assert patched["message"] == message
    assert refusal("--set", f"{name}=bogus!") == message


def test_none_unsets_an_optional_setting() -> None:
    optional = [n for n in FIELDS if allows_none(FakeConfig.model_fields[n].annotation)]
    assert "media_max_side" in optional
    env = {"NEMO_FAKE_MEDIA_MAX_SIDE": "640"}
    assert resolved(env=env)["media_max_side"] == 640
    assert resolved("--media-max-side", "none", env=env)["media_max_side"] is None


def test_precedence_environment_then_option_then_set() -> None:
    env = {"NEMO_FAKE_SEED": "1"}
    assert resolved(env=env)["seed"] == 1
    assert resolved("--seed", "2", env=env)["seed"] == 2
    assert resolved("--seed", "2", "--set", "seed=3", env=env)["seed"] == 3


def test_set_refuses_unknown_keys_and_missing_equals() -> None:
    assert refusal("--set", "no_such=1") == "no_such: no such setting (see nemo-fake serve --help)"
    assert refusal("--set", "seed") == "--set takes KEY=VALUE, got 'seed'"
    assert refusal("--media-max-side", "8") == (
        "media_max_side: Input should be greater than or equal to 16"
    )
    assert "render_seconds must be [min, max]" in refusal("--render-seconds", "5,1")


@pytest.fixture
def media_capped_server(tmp_path: Path) -> Iterator[str]:
    args = ["--clock", "manual", "--media-max-side", "320", "--set", "render_poll=compat"]
    with served(*args, "--data-dir", str(tmp_path / "data"), defaults=True) as server:
        yield server.url


def test_a_served_fake_runs_with_the_options_given(media_capped_server: str) -> None:
    config = httpx.get(f"{media_capped_server}/_fake/config").json()
    assert config["media_max_side"] == 320
    assert config["render_poll"] == "compat"
    assert config["clock"] == "manual"
