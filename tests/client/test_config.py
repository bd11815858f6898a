from __future__ import annotations

from pathlib import Path

import pytest

from client import ClientConfig
from client.config import (
    DEFAULT_API_URL,
    DEFAULT_SKILL_SOURCE,
    DEFAULT_WEB_URL,
    default_config_dir,
    detect_platform,
    load_or_create_client_id,
    package_version,
)
from nemo_protocol.secrets import mask as mask_token
from nemo_protocol.secrets import mask_text as scrub

from .helpers import TOKEN


def test_defaults_from_an_empty_env(tmp_path: Path) -> None:
    config = ClientConfig.from_env({}, config_dir=tmp_path, home=tmp_path, install_path=tmp_path)
    assert config.api_url == DEFAULT_API_URL == "https://mega-api-prod.nemovideo.ai"
    assert config.web_url == DEFAULT_WEB_URL == "https://nemovideo.com"
    assert config.token is None
    assert config.skill_source == DEFAULT_SKILL_SOURCE == "nemo-fake-client"
    assert config.skill_version == package_version()
    assert config.skill_platform == "unknown"
    # No NEMO_CLIENT_ID: a UUID is created once in the config dir and reused.
    stored = (tmp_path / "client_id").read_text().strip()
    assert config.client_id == stored and len(stored) == 36
    again = ClientConfig.from_env({}, config_dir=tmp_path, home=tmp_path, install_path=tmp_path)
    assert again.client_id == stored


def test_documented_variables_are_read(tmp_path: Path) -> None:
    env = {
        "NEMO_API_URL": "http://127.0.0.1:9/",
        "NEMO_WEB_URL": "http://web.local/",
        "NEMO_TOKEN": TOKEN,
        "NEMO_CLIENT_ID": "my-client",
        "NEMO_SKILL_SOURCE": "my-skill",
        "NEMO_SKILL_PLATFORM": "cursor",
        "NEMO_CONFIG_DIR": str(tmp_path / "cfg"),
    }
    config = ClientConfig.from_env(env)
    assert config.api_url == "http://127.0.0.1:9"  # trailing slash normalised away
    assert config.web_url == "http://web.local"
    assert config.token == TOKEN
    assert config.client_id == "my-client"
    assert config.skill_source == "my-skill"
    assert config.skill_platform == "cursor"
    assert config.config_dir == tmp_path / "cfg"
    assert not (tmp_path / "cfg" / "client_id").exists()  # an env client id creates no file


def test_keyword_overrides_win_over_env(tmp_path: Path) -> None:
    env = {"NEMO_API_URL": "http://env", "NEMO_CLIENT_ID": "env-id"}
    config = ClientConfig.from_env(
        env,
        config_dir=tmp_path,
        api_url="http://kw",
        client_id="kw-id",
        skill_version="1.2.3",
        skill_platform="clawhub",
    )
    assert (config.api_url, config.client_id) == ("http://kw", "kw-id")
    assert config.skill_version == "1.2.3"
    assert config.attribution_headers() == {
        "X-Skill-Source": "nemo-fake-client",
        "X-Skill-Version": "1.2.3",
        "X-Skill-Platform": "clawhub",
    }


def test_existing_client_id_file_is_read(tmp_path: Path) -> None:
    (tmp_path / "client_id").write_text("  fixed-id \n")
    assert load_or_create_client_id(tmp_path) == "fixed-id"


def test_empty_client_id_file_is_replaced(tmp_path: Path) -> None:
    (tmp_path / "client_id").write_text("\n")
    new = load_or_create_client_id(tmp_path)
    assert new and (tmp_path / "client_id").read_text().strip() == new


def test_client_id_creates_missing_dirs(tmp_path: Path) -> None:
    directory = tmp_path / "a" / "b"
    assert load_or_create_client_id(directory) == (directory / "client_id").read_text().strip()


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        (".clawhub/skills/nemo/client", "clawhub"),
        (".cursor/skills/nemo/client", "cursor"),
        (".cursor/other/client", "unknown"),
        ("projects/nemo/client", "unknown"),
    ],
)
def test_platform_detected_from_install_path(tmp_path: Path, where: str, expected: str) -> None:
    install = tmp_path / where
    install.mkdir(parents=True)
    assert detect_platform(install, home=tmp_path) == expected


def test_platform_detection_defaults_to_this_file() -> None:
    assert detect_platform() in {"clawhub", "cursor", "unknown"}


def test_default_config_dir(tmp_path: Path) -> None:
    assert default_config_dir(tmp_path) == tmp_path / ".config" / "nemovideo"
    assert default_config_dir().name == "nemovideo"


@pytest.mark.parametrize("bad", ["", "x" * 65])
def test_client_id_length_is_checked(bad: str, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="client id"):
        ClientConfig(client_id=bad, config_dir=tmp_path)


def test_repr_masks_the_token(tmp_path: Path) -> None:
    config = ClientConfig(token=TOKEN, client_id="c", config_dir=tmp_path)
    text = repr(config)
    assert TOKEN not in text and "nmv_usr_…tok1" in text
    assert config.with_token(None).token is None


@pytest.mark.parametrize(
    ("token", "masked"),
    [
        (TOKEN, "nmv_usr_…tok1"),
        ("nmv_clm_abcdef", "nmv_clm_…cdef"),
        ("plainsecret", "…cret"),
        ("abc", "…"),
        (None, "<none>"),
        ("", "<none>"),
    ],
)
def test_mask_token(token: str | None, masked: str) -> None:
    assert mask_token(token) == masked


def test_scrub_masks_every_token_in_text() -> None:
    text = f"bad token {TOKEN} and {TOKEN}!"
    assert scrub(text) == "bad token nmv_usr_…tok1 and nmv_usr_…tok1!"
