"""`nemo-fake serve` will not expose the admin API on a public address by accident
(issue 14: 5)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from mock_server.cli import app


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.10"])
def test_a_public_bind_without_an_admin_token_is_refused(
    host: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NEMO_FAKE_ADMIN_TOKEN", raising=False)
    result = CliRunner().invoke(app, ["serve", "--host", host, "--port", "0"])
    assert result.exit_code == 2
    assert "--admin-token" in result.output and "--insecure-admin" in result.output


def test_a_short_admin_token_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEMO_FAKE_ADMIN_TOKEN", "short")
    result = CliRunner().invoke(app, ["serve", "--host", "0.0.0.0", "--port", "0"])
    assert result.exit_code == 2 and "admin_token" in result.output
