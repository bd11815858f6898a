"""`nemo-fake`: serve the fake; record, replay, verify and import-har sessions."""

from __future__ import annotations

import inspect
import os
import typing
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer
from pydantic.fields import FieldInfo

from mock_server.config import (
    FakeConfig,
    ValidationError,
    allows_none,
    explain,
    parse_assignment,
    sequence_kind,
)

if TYPE_CHECKING:
    from mock_server.clock import Clock

# `serve` with no clock settings runs the quick clock: at 0.01 real s per API s a 300 s
# generation takes 3 s with a heartbeat every 0.15 s, and the seeds' whole flow (~6 API
# minutes) ~4 s, leaving the rest of a 30 s first try to the real encoder and the client's
# own poll interval. FakeConfig keeps `real` (tests and the Python API choose explicitly).
QUICK_TIME_SCALE = 0.01

# Seconds Ctrl-C waits for open responses: an inspector tab's live feed never ends by itself.
SHUTDOWN_GRACE = 3

app = typer.Typer(
    help="nemo-fake: a faithful local fake of the NemoVideo API.", no_args_is_help=True
)


@app.callback()
def _root() -> None:
    """Keep sub-commands explicit (`nemo-fake serve`)."""


# --- serve: one option per FakeConfig field, generated, so a new field is a new option


SERVE_OPTIONS = ("host", "port", "workers", "log_level", "set_", "print_config", "insecure_admin")
SETTINGS_PANEL = "Settings (also NEMO_FAKE_<SETTING> variables and --set KEY=VALUE)"


def option_name(field: str) -> str:
    return "--" + field.replace("_", "-")


def _metavar(annotation: Any) -> str:
    choices = [a for a in typing.get_args(annotation) if isinstance(a, str)]
    if typing.get_origin(annotation) is Literal and choices:
        return "[" + "|".join(choices) + "]"
    kind = sequence_kind(annotation)
    if kind is tuple:
        return "MIN,MAX"
    if kind is list:
        return "A,B,..."
    named = [a for a in (annotation, *typing.get_args(annotation)) if isinstance(a, type)]
    names = [a.__name__.upper() for a in named if a is not type(None)]
    return (names[0] if names else "TEXT") + ("|none" if allows_none(annotation) else "")


def _shown_default(field: FieldInfo) -> str:
    default = field.get_default(call_default_factory=True)
    if isinstance(default, list | tuple):
        return ",".join(map(str, default))
    return "none" if default is None else str(default)


def _setting_parameters() -> list[inspect.Parameter]:
    """A keyword-only `str | None` parameter per FakeConfig field: typer makes each an
    option; the text goes through FakeConfig's own parsing and validation."""
    params = []
    for name, field in FakeConfig.model_fields.items():
        if name in SERVE_OPTIONS:  # pragma: no cover - a field named like a serve option
            continue  # still reachable with --set
        option = typer.Option(
            option_name(name),
            metavar=_metavar(field.annotation),
            help=field.description or name.replace("_", " "),
            show_default=_shown_default(field),
            rich_help_panel=SETTINGS_PANEL,
        )
        params.append(
            inspect.Parameter(
                name,
                inspect.Parameter.KEYWORD_ONLY,
                default=None,
                annotation=Annotated[str | None, option],
            )
        )
    return params


def resolve_config(settings: dict[str, str | None], assignments: list[str]) -> FakeConfig:
    """Environment < generated options < `--set` (later wins), validated as one
    `PATCH /_fake/config` would be; raises ValueError with the same wording."""
    values: dict[str, Any] = {k: v for k, v in settings.items() if v is not None}
    for item in assignments:
        key, value = parse_assignment(item)
        if key not in FakeConfig.model_fields:
            raise ValueError(f"{key}: no such setting (see nemo-fake serve --help)")
        values[key] = value
    try:
        return FakeConfig.from_env(**values)
    except ValidationError as exc:
        raise ValueError(explain(exc)) from None


