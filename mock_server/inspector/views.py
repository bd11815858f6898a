"""View models of a running fake for the inspector's pages: plain values read from the
`Fake` façade (its store, journal, faults, clock, config), under the service lock.

Nothing here changes state, except `Sessions.apply_due`, which every state read of the
API does too: the page shows a session as a client reading it now would see it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Any

from mock_server.clock import iso
from mock_server.config import FakeConfig
from mock_server.inspector.frames import FrameEvent, stream_events
from mock_server.inspector.timeline import TimelineView, timeline
from mock_server.journal import JournalEntry

if TYPE_CHECKING:
    from mock_server.domain.model import MediaFile, Render, Session, Turn
    from mock_server.fake import Fake

TEMPORARY_ISSUE = "temporary issue"  # the stray "I encountered a temporary issue" reply
STREAM_PATH = "/run_sse"
JOURNAL_ROWS = 500  # newest rows drawn on the journal page
GLOB_CHARS = set("*?[")


def pretty(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)


def _same(model: object, *names: str) -> dict[str, Any]:
    """The named attributes of a model, for a view's fields of the same names."""
    return {name: getattr(model, name) for name in names}


# --- sessions -----------------------------------------------------------------------------


@dataclass
class SessionRow:
    session_id: str
    task_name: str
    user_id: str
    created: str
    created_at: float
    turns: int
    running: bool
    tracks: int
    duration_ms: int
    last_message: str | None


@dataclass
class AccountRow:
    user_id: str
    kind: str
    plan: str
    available: int
    frozen: int
    created: str
    sessions: list[SessionRow]


def accounts_overview(fake: Fake) -> list[AccountRow]:
    """Every account with its sessions, newest first (accounts by their newest session)."""
    service = fake.service
    with service.lock:
        now = service.clock.now()
        by_user: dict[str, list[SessionRow]] = {}
        for session in service.store.all_sessions():
            by_user.setdefault(session.user_id, []).append(_session_row(session, now))
        rows = []
        for account in service.store.all_accounts():
            sessions = sorted(
                by_user.get(account.user_id, []), key=lambda s: s.created_at, reverse=True
            )
            rows.append(
                AccountRow(
                    **_same(account, "user_id", "kind", "plan", "available", "frozen"),
                    created=iso(account.created_at),
                    sessions=sessions,
                )
            )
    newest = {r.user_id: max([s.created_at for s in r.sessions], default=0.0) for r in rows}
    return sorted(rows, key=lambda r: (newest[r.user_id], r.created), reverse=True)


def _session_row(session: Session, now: float) -> SessionRow:
    draft = session.draft if isinstance(session.draft, dict) else {}
    view = timeline(draft)
    return SessionRow(
        **_same(session, "session_id", "task_name", "user_id", "created_at"),
        created=iso(session.created_at),
        turns=len(session.turns),
        running=session.running_turn(now) is not None,
        tracks=sum(1 for lane in view.lanes if lane.segments),
        duration_ms=0 if view.empty else view.duration_ms,
        last_message=session.turns[-1].message if session.turns else None,
    )


# --- one session --------------------------------------------------------------------------


@dataclass
class EventRow:
    kind: str  # text | call | result | heartbeats | error | other
    offset: float  # API seconds after the turn started
    text: str = ""
    tool: str = ""
    payload: str = ""  # pretty JSON
    brief: str = ""  # the payload on one line, cut short
    count: int = 1  # heartbeats folded into one row
    temporary_issue: bool = False


@dataclass
class TurnView:
    number: int
    kind: str
    message: str
    started: str
    started_at: float
    ends_in: float  # API seconds from start to the end of the turn
    elapsed: float  # API seconds since it started (while running)
    running: bool
    events: list[EventRow]
    heartbeats: int
    charges: list[dict[str, Any]]
    silent_close: bool
    temporary_issue: bool
    stream_seq: int | None  # the journal entry of its /run_sse, when still in the journal
    stream_note: str | None  # cut, dropped, client gone...


@dataclass
class MediaView:
    media_id: str
    filename: str
    file_type: str
    source: str
    duration: float | None
    size: str | None
    url: str | None
    thumb: bool  # a thumbnail can be drawn (the file exists)
    prompt: str | None = None


@dataclass
class RenderView:
    render_id: str
    public_key: str  # unique and unguessable: what the page's <video> asks for
    session_id: str
    user_id: str
    status: str
    progress: int
    fmt: str
    submitted: str
    completed: str | None
    error: str | None
    duration: float
    size: int
    playable: bool


