"""`nemo-fake`: serve the fake (record, replay and verify join later)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from mock_server.config import FakeConfig

app = typer.Typer(
    help="nemo-fake: a faithful local fake of the NemoVideo API.", no_args_is_help=True
)


@app.callback()
def _root() -> None:
    """Keep sub-commands explicit (`nemo-fake serve`)."""


@app.command()
def serve(
    host: Annotated[
        str, typer.Option(envvar="NEMO_FAKE_HOST", help="interface to bind")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(envvar="NEMO_FAKE_PORT", help="0 picks a free port")] = 8000,
    seed: Annotated[int | None, typer.Option(help="global seed [env NEMO_FAKE_SEED]")] = None,
    clock: Annotated[
        str | None, typer.Option(help="real | scaled | manual [env NEMO_FAKE_CLOCK]")
    ] = None,
    time_scale: Annotated[
        float | None, typer.Option(help="real s per API s [env NEMO_FAKE_TIME_SCALE]")
    ] = None,
    data_dir: Annotated[
        str | None, typer.Option(help="keep uploads and renders here [env NEMO_FAKE_DATA_DIR]")
    ] = None,
    public_url: Annotated[str | None, typer.Option(help="base URL in cdn_url/outputUrl")] = None,
    error_status: Annotated[str | None, typer.Option(help="ok200 | mapped")] = None,
    render_poll: Annotated[str | None, typer.Option(help="data | legacy | compat")] = None,
    token_expiry: Annotated[str | None, typer.Option(help="7d | never")] = None,
    events: Annotated[str | None, typer.Option(help="adk | typed")] = None,
    heartbeat: Annotated[str | None, typer.Option(help="empty | json | comment")] = None,
    log_level: Annotated[str, typer.Option(help="uvicorn log level")] = "warning",
) -> None:
    """Run the fake on HOST:PORT. Every option is also a NEMO_FAKE_<OPTION> variable."""
    import socket

    import uvicorn

    from mock_server.fake import Fake

    overrides: dict[str, Any] = {
        "seed": seed,
        "clock": clock,
        "time_scale": time_scale,
        "data_dir": data_dir,
        "public_url": public_url,
        "error_status": error_status,
        "render_poll": render_poll,
        "token_expiry": token_expiry,
        "events": events,
        "heartbeat": heartbeat,
    }
    try:
        config = FakeConfig.from_env(**overrides)
    except ValueError as exc:
        typer.echo(f"invalid configuration: {exc}", err=True)
        raise typer.Exit(2) from None
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)  # listening before the URL is printed: early clients queue, not fail
    bound = sock.getsockname()[1]
    url = f"http://{host}:{bound}"
    fake = Fake(config)
    typer.echo(f"nemo-fake listening on {url} (seed {config.seed}, clock {fake.clock.mode})")
    typer.echo(f"export NEMO_API_URL={url}")
    server = uvicorn.Server(uvicorn.Config(fake.app, log_level=log_level, lifespan="off"))
    try:
        server.run(sockets=[sock])
    finally:
        fake.close()


def main() -> None:
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
