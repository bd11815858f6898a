"""`nemo`: the seeds' curl flows as commands.

State lives in env vars (`NEMO_TOKEN`, `NEMO_SESSION_ID`, …) or `<config dir>/state.json`.
Tokens are only ever shown masked. Tests inject transport, sleep and clock through
`CliRuntime` passed as typer's `obj`.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Annotated

import httpx
import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TextColumn,
    TransferSpeedColumn,
)

from nemo_protocol.secrets import mask

from .config import ClientConfig, Policy
from .errors import NemoError
from .events import DisconnectEvent, ErrorEvent, Event, HeartbeatEvent, TextEvent, ToolCallEvent
from .models import RenderStatus, TurnResult
from .store import SavedState, StateStore
from .sync import NemoClient
from .turn import TEMPORARY_ISSUE

STILL_WORKING_EVERY = 120.0  # documented: tell the user "Still working" every 2 minutes


@dataclass
class CliRuntime:
    """What the commands take from the outside world (tests replace all of it)."""

    environ: Mapping[str, str] | None = None
    transport: httpx.BaseTransport | None = None
    sleep: Callable[[float], None] = time.sleep
    monotonic: Callable[[], float] = time.monotonic
    policy: Policy = field(default_factory=Policy)


app = typer.Typer(
    name="nemo",
    help="NemoVideo from the command line: token, session, chat, upload, export.",
    no_args_is_help=True,
    add_completion=False,
)


def _runtime(ctx: typer.Context) -> CliRuntime:
    return ctx.obj if isinstance(ctx.obj, CliRuntime) else CliRuntime()


@contextmanager
def _client(ctx: typer.Context, policy: Policy | None = None) -> Iterator[NemoClient]:
    """A client from env + state file; whatever it learned is saved back, even on error."""
    runtime = _runtime(ctx)
    environ = os.environ if runtime.environ is None else runtime.environ
    config = ClientConfig.from_env(environ)
    store = StateStore(config.config_dir)
    saved = store.load()
    env_session = environ.get("NEMO_SESSION_ID")
    client = NemoClient(
        config.with_token(config.token or saved.token),
        transport=runtime.transport,
        sleep=runtime.sleep,
        monotonic=runtime.monotonic,
        policy=policy or runtime.policy,
        language=saved.language,
        session_id=env_session or saved.session_id,
        task_id=None if env_session else saved.task_id,
        user_id=saved.user_id,
    )
    try:
        with client:
            yield client
    except NemoError as exc:
        _console(stderr=True).print(f"[red]Error:[/red] {exc}")
        raise typer.Exit(1) from exc
    finally:
        store.save(SavedState.of(client.operations))


@app.command()
def token(
    ctx: typer.Context,
    new: Annotated[bool, typer.Option("--new", help="Acquire a fresh anonymous token")] = False,
) -> None:
    """Get (or show) the anonymous token — always masked."""
    console = _console()
    with _client(ctx) as client:
        if new or not client.token:
            info = client.acquire_token()
            extra = f" user {info.user_id}" if info.user_id else ""
            if info.credits is not None:
                extra += f", {info.credits} credits"
            console.print(f"Token: {mask(info.token)}{extra}")
        else:
            console.print(f"Token: {mask(client.token)} (existing)")


@app.command()
def session(
    ctx: typer.Context,
    language: Annotated[str, typer.Option("--language", "-l")] = "en",
) -> None:
    """Create a new project session (it becomes the current one)."""
    with _client(ctx) as client:
        info = client.create_session(language)
        _console().print(f"Session: {info.session_id} (task {info.task_id})")


@app.command()
def chat(
    ctx: typer.Context,
    message: str,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show tool calls")] = False,
) -> None:
    """Send MESSAGE to the agent and stream its answer."""
    console = _console()
    with _client(ctx) as client:
        printer = _EventPrinter(console, _runtime(ctx).monotonic, verbose)
        result = client.send(message, on_event=printer)
        _print_outcome(console, result)


@app.command()
def upload(
    ctx: typer.Context,
    files: Annotated[list[Path] | None, typer.Argument(help="Local media files")] = None,
    url: Annotated[list[str] | None, typer.Option("--url", help="Media URL (repeatable)")] = None,
) -> None:
    """Upload local files and/or URLs into the current session."""
    if not files and not url:
        raise typer.BadParameter("give at least one FILE or --url")
    console = _console()
    with _client(ctx) as client:
        results = []
        if files:
            results.append(client.upload(*files))
        if url:
            results.append(client.upload_urls(url))
        for result in results:
            for item in result.files:
                what = f"{item.file_type or 'file'}"
                if item.duration:
                    what += f", {item.duration:g}s"
                console.print(f"Uploaded {item.filename} ({what}) → {item.cdn_url}")


@app.command()
def credits(ctx: typer.Context) -> None:
    """Show the credit balance."""
    with _client(ctx) as client:
        balance = client.credits()
        _console().print(
            f"Credits: {balance.available} available, {balance.frozen} frozen, {balance.total} total"
        )


@app.command()
def state(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print the raw state")] = False,
) -> None:
    """Show the session's timeline summary."""
    with _client(ctx) as client:
        current = client.state()
        if as_json:
            typer.echo(json.dumps(current.raw, indent=2, ensure_ascii=False))
        else:
            _console().print(current.summary())