@dataclass
class SessionView:
    session_id: str
    task_id: str
    task_name: str
    language: str | None
    user_id: str
    created: str
    turns: list[TurnView]
    rejected: list[dict[str, Any]]  # /run_sse requests that started no turn
    timeline: TimelineView
    media: list[MediaView]
    canvas: dict[str, Any]
    renders: list[RenderView]
    state_json: str
    extra: dict[str, Any] = field(default_factory=dict)


def session_view(fake: Fake, session_id: str) -> SessionView | None:
    service = fake.service
    with service.lock:
        session = service.store.session(session_id)
        if session is None:
            return None
        service.sessions.apply_due(session)
        now = service.clock.now()
        streams = [
            e for e in fake.journal.entries(path=STREAM_PATH) if _session_of(e) == session_id
        ]
        turns, used = _turns(fake, session, streams, now)
        rejected = [
            {
                "seq": e.seq,
                "time": iso(e.time),
                "status": e.status,
                "code": e.code,
                "message": _message_of(e.response_body),
                "fault_id": e.fault_id,
            }
            for e in streams
            if e.seq not in used and e.events is None and e.status
        ]
        renders = [
            render_view(fake, r) for r in service.store.all_renders() if r.session_id == session_id
        ]
        return SessionView(
            **_same(session, "session_id", "task_id", "task_name", "language", "user_id"),
            created=iso(session.created_at),
            turns=turns,
            rejected=rejected,
            timeline=timeline(session.draft),
            media=_media(fake, session),
            canvas=dict(session.canvas_config),
            renders=sorted(renders, key=lambda r: r.submitted, reverse=True),
            state_json=pretty(session.state()),
        )


def _session_of(entry: JournalEntry) -> str | None:
    body = entry.body
    if isinstance(body, dict):
        value = body.get("session_id", body.get("sessionId"))
        return None if value is None else str(value)
    return None


def _message_of(body: Any) -> str | None:
    if isinstance(body, dict):
        for key in ("message", "error"):
            if isinstance(body.get(key), str):
                return str(body[key])
    return None


def _turns(
    fake: Fake, session: Session, streams: list[JournalEntry], now: float
) -> tuple[list[TurnView], set[int]]:
    """Each turn of the session with the events its stream sent, as the journal kept them.
    A stream is found by the invocation id its ADK events carry, else by time (typed)."""
    sse = [e for e in streams if e.events is not None]
    parsed = {e.seq: stream_events(e.frames) for e in sse}
    used: set[int] = set()
    views = []
    for index, turn in enumerate(session.turns):
        entry = next(
            (
                e
                for e in sse
                if e.seq not in used
                and any(ev.invocation_id == turn.invocation_id for ev in parsed[e.seq])
            ),
            None,
        ) or next(
            (
                e
                for e in reversed(sse)
                if e.seq not in used
                and e.time <= turn.started_at + 1e-6
                and not any(ev.invocation_id for ev in parsed[e.seq])
            ),
            None,
        )
        if entry is not None:
            used.add(entry.seq)
        views.append(
            _turn_view(
                fake, turn, index + 1, entry, parsed.get(entry.seq, []) if entry else [], now
            )
        )
    return views, used


def _turn_view(
    fake: Fake,
    turn: Turn,
    number: int,
    entry: JournalEntry | None,
    events: list[FrameEvent],
    now: float,
) -> TurnView:
    rows: list[EventRow] = []
    heartbeats = 0
    for event in events:
        if event.partial:
            continue  # the aggregated event that follows carries the whole text
        offset = round(event.at - turn.started_at, 3)
        if event.kind == "heartbeat":
            heartbeats += 1
            if rows and rows[-1].kind == "heartbeats":
                rows[-1].count += 1
            else:
                rows.append(EventRow("heartbeats", offset))
            continue
        rows.append(
            EventRow(
                kind=event.kind,
                offset=offset,
                text=event.text,
                tool=event.tool,
                payload="" if event.payload is None else pretty(event.payload),
                brief=_brief(event.payload),
                temporary_issue=event.kind == "text" and TEMPORARY_ISSUE in event.text.lower(),
            )
        )
    running = turn.ends_at > now
    spoken = [r for r in rows if r.kind in ("text", "call", "result")]
    note = None
    if entry is None:
        note = "stream not in the journal (cleared, or older than its capacity)"
    elif entry.extra.get("cut"):
        note = f"stream cut by fault {entry.fault_id}" if entry.fault_id else "stream cut"
    elif not entry.completed and not running:
        note = "the client left before the stream ended"
    charges = []
    for ref in turn.holds:
        hold = fake.service.store.hold(ref)
        if hold is not None:
            charges.append({"ref": ref, "amount": hold.amount, "state": hold.state})
    complete = entry is not None and entry.completed and not entry.extra.get("cut")
    return TurnView(
        number=turn.number or number,
        kind=turn.kind,
        message=turn.message,
        started=iso(turn.started_at),
        started_at=turn.started_at,
        ends_in=round(turn.ends_at - turn.started_at, 3),
        elapsed=round(min(now, turn.ends_at) - turn.started_at, 1),
        running=running,
        events=rows,
        heartbeats=heartbeats,
        charges=charges,
        silent_close=complete and bool(spoken) and spoken[-1].kind != "text",
        temporary_issue=any(r.temporary_issue for r in rows),
        stream_seq=entry.seq if entry else None,
        stream_note=note,
    )