def serve(
    host: Annotated[
        str, typer.Option(envvar="NEMO_FAKE_HOST", help="interface to bind")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(envvar="NEMO_FAKE_PORT", help="0 picks a free port")] = 8000,
    workers: Annotated[
        int,
        typer.Option(min=1, envvar="NEMO_FAKE_WORKERS", help="processes (needs a shared store)"),
    ] = 1,
    log_level: Annotated[str, typer.Option(help="uvicorn log level")] = "warning",
    set_: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            metavar="KEY=VALUE",
            help="any setting, e.g. --set media_max_side=320 (repeatable; wins over options)",
        ),
    ] = None,
    print_config: Annotated[
        bool,
        typer.Option("--print-config", help="print the resolved settings as JSON and exit"),
    ] = False,
    insecure_admin: Annotated[
        bool,
        typer.Option(
            "--insecure-admin", help="bind a non-loopback HOST with the admin API open to all"
        ),
    ] = False,
    **settings: str | None,
) -> None:
    """Run the fake on HOST:PORT. Every setting is an option below, a `--set KEY=VALUE`
    and a NEMO_FAKE_<SETTING> environment variable (options win over the environment)."""
    import json

    import uvicorn

    from mock_server.app import build_app
    from mock_server.fake import Fake
    from mock_server.http.protocol import connection_options

    try:
        chosen = quick_clock({**settings, **dict(map(parse_assignment, set_ or []))})
        clock = {k: chosen[k] for k in ("clock", "time_scale") if chosen.get(k) is not None}
        config = resolve_config({**settings, **clock}, set_ or [])
    except ValueError as exc:
        typer.echo(f"invalid configuration: {exc}", err=True)
        raise typer.Exit(2) from None
    if print_config:
        typer.echo(json.dumps(config.model_dump(mode="json"), indent=2))
        return
    if config.admin_token is None and not insecure_admin and not is_loopback(host):
        typer.echo(
            f"refusing to bind {host}: anyone who reaches it could drive the admin API "
            "(/_fake/*: reset, accounts, config). Pass --admin-token TOKEN (or set "
            "NEMO_FAKE_ADMIN_TOKEN), or --insecure-admin if the network is yours alone.",
            err=True,
        )
        raise typer.Exit(2)
    if workers > 1:
        _serve_workers(config, host, port, workers, log_level)
        return
    sock, url = _bind(host, port)  # listening before the URL is printed: clients queue
    fake = Fake(config)
    typer.echo(f"nemo-fake listening on {url} (seed {config.seed}, {clock_banner(fake.clock)})")
    typer.echo(f"export NEMO_API_URL={url}")
    typer.echo(f"inspector: {url}/_fake/ui")
    server = uvicorn.Server(
        _uvicorn_config(build_app(fake), log_level, **connection_options(config))
    )
    try:
        server.run(sockets=[sock])
    finally:
        fake.close()


def quick_clock(overrides: dict[str, Any], environ: dict[str, str] | None = None) -> dict[str, Any]:
    """`overrides` with the quick scaled clock filled in where neither an option (or
    `--set`) nor a NEMO_FAKE_CLOCK / NEMO_FAKE_TIME_SCALE variable chose one."""
    env = os.environ if environ is None else environ
    clock = overrides.get("clock") or env.get("NEMO_FAKE_CLOCK")
    scale = overrides.get("time_scale") or env.get("NEMO_FAKE_TIME_SCALE")
    if scale is not None or clock not in (None, "scaled"):
        return overrides
    return {**overrides, "clock": "scaled", "time_scale": QUICK_TIME_SCALE}


def clock_banner(clock: Clock) -> str:
    """Which clock runs and how to change it, for the start-up line."""
    if clock.mode == "manual":
        return "clock manual: only POST /_fake/clock/advance moves it"
    if clock.mode == "real":
        return f"clock real; --clock scaled runs it {1 / QUICK_TIME_SCALE:g}x faster"
    return f"clock scaled {1 / clock.time_scale:g}x faster than real; --clock real for live timing"


def is_loopback(host: str) -> bool:
    """Only this machine can reach `host` (names other than localhost count as public)."""
    import ipaddress

    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _serve_workers(config: FakeConfig, host: str, port: int, workers: int, log_level: str) -> None:
    import os
    import shutil
    import tempfile

    from uvicorn.supervisors import Multiprocess

    from mock_server.config import WORKER_CONFIG_ENV
    from mock_server.domain.stores import default_data_dir
    from mock_server.http.protocol import connection_options

    if config.store == "memory://":
        typer.echo(
            "--workers needs a shared store: --store sqlite:///fake.db or redis://host:6379/0",
            err=True,
        )
        raise typer.Exit(2)
    own_dir = None
    if config.data_dir is None and default_data_dir(config.store) is None:
        # every worker must find every upload and render: one directory for all
        own_dir = tempfile.mkdtemp(prefix="nemo-fake-")
        config = config.patched({"data_dir": own_dir})
    sock, url = _bind(host, port)
    typer.echo(
        f"nemo-fake listening on {url} (seed {config.seed}, clock {config.clock_mode}, "
        f"{workers} workers on {config.store.split('://')[0]})"
    )
    typer.echo(f"export NEMO_API_URL={url}")
    try:
        os.environ[WORKER_CONFIG_ENV] = (
            config.model_dump_json()
        )  # what each worker builds its fake from
        uv = _uvicorn_config(
            "mock_server.workers:app",
            log_level,
            factory=True,
            workers=workers,
            **connection_options(config, workers=True),
        )
        Multiprocess(uv, sockets=[sock]).run()
    finally:
        if own_dir is not None:
            shutil.rmtree(own_dir, ignore_errors=True)