@app.command()
def export(
    ctx: typer.Context,
    output: Annotated[Path, typer.Option("--output", "-o")] = Path("output.mp4"),
    interval: Annotated[float | None, typer.Option(help="Seconds between polls")] = None,
    max_polls: Annotated[int | None, typer.Option(help="Give up after this many polls")] = None,
) -> None:
    """Render the current draft and download it."""
    console = _console()
    with _client(ctx, _poll_policy(ctx, interval, max_polls)) as client, _Progress(console) as bar:
        result = client.export(output, on_status=bar.status, on_progress=bar.download)
    console.print(f"Saved {result.path} ({result.bytes} bytes, render {result.render_id})")


@app.command()
def generate(
    ctx: typer.Context,
    prompt: str,
    output: Annotated[Path, typer.Option("--output", "-o")] = Path("output.mp4"),
    language: Annotated[str | None, typer.Option("--language", "-l")] = None,
    reuse_session: Annotated[bool, typer.Option(help="Use the current session")] = False,
    interval: Annotated[float | None, typer.Option(help="Seconds between polls")] = None,
    max_polls: Annotated[int | None, typer.Option(help="Give up after this many polls")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show tool calls")] = False,
) -> None:
    """The whole flow: token → session → PROMPT → wait → export → download."""
    console = _console()
    printer = _EventPrinter(console, _runtime(ctx).monotonic, verbose)
    with _client(ctx, _poll_policy(ctx, interval, max_polls)) as client, _Progress(console) as bar:
        result = client.generate(
            prompt,
            output,
            language=language,
            new_session=not reuse_session,
            on_event=printer,
            on_status=bar.status,
            on_progress=bar.download,
        )
    _print_outcome(console, result.turn)
    console.print(f"Saved {result.export.path} ({result.export.bytes} bytes)")


@app.command()
def claim(ctx: typer.Context) -> None:
    """Print the browser link that hands this session over to nemovideo.com."""
    with _client(ctx) as client:
        _console().print(client.claim_link())


def main() -> None:
    app(prog_name="nemo")


# --- output helpers -----------------------------------------------------------------


def _console(stderr: bool = False) -> Console:
    # soft_wrap: URLs and ids must stay on one line to be copyable.
    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def _poll_policy(ctx: typer.Context, interval: float | None, max_polls: int | None) -> Policy:
    policy = _runtime(ctx).policy
    if interval is not None:
        policy = replace(policy, poll_interval=interval)
    if max_polls is not None:
        policy = replace(policy, max_polls=max_polls)
    return policy


class _EventPrinter:
    """Text goes to the user; tool calls stay quiet (unless -v); heartbeats are throttled."""

    def __init__(self, console: Console, monotonic: Callable[[], float], verbose: bool) -> None:
        self.console = console
        self.monotonic = monotonic
        self.verbose = verbose
        self.last_notice: float | None = None

    def __call__(self, event: Event) -> None:
        if isinstance(event, TextEvent):
            if (
                not event.partial
                and not event.thought
                and TEMPORARY_ISSUE not in event.text.lower()
            ):
                self.console.print(event.text.strip("\n"))
        elif isinstance(event, ToolCallEvent):
            if self.verbose:
                self.console.print(f"[dim]… {event.name}[/dim]")
        elif isinstance(event, HeartbeatEvent):
            now = self.monotonic()
            if self.last_notice is None or now - self.last_notice >= STILL_WORKING_EVERY:
                self.last_notice = now
                self.console.print("⏳ Still working...")
        elif isinstance(event, DisconnectEvent):
            self.console.print(
                "[yellow]Connection lost. Not re-sending; checking the session state…[/yellow]"
            )
        elif isinstance(event, ErrorEvent) and not event.fatal:
            self.console.print(f"[yellow]Agent warning: {event.message}[/yellow]")


def _print_outcome(console: Console, result: TurnResult) -> None:
    if result.recovered:
        console.print("[yellow]The stream dropped; outcome read from the session state.[/yellow]")
    # `changes` is only filled for silent or recovered turns.
    if result.changes:
        console.print("Updated:")
        for change in result.changes:
            console.print(f"  • {change}")
    elif result.silent:
        console.print("(no reply and no visible change)")


class _Progress:
    """A rich progress display for render status and download bytes."""

    def __init__(self, console: Console) -> None:
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.percentage:>3.0f}%"),
            DownloadColumn(),
            TransferSpeedColumn(),
            console=console,
            transient=True,
            disable=not console.is_terminal,
        )
        self.render_task: TaskID | None = None
        self.download_task: TaskID | None = None
        self.console = console

    def __enter__(self) -> _Progress:
        self.progress.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.__exit__(None, None, None)

    def status(self, status: RenderStatus) -> None:
        if self.render_task is None:
            self.render_task = self.progress.add_task("Rendering", total=100)
        self.progress.update(self.render_task, completed=float(status.progress or 0))
        if not self.console.is_terminal:
            self.console.print(f"⏳ Render {status.status} {status.progress or 0:g}%")

    def download(self, done: int, total: int | None) -> None:
        if self.download_task is None:
            self.download_task = self.progress.add_task("Downloading", total=total)
        self.progress.update(self.download_task, completed=done, total=total)


if __name__ == "__main__":  # pragma: no cover
    main()