def _brief(payload: Any, limit: int = 140) -> str:
    if payload is None:
        return ""
    text = json.dumps(payload, ensure_ascii=False, separators=(", ", ": "), default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _media(fake: Fake, session: Session) -> list[MediaView]:
    store = fake.service.store
    seen: set[str] = set()
    out = []
    labels = {g.get("id"): g for g in session.generated_media if isinstance(g, dict)}
    for info in [*session.video_infos, *session.generated_media]:
        media_id = info.get("id") if isinstance(info, dict) else None
        if not isinstance(media_id, str) or media_id in seen:
            continue
        seen.add(media_id)
        media = store.media(media_id)
        if media is None:
            continue
        out.append(_media_view(media, info, labels.get(media_id)))
    return out


def _media_view(media: MediaFile, info: dict[str, Any], label: dict[str, Any] | None) -> MediaView:
    size = f"{media.width}x{media.height}" if media.width and media.height else None
    exists = media.path is not None and media.path.is_file() and media.path.stat().st_size > 0
    return MediaView(
        **_same(media, "media_id", "filename", "file_type", "source", "duration"),
        size=size,
        url=info.get("cdn_url") if isinstance(info.get("cdn_url"), str) else None,
        thumb=exists and media.file_type in ("video", "image"),
        prompt=str(label.get("prompt")) if label and label.get("prompt") else None,
    )


def media_file(fake: Fake, media_id: str) -> MediaFile | None:
    with fake.service.lock:
        return fake.service.store.media(media_id)


# --- renders ------------------------------------------------------------------------------


def render_view(fake: Fake, render: Render) -> RenderView:
    renders = fake.service.renders
    view = renders.view(render)
    completed = view.get("completedAt")
    return RenderView(
        **_same(render, "render_id", "public_key", "session_id", "user_id"),
        status=view["status"],
        progress=view["progress"],
        fmt=str(render.output.get("format", "mp4")),
        submitted=iso(render.submitted_at),
        completed=iso(completed / 1000) if completed else None,
        error=view.get("error"),
        duration=round(render.media_duration, 3),
        size=render.size,
        playable=view["status"] == "completed" and render.artifact is not None,
    )


def renders_overview(fake: Fake) -> list[RenderView]:
    with fake.service.lock:
        renders = fake.service.store.all_renders()
        views = [render_view(fake, r) for r in renders]
    return sorted(views, key=lambda r: r.submitted, reverse=True)


def render_record(fake: Fake, public_key: str) -> Render | None:
    """Render ids are per user; the page names a render by its unique public key."""
    with fake.service.lock:
        return fake.service.store.published_render(public_key)


# --- journal ------------------------------------------------------------------------------


@dataclass
class JournalFilter:
    method: str = ""
    path: str = ""
    status: str = ""
    code: str = ""

    @classmethod
    def from_query(cls, query: Any) -> JournalFilter:
        return cls(
            method=(query.get("method") or "").strip().upper(),
            path=(query.get("path") or "").strip(),
            status=(query.get("status") or "").strip(),
            code=(query.get("code") or "").strip(),
        )

    def matches(self, entry: JournalEntry) -> bool:
        if self.method and entry.method != self.method:
            return False
        if self.path:
            pattern = self.path if GLOB_CHARS & set(self.path) else f"*{self.path}*"
            if not fnmatchcase(entry.path, pattern):
                return False
        if self.status and str(entry.status) != self.status:
            return False
        return not self.code or str(entry.code) == self.code

    @property
    def active(self) -> bool:
        return bool(self.method or self.path or self.status or self.code)


def journal_rows(fake: Fake, flt: JournalFilter) -> tuple[list[JournalEntry], int]:
    """The newest matching entries (newest first) and how many match in all."""
    found = [e for e in fake.journal.entries() if flt.matches(e)]
    return list(reversed(found[-JOURNAL_ROWS:])), len(found)


def journal_entry(fake: Fake, seq: int) -> JournalEntry | None:
    return next((e for e in fake.journal.entries() if e.seq == seq), None)


@dataclass
class FrameRow:
    index: int
    at: str
    offset: float
    kind: str
    summary: str
    raw: str


def frame_rows(entry: JournalEntry) -> list[FrameRow]:
    rows = []
    for i, event in enumerate(stream_events(entry.frames), start=1):
        if event.kind == "text":
            summary = event.text
        elif event.kind in ("call", "result"):
            summary = f"{event.tool} {json.dumps(event.payload, ensure_ascii=False)}"
        elif event.kind == "error":
            summary = event.text
        else:
            summary = ""
        rows.append(
            FrameRow(
                index=i,
                at=iso(event.at),
                offset=round(event.at - entry.time, 3),
                kind=f"{event.kind} (partial)" if event.partial else event.kind,
                summary=summary[:300],
                raw=event.raw,
            )
        )
    return rows


# --- control ------------------------------------------------------------------------------


@dataclass
class ConfigField:
    name: str
    value: str  # as shown in the form
    kind: str  # select | int | float | bool | floats | strs | str
    choices: list[str]
    nullable: bool
    frozen: bool
    description: str


def config_fields(fake: Fake, frozen: set[str]) -> list[ConfigField]:
    """One form field per FakeConfig setting, typed from its JSON Schema."""
    schema = FakeConfig.model_json_schema()
    values = fake.config.model_dump(mode="json")
    out = []
    for name, prop in schema["properties"].items():
        variants = prop.get("anyOf", [prop])
        nullable = any(v.get("type") == "null" for v in variants)
        main = next((v for v in variants if v.get("type") != "null"), prop)
        kind, choices = _field_kind(main)
        value = values.get(name)
        if value is None:
            shown = ""
        elif isinstance(value, list):
            shown = ",".join(f"{v:g}" if isinstance(v, float) else str(v) for v in value)
        elif isinstance(value, bool):
            shown = "true" if value else "false"
        else:
            shown = str(value)
        out.append(
            ConfigField(
                name=name,
                value=shown,
                kind=kind,
                choices=choices,
                nullable=nullable,
                frozen=name in frozen,
                description=str(prop.get("description") or ""),
            )
        )
    return out


def _field_kind(prop: dict[str, Any]) -> tuple[str, list[str]]:
    if "enum" in prop:
        return "select", [str(c) for c in prop["enum"]]
    kind = prop.get("type")
    if kind == "integer":
        return "int", []
    if kind == "number":
        return "float", []
    if kind == "boolean":
        return "bool", []
    if kind == "array":
        items = prop.get("items") or (prop.get("prefixItems") or [{}])[0]
        return ("floats" if items.get("type") == "number" else "strs"), []
    return "str", []


# --- live ---------------------------------------------------------------------------------


def fingerprint(fake: Fake) -> str:
    """Changes whenever something a page shows changes (polled by the live feed)."""
    service = fake.service
    with service.lock:
        now = service.clock.now()
        sessions = service.store.all_sessions()
        renders = service.store.all_renders()
        moving = [service.renders.view(r)["progress"] for r in renders]
        running = [len(s.turns) for s in sessions if s.running_turn(now) is not None]
        landed = sum(1 for s in sessions for t in s.turns for e in t.effects if e.at <= now)
        accounts = [(a.user_id, a.available, a.frozen) for a in service.store.all_accounts()]
    last = fake.journal.entries(limit=1)
    tail = (last[0].seq, last[0].events, last[0].status) if last else None
    faults = [(f.id, f.matched, f.fired) for f in fake.faults.list()]
    clock = round(now, 1) if fake.clock.mode == "manual" or running else None
    return json.dumps(
        [
            len(fake.journal),
            tail,
            faults,
            fake.config.model_dump(mode="json"),
            len(sessions),
            sum(len(s.turns) for s in sessions),
            running,
            landed,
            moving,
            accounts,
            clock,
        ],
        default=str,
    )
