"""Client configuration, exactly as the skill documents define it.

`NEMO_API_URL`, `NEMO_TOKEN`, `NEMO_CLIENT_ID` (else `<config dir>/client_id`, created on
first use), `NEMO_WEB_URL`, and the three attribution headers. Extensions of ours, all
optional: `NEMO_CONFIG_DIR` (default `~/.config/nemovideo`), `NEMO_SKILL_SOURCE`,
`NEMO_SKILL_PLATFORM`.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from importlib import metadata
from pathlib import Path

from nemo_protocol.secrets import mask

DEFAULT_API_URL = "https://mega-api-prod.nemovideo.ai"
DEFAULT_WEB_URL = "https://nemovideo.com"
DEFAULT_SKILL_SOURCE = "nemo-fake-client"
CLIENT_ID_MAX_LEN = 64  # documented: a UUID or any unique stable string of <= 64 chars


def package_version() -> str:
    try:
        return metadata.version("nemo-fake")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "0.0.0"


def default_config_dir(home: Path | None = None) -> Path:
    return (home or Path.home()) / ".config" / "nemovideo"


def detect_platform(install_path: Path | None = None, home: Path | None = None) -> str:
    """`clawhub` if installed under ~/.clawhub, `cursor` under ~/.cursor/skills, else `unknown`."""
    home = (home or Path.home()).resolve()
    where = (install_path or Path(__file__)).resolve()
    for root, name in ((home / ".clawhub", "clawhub"), (home / ".cursor" / "skills", "cursor")):
        if where.is_relative_to(root):
            return name
    return "unknown"


def load_or_create_client_id(config_dir: Path) -> str:
    """The stable per-machine client id: read it, or create it once (a random UUID)."""
    path = config_dir / "client_id"
    try:
        existing = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        existing = ""
    if existing:
        return existing
    config_dir.mkdir(parents=True, exist_ok=True)
    new_id = str(uuid.uuid4())
    path.write_text(new_id + "\n", encoding="utf-8")
    return new_id


@dataclass(frozen=True)
class ClientConfig:
    api_url: str = DEFAULT_API_URL
    web_url: str = DEFAULT_WEB_URL
    token: str | None = field(default=None, repr=False)
    client_id: str | None = None
    skill_source: str = DEFAULT_SKILL_SOURCE
    skill_version: str = field(default_factory=package_version)
    skill_platform: str = "unknown"
    config_dir: Path = field(default_factory=default_config_dir)

    def __post_init__(self) -> None:
        # Normalise once so every URL join below is a plain f-string.
        object.__setattr__(self, "api_url", self.api_url.rstrip("/"))
        object.__setattr__(self, "web_url", self.web_url.rstrip("/"))
        if self.client_id is not None and not 0 < len(self.client_id) <= CLIENT_ID_MAX_LEN:
            raise ValueError(f"client id must be 1..{CLIENT_ID_MAX_LEN} characters")

    def __repr__(self) -> str:
        return (
            f"ClientConfig(api_url={self.api_url!r}, web_url={self.web_url!r}, "
            f"token={mask(self.token)!r}, client_id={self.client_id!r}, "
            f"skill_source={self.skill_source!r}, skill_version={self.skill_version!r}, "
            f"skill_platform={self.skill_platform!r}, config_dir={str(self.config_dir)!r})"
        )

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        config_dir: Path | None = None,
        home: Path | None = None,
        install_path: Path | None = None,
        **overrides: str | None,
    ) -> ClientConfig:
        """Read the documented variables; explicit keyword overrides win over the env."""
        env = os.environ if environ is None else environ

        def pick(name: str, variable: str, default: str | None) -> str | None:
            override = overrides.get(name)
            return override if override is not None else (env.get(variable) or default)

        directory = config_dir or _env_path(env, "NEMO_CONFIG_DIR") or default_config_dir(home)
        client_id = pick("client_id", "NEMO_CLIENT_ID", None)
        platform = pick("skill_platform", "NEMO_SKILL_PLATFORM", None)
        return cls(
            api_url=pick("api_url", "NEMO_API_URL", DEFAULT_API_URL) or DEFAULT_API_URL,
            web_url=pick("web_url", "NEMO_WEB_URL", DEFAULT_WEB_URL) or DEFAULT_WEB_URL,
            token=pick("token", "NEMO_TOKEN", None),
            client_id=client_id or load_or_create_client_id(directory),
            skill_source=pick("skill_source", "NEMO_SKILL_SOURCE", DEFAULT_SKILL_SOURCE)
            or DEFAULT_SKILL_SOURCE,
            skill_version=overrides.get("skill_version") or package_version(),
            skill_platform=platform or detect_platform(install_path, home),
            config_dir=directory,
        )

    def with_token(self, token: str | None) -> ClientConfig:
        return replace(self, token=token)

    def attribution_headers(self) -> dict[str, str]:
        return {
            "X-Skill-Source": self.skill_source,
            "X-Skill-Version": self.skill_version,
            "X-Skill-Platform": self.skill_platform,
        }


def _env_path(env: Mapping[str, str], name: str) -> Path | None:
    value = env.get(name)
    return Path(value).expanduser() if value else None


@dataclass(frozen=True)
class Policy:
    """Every number the protocol rules use, in one injectable place (seconds).

    The defaults are the documented values; tests and impatient callers pass their own
    (e.g. `Policy(poll_interval=30, max_polls=10)`, the v1.9 render guidance).
    """

    # 5xx / network errors on idempotent calls: `retries` more tries, back-off doubling.
    retries: int = 3
    backoff: float = 1.0
    backoff_factor: float = 2.0
    backoff_max: float = 30.0
    # 429: documented "wait 30s and retry once".
    rate_limit_wait: float = 30.0
    # Stream dropped: wait 30 s, query; then every 60 s; give up after 5 unchanged queries.
    recovery_first_wait: float = 30.0
    recovery_wait: float = 60.0
    recovery_queries: int = 5
    # Only heartbeats for this long = timeout (documented: 10 minutes).
    heartbeat_timeout: float = 10 * 60.0
    # Render polling (4.4 reference: every 10 s, at most 30 polls).
    poll_interval: float = 10.0
    max_polls: int = 30
    # Per-request timeouts for the drivers; a stream's read timeout is the heartbeat one.
    request_timeout: float = 60.0

    def backoff_for(self, attempt: int) -> float:
        return float(min(self.backoff * self.backoff_factor**attempt, self.backoff_max))
