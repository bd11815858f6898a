"""Keep the README true: every setting is documented, and the two set-up commands exist."""

import re
from pathlib import Path

from mock_server.config import FakeConfig

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_in_the_readme_table() -> None:
    documented = set(re.findall(r"`([a-z_0-9]+)`", README))
    missing = [name for name in FakeConfig.model_fields if name not in documented]
    assert not missing, f"README lacks settings: {missing}"


def test_set_up_commands_are_make_targets() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for target in ("serve", "test"):
        assert f"make {target}" in README
        assert re.search(rf"^{target}:", makefile, re.M)
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