serve.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
    [
        *(
            p
            for p in inspect.signature(serve, eval_str=True).parameters.values()
            if p.name != "settings"
        ),
        *_setting_parameters(),
    ]
)
app.command()(serve)


# --- record / replay / verify / import-har (mock_server/recording)


def _bind(host: str, port: int) -> tuple[Any, str]:
    from mock_server.sockets import listen, url_of

    try:
        sock = listen(host, port)
    except OSError as exc:
        typer.echo(f"cannot listen on {host}:{port}: {exc.strerror or exc}", err=True)
        raise typer.Exit(2) from None
    return sock, url_of(host, sock)


def _uvicorn_config(asgi: Any, log_level: str, **extra: Any) -> Any:
    """uvicorn's settings for the fake, the proxy and the replay server: its own logging
    with every line passed through the secrets mask (the access log prints request
    targets, `?token=…` included)."""
    import copy

    import uvicorn
    from uvicorn.config import LOGGING_CONFIG

    logging_config = copy.deepcopy(LOGGING_CONFIG)
    logging_config["filters"] = {"mask": {"()": "nemo_protocol.secrets.MaskingFilter"}}
    for handler in logging_config["handlers"].values():
        handler["filters"] = ["mask"]
    return uvicorn.Config(
        asgi,
        log_level=log_level,
        log_config=logging_config,
        lifespan="off",
        access_log=_access_log(log_level),
        timeout_graceful_shutdown=SHUTDOWN_GRACE,
        **extra,
    )


def _access_log(log_level: str) -> bool:
    """uvicorn formats an access line for every request whenever its logger has handlers,
    even at a level that then drops the line: ask for access logs only where they print."""
    return log_level.strip().lower() in ("trace", "debug", "info")


def _run_uvicorn(asgi: Any, sock: Any, log_level: str) -> None:
    import uvicorn

    uvicorn.Server(_uvicorn_config(asgi, log_level)).run(sockets=[sock])


@app.command()
def record(
    upstream: Annotated[
        str, typer.Option(help="base URL to forward to, e.g. https://mega-api-prod.nemovideo.ai")
    ],
    cassette_dir: Annotated[
        Path, typer.Option(help="directory for the cassette (one JSON file per session)")
    ],
    port: Annotated[
        int, typer.Option(help="port of the recording proxy; 0 picks a free one")
    ] = 8001,
    host: Annotated[str, typer.Option(help="interface to bind")] = "127.0.0.1",
    max_requests: Annotated[
        int | None, typer.Option(help="forward at most N requests, then answer 429")
    ] = None,
    allow_spend: Annotated[
        bool,
        typer.Option("--allow-spend", help="forward POST /run_sse (agent turns may spend credits)"),
    ] = False,
    name: Annotated[
        str | None, typer.Option(help="cassette name (default session-<UTC time>)")
    ] = None,
    client: Annotated[
        str | None, typer.Option(help="provenance.client (default: the first User-Agent)")
    ] = None,
    description: Annotated[
        str | None, typer.Option(help="free text stored in the cassette")
    ] = None,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="replace an existing cassette of that name")
    ] = False,
    log_level: Annotated[str, typer.Option(help="uvicorn log level")] = "warning",
) -> None:
    """Record a session: a reverse proxy to UPSTREAM that writes a redacted cassette."""
    from datetime import UTC, datetime

    from mock_server.recording.record import RecordingProxy

    if not upstream.startswith(("http://", "https://")):
        typer.echo("--upstream must be an http(s) URL", err=True)
        raise typer.Exit(2)
    if max_requests is not None and max_requests < 1:
        typer.echo("--max-requests must be at least 1", err=True)
        raise typer.Exit(2)
    name = name or datetime.now(UTC).strftime("session-%Y%m%dT%H%M%SZ")
    target = cassette_dir / (name if name.endswith(".json") else f"{name}.json")
    if target.exists() and not overwrite:
        typer.echo(f"{target} exists; pick another --name or pass --overwrite", err=True)
        raise typer.Exit(2)
    proxy = RecordingProxy(
        upstream,
        target,
        max_requests=max_requests,
        allow_spend=allow_spend,
        client=client,
        description=description,
    )
    sock, url = _bind(host, port)
    typer.echo(f"nemo-fake record: {url} -> {upstream}; cassette {target}")
    guard = f"at most {max_requests} requests" if max_requests else "no request limit"
    typer.echo(
        f"budget: {guard}; /run_sse {'forwarded (--allow-spend)' if allow_spend else 'refused (403) without --allow-spend'}"
    )
    typer.echo(f"export NEMO_API_URL={url}")
    try:
        _run_uvicorn(proxy, sock, log_level)
    finally:
        count = len(proxy.exchanges)
        typer.echo(f"recorded {count} interaction(s) to {target}" if count else "nothing recorded")


