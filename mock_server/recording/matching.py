"""How a live request is matched to a recorded one, shared by replay and verify.

A request matches a recorded interaction when:
1. the methods are equal;
2. the path templates are equal: ids in paths (session, render, media, task and user
   ids, placeholders) become `{name}`: `/api/state/nemo_agent/me/552979…/latest` ->
   `/api/state/nemo_agent/{user}/{session_id}/latest`;
3. the ids (in the path, the bearer token, and the key body fields `id`, `sessionId`,
   `session_id`, `task_id`, `render_id`) are *consistent* with the links made so far: a
   recorded id maps to one live id and back (the first sighting makes the link, so a
   client's own `render_<ts>` id is accepted in place of the recorded one, then expected
   from then on; the token a replay handed out for `<TOKEN_1>` is the one expected
   wherever the recording sent `Bearer <TOKEN_1>`). A request without the token the
   recording sent does not match; other headers are not compared;
4. for `/run_sse`, the message text is equal; for a multipart upload, the part names and
   file names are equal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from mock_server.recording.cassette import RecordedRequest
from mock_server.recording.redact import PLACEHOLDER_RE

# Known routes of the API (and the fake's CDN-like URLs); `{x}` marks an id.
ROUTES: tuple[str, ...] = (
    "/api/tasks/{user}/with-session/nemo_agent",
    "/api/upload-video/nemo_agent/{user}/{session_id}",
    "/api/state/nemo_agent/{user}/{session_id}/latest",
    "/api/render/proxy/lambda/{render_id}/cancel",
    "/api/render/proxy/lambda/{render_id}",
    "/api/render/proxy/{render_id}/download",
    "/media/{media_id}/{filename}",
    "/render-result/{render_file}",
)
LITERAL_ROUTES = {"/api/render/proxy/lambda", "/api/render/proxy/draft"}
_LEGACY_POLL = "/api/render/proxy/{render_id}"
ID_FIELDS = ("id", "sessionId", "session_id", "task_id", "render_id", "taskId")
_ID_SEGMENT = re.compile(
    r"^(\d{6,}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
    r"|[a-z]+[_\-][A-Za-z0-9_\-]*\d[A-Za-z0-9_\-]{4,}|<[A-Z][A-Z0-9_]*_\d+>)$"
)


def looks_like_id(value: str) -> bool:
    """A session/render/media/task id, a UUID or a placeholder (not a word or a file name)."""
    return _ID_SEGMENT.match(value) is not None


@dataclass(frozen=True)
class PathKey:
    template: str
    ids: tuple[tuple[str, str], ...]  # (param name, value) in path order


def path_key(path: str) -> PathKey:
    """The route template of `path` and the ids in it."""
    if path in LITERAL_ROUTES:
        return PathKey(path, ())
    segments = path.split("/")
    for route in (*ROUTES, _LEGACY_POLL):
        parts = route.split("/")
        if len(parts) != len(segments):
            continue
        out: list[str] = []
        ids: list[tuple[str, str]] = []
        for pattern, seg in zip(parts, segments, strict=True):
            if not pattern.startswith("{"):
                if pattern != seg:
                    break
                out.append(seg)
            elif pattern == "{filename}":
                out.append(seg)  # a file name is part of the route
            elif pattern == "{render_file}":
                stem, dot, ext = seg.rpartition(".")
                out.append("{render_id}" + (f".{ext}" if dot else ""))
                ids.append(("render_id", stem if dot else seg))
            else:
                out.append(pattern)
                ids.append((pattern[1:-1], seg))
        else:
            return PathKey("/".join(out), tuple(ids))
    # Unknown route: generalise anything that looks like an id.
    generic: list[str] = []
    found: list[tuple[str, str]] = []
    for seg in segments:
        if looks_like_id(seg):
            generic.append("{id}")
            found.append(("id", seg))
        else:
            generic.append(seg)
    return PathKey("/".join(generic), tuple(found))


def message_text(body: Any) -> str | None:
    """The user message of a /run_sse body (snake_case or camelCase), None if absent."""
    if not isinstance(body, dict):
        return None
    message = body.get("new_message", body.get("newMessage"))
    if not isinstance(message, dict):
        return None
    parts = message.get("parts")
    if not isinstance(parts, list):
        return None
    return "\n".join(
        p["text"] for p in parts if isinstance(p, dict) and isinstance(p.get("text"), str)
    )


def bearer(request: RecordedRequest) -> str | None:
    scheme, _, credential = request.headers.get("authorization", "").partition(" ")
    return credential.strip() or None if scheme.lower() == "bearer" else None


def body_ids(request: RecordedRequest) -> list[tuple[str, str]]:
    body = request.json
    if not isinstance(body, dict):
        return []
    return [
        (f"body.{k}", str(body[k]))
        for k in ID_FIELDS
        if isinstance(body.get(k), str | int) and not isinstance(body.get(k), bool)
    ]


def body_literals(request: RecordedRequest) -> list[tuple[str, Any]]:
    """Key body values compared as they are (after the live request is un-linked)."""
    out: list[tuple[str, Any]] = []
    if request.is_multipart:
        parts = request.body.get("multipart", [])
        out.append(
            ("files", [(p.get("name"), p.get("filename")) for p in parts if isinstance(p, dict)])
        )
        return out
    text = message_text(request.json) if request.path == "/run_sse" else None
    if text is not None:
        out.append(("message", text))
    return out


@dataclass
class Links:
    """Recorded value <-> live value, one to one."""

    to_live: dict[str, str] = field(default_factory=dict)
    to_recorded: dict[str, str] = field(default_factory=dict)

    def compatible(self, recorded: str, live: str) -> bool:
        if recorded in self.to_live:
            return self.to_live[recorded] == live
        if live in self.to_recorded:
            return self.to_recorded[live] == recorded
        return True

    def bind(self, recorded: str, live: str) -> None:
        if recorded in self.to_live or live in self.to_recorded:
            return
        self.to_live[recorded] = live
        self.to_recorded[live] = recorded

    def live(self, recorded: str) -> str:
        return self.to_live.get(recorded, recorded)

    def substitute(self, text: str, *, to_live: bool = True) -> str:
        """Replace every linked value in `text` (longest first)."""
        table = self.to_live if to_live else self.to_recorded
        changed = {k: v for k, v in table.items() if k != v and k}
        if not changed:
            return text
        pattern = _alternation(tuple(sorted(changed, key=len, reverse=True)))
        return pattern.sub(lambda m: changed[m.group(0)], text)

    def substitute_json(self, value: Any, *, to_live: bool = True) -> Any:
        if isinstance(value, str):
            return self.substitute(value, to_live=to_live)
        if isinstance(value, list):
            return [self.substitute_json(v, to_live=to_live) for v in value]
        if isinstance(value, dict):
            return {k: self.substitute_json(v, to_live=to_live) for k, v in value.items()}
        return value


_ALTERNATIONS: dict[tuple[str, ...], re.Pattern[str]] = {}


def _alternation(keys: tuple[str, ...]) -> re.Pattern[str]:
    pattern = _ALTERNATIONS.get(keys)
    if pattern is None:
        if len(_ALTERNATIONS) > 256:
            _ALTERNATIONS.clear()
        pattern = re.compile("|".join(re.escape(k) for k in keys))
        _ALTERNATIONS[keys] = pattern
    return pattern


@dataclass
class MatchResult:
    ok: bool
    differences: list[str]
    bindings: list[tuple[str, str]]
    score: int  # lower is nearer


def match(recorded: RecordedRequest, live: RecordedRequest, links: Links) -> MatchResult:
    """Does `live` match `recorded` given the links so far? (See the module docstring.)"""
    found: list[tuple[str, int]] = []  # (difference, weight): the score sums the weights
    bindings: list[tuple[str, str]] = []

    def link(rv: str, lv: str, unlinked: str, weight: int) -> None:
        """Bind a recorded value to a live one, unless it is already linked to another."""
        if links.compatible(rv, lv):
            bindings.append((rv, lv))
        else:
            found.append((unlinked, weight))

    if recorded.method != live.method:
        found.append((f"method: recorded {recorded.method}, got {live.method}", 100))
    rkey, lkey = path_key(recorded.path), path_key(live.path)
    if rkey.template != lkey.template:
        found.append((f"path: recorded {rkey.template}, got {lkey.template}", 50))
    else:
        for (name, rv), (_, lv) in zip(rkey.ids, lkey.ids, strict=True):
            if name == "user" and "me" in (rv, lv):
                continue  # `me` stands for whoever the token is
            link(
                rv,
                lv,
                f"path {{{name}}}: recorded {rv} is linked to {links.live(rv)}, got {lv}",
                10,
            )
    rtoken, ltoken = bearer(recorded), bearer(live)
    if rtoken is not None and ltoken is None:
        found.append((f"authorization: recorded Bearer {rtoken}, got none", 5))
    elif rtoken is not None and ltoken is not None:
        linked_to = _show(links.live(rtoken))
        link(
            rtoken,
            ltoken,
            f"authorization: recorded Bearer {rtoken} (linked to {linked_to}), got {_show(ltoken)}",
            5,
        )
    rids, lids = dict(body_ids(recorded)), dict(body_ids(live))
    for key in sorted(rids.keys() | lids.keys()):
        rid, lid = rids.get(key), lids.get(key)
        if rid is None or lid is None:
            found.append((f"{key}: recorded {_show(rid)}, got {_show(lid)}", 5))
        else:
            link(rid, lid, f"{key}: recorded {rid} (linked to {links.live(rid)}), got {lid}", 5)
    rlit, llit = dict(body_literals(recorded)), dict(body_literals(live))
    for key in sorted(rlit.keys() | llit.keys()):
        want, got = rlit.get(key), links.substitute_json(llit.get(key), to_live=False)
        if want != got:
            found.append((f"{key}: recorded {_show(want)}, got {_show(got)}", 20))
    ok = not found and _bindings_consistent(bindings)
    if not ok and not found:
        found.append(("ids: the same recorded id would link to two live ids", 10))
    differences = [difference for difference, _ in found]
    return MatchResult(ok, differences, bindings, sum(weight for _, weight in found))


def _bindings_consistent(bindings: list[tuple[str, str]]) -> bool:
    seen: dict[str, str] = {}
    back: dict[str, str] = {}
    for rv, lv in bindings:
        if seen.setdefault(rv, lv) != lv or back.setdefault(lv, rv) != rv:
            return False
    return True


def _show(value: Any, limit: int = 80) -> str:
    text = "(none)" if value is None else repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def is_placeholder_text(value: str) -> bool:
    return PLACEHOLDER_RE.search(value) is not None
