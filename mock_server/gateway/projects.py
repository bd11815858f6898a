"""The gateway's view of the shared domain: a project is a task with its session.

`project_id` is the session's `task_id` and the project's one session is the session
itself, so a project made through `POST /projects` is a session of the skill API (its
state, uploads, turns and renders) and a session made through the skill API is a
project here. Pure functions over the service; call them under `service.lock`.
"""

from __future__ import annotations

from typing import Any

from mock_server.clock import iso
from mock_server.domain.errors import SessionNotFound
from mock_server.domain.model import Account, Session
from mock_server.domain.service import NemoService

SANDBOX_ROOT = "/mnt/userdata"
DEFAULT_NAME = "Untitled project"


class ProjectNotFound(SessionNotFound):
    code, mapped_status = 404, 404
    default_message = "Project not found"


def find_project(service: NemoService, account: Account, project_id: str) -> Session:
    """The caller's project (another user's is as missing as an unknown one)."""
    for session in service.store.sessions_of(account.user_id):
        if session.task_id == project_id:
            service.sessions.apply_due(session)
            return session
    raise ProjectNotFound(f"Project not found: {project_id}")


def projects_of(service: NemoService, account: Account) -> list[Session]:
    """The caller's projects, newest first."""
    sessions = service.store.sessions_of(account.user_id)
    for session in sessions:
        service.sessions.apply_due(session)
    # newest first; sessions made at the same API time in reverse order of creation
    return sorted(reversed(sessions), key=lambda s: s.created_at, reverse=True)


def updated_at(session: Session) -> float:
    times = [session.created_at, *(t.started_at for t in session.turns)]
    return max(times)


def project_view(session: Session) -> dict[str, Any]:
    return {
        "project_id": session.task_id,
        "name": session.task_name,
        "user_id": session.user_id,
        "created_at": iso(session.created_at),
        "updated_at": iso(updated_at(session)),
    }


def session_view(session: Session, now: float) -> dict[str, Any]:
    return {
        "session_id": session.session_id,
        "project_id": session.task_id,
        "status": "running" if session.running_turn(now) is not None else "idle",
        "created_at": iso(session.created_at),
    }


# --- the frontend state: the draft with sandbox paths, and the files they name ---------


def _session_files(service: NemoService, session: Session) -> list[dict[str, Any]]:
    """Each stored media file of the session once: its CDN URL and sandbox key."""
    seen: dict[str, dict[str, Any]] = {}
    for entry in [*session.video_infos, *session.generated_media]:
        media_id, cdn_url = entry.get("id"), entry.get("cdn_url")
        media = service.store.media(media_id) if isinstance(media_id, str) else None
        if media is None or not isinstance(cdn_url, str) or media_id in seen:
            continue
        # the media id keeps two uploads of the same name apart (the CLI maps by name)
        name = f"{media.media_id}_{media.filename}"
        seen[media.media_id] = {
            "file_id": media.media_id,
            "filename": media.filename,
            "file_type": media.file_type,
            "cdn_url": cdn_url,
            "s3_key": f"userdata/{session.user_id}/{session.session_id}/{name}",
            "sandbox_path": f"{SANDBOX_ROOT}/{session.session_id}/{name}",
        }
    return list(seen.values())


def _sandboxed(value: Any, paths: dict[str, str]) -> Any:
    """The draft with every source URL of a session file replaced by its sandbox path,
    as the real frontend state holds it (the CLI maps them back before rendering)."""
    if isinstance(value, dict):
        return {k: _sandboxed(v, paths) for k, v in value.items()}
    if isinstance(value, list):
        return [_sandboxed(v, paths) for v in value]
    if isinstance(value, str):
        return paths.get(value, value)
    return value


def frontend_state(service: NemoService, session: Session) -> dict[str, Any]:
    """`{project:{timeline_draft, "files:<session_id>":[...]}, version, projectName}`;
    `project` is empty for a project with nothing in it yet."""
    files = _session_files(service, session)
    project: dict[str, Any] = {}
    if session.draft.get("t"):
        paths = {f["cdn_url"]: f["sandbox_path"] for f in files}
        project["timeline_draft"] = _sandboxed(session.draft, paths)
    if files:
        project[f"files:{session.session_id}"] = [
            {k: v for k, v in f.items() if k != "sandbox_path"} for f in files
        ]
    return {"project": project, "version": len(session.turns), "projectName": session.task_name}
