"""Drift: pure functions comparing a recorded response with the fake's answer.

What is compared, per response:
- the HTTP status, and the response kind (JSON / SSE / file);
- the envelope: `code` (REST) and `success` (render proxy), by value;
- the JSON structure: keys and JSON types, recursively. Values are not compared (ids,
  timestamps, URLs, tokens, texts are volatile) except that a string's *format* is: a URL
  stays a URL, an ISO date-time stays one. Keys that are ids (`med_…`, placeholders, long
  digit strings) count as one generic key. List elements are compared pairwise; an empty
  list against a non-empty one is a difference (nothing to compare is a change too);
- render `status` by class: `failed`/`cancelled` vs the rest is drift; `pending`,
  `processing` and `completed` differ only by timing (a note), and so do the completion
  fields (`outputUrl`, `completedAt`, `output`) that come and go with them;
- SSE: the sequence of event kinds — `text`, `tool_call(name)`, `tool_result(name)`,
  `error`, `artifact`, `event` — with partial text events collapsed into their text,
  then each aligned event's JSON structure. Heartbeats depend on timing: their runs
  collapse to one, they are left out of the sequence, and a recording with heartbeats
  against a fake without (or the reverse) is a note, not drift;
- files: content type and empty vs non-empty.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from mock_server.recording.cassette import RecordedResponse
from mock_server.recording.redact import BASE_URL_PLACEHOLDER, PLACEHOLDER_RE
from nemo_protocol import sse


@dataclass(frozen=True)
class Difference:
    where: str
    recorded: str
    actual: str
    drift: bool = True  # False: a note (timing-dependent), reported but not failing

    def __str__(self) -> str:
        tag = "" if self.drift else " (note)"
        return f"{self.where}: recorded {self.recorded}, fake {self.actual}{tag}"


# --- JSON structure
_URL = re.compile(r"^(https?://|" + re.escape(BASE_URL_PLACEHOLDER) + r")", re.IGNORECASE)
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")
_ID_KEY = re.compile(
    r"^(<[A-Z][A-Z0-9_]*_\d+>|\d{6,}|[a-z]+_[A-Za-z0-9_\-]*\d[A-Za-z0-9_\-]{4,}"
    r"|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$"
)
MAP_KEYS = {"artifactDelta"}  # maps whose keys are data (file names), not structure
RUNNING = {"pending", "processing", "queued", "running", "in_progress"}
SETTLED_OK = {"completed", "succeeded", "success", "done"}
RENDER_STATUSES = RUNNING | SETTLED_OK | {"failed", "cancelled", "canceled", "error"}
COMPLETION_KEYS = {"outputUrl", "completedAt", "output"}


def json_type(value: Any) -> str:
    """JSON type, with string formats: `string(url)`, `string(datetime)`."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        if PLACEHOLDER_RE.fullmatch(value):
            return "string"
        if _URL.match(value):
            return "string(url)"
        if _DATETIME.match(value):
            return "string(datetime)"
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _generic_keys(obj: dict[str, Any], parent: str | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in obj.items():
        name = "{key}" if parent in MAP_KEYS or _ID_KEY.match(str(key)) else str(key)
        out.setdefault(name, value)
    return out


def _timing_only(recorded: Any, actual: Any) -> bool:
    """Two render statuses that differ only by when they were read."""
    known = RUNNING | SETTLED_OK
    if not isinstance(recorded, str) or not isinstance(actual, str):
        return False
    return recorded != actual and recorded in known and actual in known


def _status_class(value: str) -> str:
    if value in RUNNING or value in SETTLED_OK:
        return "ok"
    return value


def compare_json(
    recorded: Any, actual: Any, where: str = "$", parent: str | None = None
) -> list[Difference]:
    """Structural differences between two JSON values (see the module docstring)."""
    rtype, atype = json_type(recorded), json_type(actual)
    if rtype != atype:
        return [Difference(where, _typed(rtype, recorded), _typed(atype, actual))]
    if isinstance(recorded, dict) and isinstance(actual, dict):
        out: list[Difference] = []
        rkeys, akeys = _generic_keys(recorded, parent), _generic_keys(actual, parent)
        # A job read at another moment (processing vs completed) lacks or has its
        # completion fields: that is timing, like the status itself.
        timing = _timing_only(rkeys.get("status"), akeys.get("status"))
        for key in rkeys.keys() - akeys.keys():
            drift = not (timing and key in COMPLETION_KEYS)
            rtype = json_type(rkeys[key])
            out.append(Difference(f"{where}.{key}", f"present ({rtype})", "missing", drift))
        for key in akeys.keys() - rkeys.keys():
            drift = not (timing and key in COMPLETION_KEYS)
            atype = json_type(akeys[key])
            out.append(Difference(f"{where}.{key}", "absent", f"present ({atype})", drift))
        for key in rkeys.keys() & akeys.keys():
            rv, av = rkeys[key], akeys[key]
            here = f"{where}.{key}"
            if key in ("code", "success") and where == "$" and rv != av:
                out.append(Difference(here, json.dumps(rv), json.dumps(av)))
                continue
            if (
                key == "status"
                and isinstance(rv, str)
                and isinstance(av, str)
                and rv in RENDER_STATUSES
            ):
                if rv != av:
                    drift = _status_class(rv) != _status_class(av) or av not in RENDER_STATUSES
                    out.append(Difference(here, rv, av, drift=drift))
                continue
            out.extend(compare_json(rv, av, here, key))
        return sorted(out, key=lambda d: d.where)
    if isinstance(recorded, list) and isinstance(actual, list):
        if bool(recorded) != bool(actual):
            return [Difference(f"{where}[]", f"{len(recorded)} item(s)", f"{len(actual)} item(s)")]
        out = []
        for i, (rv, av) in enumerate(zip(recorded, actual, strict=False)):
            out.extend(compare_json(rv, av, f"{where}[{i}]", parent))
        return out
    return []


def _typed(kind: str, value: Any) -> str:
    return "null" if value is None else f"{kind} {_brief(value)}"


def _brief(value: Any, limit: int = 40) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- SSE
@dataclass(frozen=True)
class StreamEvent:
    kind: str
    payload: Any = None
    partial: bool = False


def parse_frame(raw: str) -> list[StreamEvent]:
    """One SSE frame -> its events (an ADK event with several parts gives several)."""
    messages = [m for m in sse.messages(raw) if m.comment is None]
    if not messages:
        return [StreamEvent("heartbeat")] if raw.strip() else []
    payload = "\n".join(m.data for m in messages).strip()
    if not payload:
        return [StreamEvent("heartbeat")]
    try:
        value = json.loads(payload)
    except json.JSONDecodeError:
        return [StreamEvent("text", payload)]
    if not isinstance(value, dict):
        return [StreamEvent("event", value)]
    typed = value.get("type")
    if isinstance(typed, str):  # the `typed` dialect
        if typed in ("tool_call", "tool_result"):
            return [StreamEvent(f"{typed}({value.get('name', '?')})", value)]
        return [StreamEvent(typed, value)]
    if "error" in value or value.get("errorCode") or value.get("errorMessage"):
        return [StreamEvent("error", value)]
    partial = value.get("partial") is True
    content = value.get("content")
    parts = content.get("parts") if isinstance(content, dict) else None
    events: list[StreamEvent] = []
    for part in parts if isinstance(parts, list) else []:
        if not isinstance(part, dict):
            continue
        if isinstance(part.get("functionCall"), dict):
            events.append(StreamEvent(f"tool_call({part['functionCall'].get('name', '?')})", value))
        elif isinstance(part.get("functionResponse"), dict):
            events.append(
                StreamEvent(f"tool_result({part['functionResponse'].get('name', '?')})", value)
            )
        elif "text" in part:
            events.append(StreamEvent("text", value, partial=partial))
        else:
            events.append(StreamEvent(f"part({','.join(sorted(part))})", value))
    if events:
        return events
    actions = value.get("actions")
    if isinstance(actions, dict) and actions.get("artifactDelta"):
        return [StreamEvent("artifact", value)]
    return [StreamEvent("event", value)]


def stream_events(raws: list[str]) -> list[StreamEvent]:
    """Events of a stream, partial texts folded into their text, heartbeat runs as one."""
    out: list[StreamEvent] = []
    for raw in raws:
        for event in parse_frame(raw):
            last = out[-1] if out else None
            if event.kind == "heartbeat" and last is not None and last.kind == "heartbeat":
                continue
            if event.kind == "text" and last is not None and last.kind == "text" and last.partial:
                out[-1] = event if not event.partial else last  # keep the first partial's shape
                continue
            out.append(event)
    return [StreamEvent(e.kind, e.payload) for e in out]


def event_kinds(raws: list[str]) -> list[str]:
    return [e.kind for e in stream_events(raws)]


def compare_sse(recorded: list[str], actual: list[str]) -> list[Difference]:
    rev = [e for e in stream_events(recorded) if e.kind != "heartbeat"]
    aev = [e for e in stream_events(actual) if e.kind != "heartbeat"]
    out: list[Difference] = []
    rkinds, akinds = [e.kind for e in rev], [e.kind for e in aev]
    if rkinds != akinds:
        out.append(
            Difference("sse events", " → ".join(rkinds) or "(none)", " → ".join(akinds) or "(none)")
        )
    else:
        for i, (r, a) in enumerate(zip(rev, aev, strict=True)):
            if r.payload is not None and a.payload is not None:
                out.extend(compare_json(r.payload, a.payload, f"sse[{i}] {r.kind} $"))
    rbeat = any(e.kind == "heartbeat" for e in stream_events(recorded))
    abeat = any(e.kind == "heartbeat" for e in stream_events(actual))
    if rbeat != abeat:
        out.append(
            Difference(
                "sse heartbeats",
                "some" if rbeat else "none",
                "some" if abeat else "none",
                drift=False,
            )
        )
    return out


# --- whole responses
def compare_binary(recorded: dict[str, Any], actual: dict[str, Any]) -> list[Difference]:
    out: list[Difference] = []
    rtype = str(recorded.get("content_type", "")).split(";")[0].strip()
    atype = str(actual.get("content_type", "")).split(";")[0].strip()
    if rtype != atype:
        out.append(Difference("content-type", rtype or "(none)", atype or "(none)"))
    if bool(recorded.get("size")) != bool(actual.get("size")):
        out.append(Difference("file size", str(recorded.get("size")), str(actual.get("size"))))
    return out


def compare_response(recorded: RecordedResponse, actual: RecordedResponse) -> list[Difference]:
    out: list[Difference] = []
    if recorded.status != actual.status:
        out.append(Difference("HTTP status", str(recorded.status), str(actual.status)))
    if recorded.kind != actual.kind:
        out.append(Difference("response kind", recorded.kind, actual.kind))
        return out
    if recorded.kind == "sse":
        out.extend(
            compare_sse([c.raw for c in recorded.sse or []], [c.raw for c in actual.sse or []])
        )
    elif recorded.kind == "binary":
        out.extend(compare_binary(recorded.binary or {}, actual.binary or {}))
    else:
        out.extend(compare_json(recorded.body, actual.body))
    return out


def render_status(body: Any) -> str | None:
    """The render status in a poll response of any dialect (data.status or status)."""
    if not isinstance(body, dict):
        return None
    data = body.get("data")
    for holder in (data, body):
        if isinstance(holder, dict) and isinstance(holder.get("status"), str):
            status: str = holder["status"]
            return status if status in RENDER_STATUSES else None
    return None


def needs_more_time(recorded: RecordedResponse, actual: RecordedResponse, path: str) -> bool:
    """The fake is behind the recording only by time (a render not done yet)."""
    rstatus, astatus = render_status(recorded.body), render_status(actual.body)
    if (
        rstatus is not None
        and astatus is not None
        and rstatus not in RUNNING
        and astatus in RUNNING
    ):
        return True
    output = path.endswith("/download") or path.startswith(("/render-result/", "/media/"))
    return output and 200 <= recorded.status < 300 and actual.status in (404, 409, 425)