@app.command()
def replay(
    cassette: Annotated[Path, typer.Argument(help="the cassette JSON file")],
    speed: Annotated[
        float, typer.Option(help="SSE timing: 1 as recorded, N times faster, 0 no waiting")
    ] = 1.0,
    port: Annotated[int, typer.Option(help="0 picks a free port")] = 8002,
    host: Annotated[str, typer.Option(help="interface to bind")] = "127.0.0.1",
    media: Annotated[
        list[Path] | None,
        typer.Option(help="folders with files to serve for recorded downloads (by sha256)"),
    ] = None,
    log_level: Annotated[str, typer.Option(help="uvicorn log level")] = "warning",
) -> None:
    """Serve a cassette's recorded responses (unmatched requests: 404 with the nearest miss)."""
    from mock_server.recording.cassette import CassetteError
    from mock_server.recording.replay import ReplayApp

    if speed < 0:
        typer.echo("--speed must be >= 0", err=True)
        raise typer.Exit(2)
    try:
        replay_app = ReplayApp(cassette, speed=speed, media_dirs=media or ())
    except CassetteError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    sock, url = _bind(host, port)
    count = len(replay_app.cassette.interactions)
    typer.echo(
        f"nemo-fake replay: {url} serving {count} interaction(s) from {cassette} (speed {speed:g})"
    )
    typer.echo(f"export NEMO_API_URL={url}")
    typer.echo(f"inspector: {url}/_fake/ui")
    try:
        _run_uvicorn(replay_app, sock, log_level)
    finally:
        status = replay_app.status()
        typer.echo(
            f"served {len(status['served'])}, unused {len(status['unused'])}, misses {len(status['misses'])}"
        )
        for miss in status["misses"]:
            typer.echo(f"  miss: {miss['message']}")


@app.command()
def verify(
    cassettes: Annotated[
        list[Path], typer.Argument(help="cassette files to check against a fresh fake")
    ],
    seed: Annotated[
        int, typer.Option(help="the fake's seed (use the one the cassette was made with)")
    ] = 0,
    time_scale: Annotated[
        float, typer.Option(help="API seconds per recorded second between requests")
    ] = 1.0,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="fake config KEY=VALUE (e.g. render_poll=legacy)"),
    ] = None,
    media: Annotated[
        list[Path] | None, typer.Option(help="folders with the recorded upload files (by sha256)")
    ] = None,
    html: Annotated[
        Path | None, typer.Option(help="also write the report as a web page to this file")
    ] = None,
) -> None:
    """Drift report: replay each cassette's requests against the fake and compare responses."""
    from rich.console import Console

    from mock_server.recording.verify import print_reports, verify_cassette

    config: dict[str, Any] = {}
    try:
        for item in set_ or []:
            key, value = parse_assignment(item)
            config[key] = value
        FakeConfig(**config)
    except ValidationError as exc:
        typer.echo(f"invalid --set: {explain(exc)}", err=True)
        raise typer.Exit(2) from None
    except ValueError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    reports = [
        verify_cassette(
            path, seed=seed, time_scale=time_scale, media_dirs=media or (), config=config
        )
        for path in cassettes
    ]
    print_reports(reports, Console())
    if html is not None:
        from mock_server.inspector.report import write_drift_html

        typer.echo(f"drift report written to {write_drift_html(reports, html)}")
    if any(r.error for r in reports):
        raise typer.Exit(2)
    if any(r.drift for r in reports):
        raise typer.Exit(1)


@app.command("import-har")
def import_har(
    har: Annotated[Path, typer.Argument(help="a HAR 1.2 file (devtools: Save all as HAR)")],
    output: Annotated[Path, typer.Option("-o", "--output", help="the cassette to write")],
    base_url: Annotated[
        str | None, typer.Option(help="the API origin to keep (default: guessed)")
    ] = None,
    description: Annotated[
        str | None, typer.Option(help="free text stored in the cassette")
    ] = None,
) -> None:
    """Convert a browser HAR export into a redacted cassette."""
    from mock_server.recording.cassette import CassetteError
    from mock_server.recording.har import import_har as convert

    try:
        cassette = convert(har, base_url=base_url, description=description)
    except CassetteError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    errors = cassette.validate()
    if errors:
        typer.echo("the cassette does not match the schema:\n  " + "\n  ".join(errors), err=True)
        raise typer.Exit(1)
    cassette.save(output)
    placeholders = ", ".join(cassette.placeholders) or "none"
    typer.echo(
        f"wrote {output}: {len(cassette.interactions)} interaction(s); placeholders: {placeholders}"
    )


def main() -> None:
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
