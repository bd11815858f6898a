"""The flow every published skill document describes, with what differs between versions
as data: which headers go on which call, what stands in the path's user segment, which
render routes, where the poll answer is read. Each version module fills a `Skill` from
its own text (and cites it); `Skill.run` then performs exactly those requests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from tests.zoo.clients.common import (
    Ctx,
    Result,
    chat,
    download,
    envelope,
    exportable,
    poll,
    proxy,
    render_id,
)

Step = Literal["token", "session", "claim", "upload", "chat", "state", "export", "poll"]
EVERY_STEP: frozenset[Step] = frozenset(
    ("token", "session", "claim", "upload", "chat", "state", "export", "poll")
)


def attribution(
    source: str, version: str | None = None, platform: str | None = None
) -> dict[str, str]:
    """The X-Skill-* headers a document names (v4.x names the source alone)."""
    named = {"Source": source, "Version": version, "Platform": platform}
    return {f"X-Skill-{key}": value for key, value in named.items() if value is not None}


@dataclass(frozen=True)
class Skill:
    message: str  # what the user asks for, from the document's examples
    sends_client_id: bool = True  # X-Client-Id on anonymous-token (v4.5 on)
    attribution: dict[str, str] = field(default_factory=dict)  # X-Skill-* headers...
    attributed: frozenset[Step] = frozenset()  # ...on these steps' requests
    user_segment: Literal["user_id", "me"] = "me"  # upload / state paths
    sse_user_id: Literal["user_id", "me", "absent"] = "me"  # /run_sse body
    task_name: str = "project"
    language: str = "en"
    claim: bool = False  # v1.9: claim token after the session
    submit_path: str = "/api/render/proxy/lambda"
    poll_path: str = "/api/render/proxy/lambda/{id}"
    poll_reads: Literal["data", "top"] = "top"  # data.status/outputUrl or status/output.url
    every: float = 30  # documented seconds between polls
    max_polls: int = 10
    download_via: Literal["url", "proxy"] = "url"

    def headers(self, step: Step, base: dict[str, str]) -> dict[str, str]:
        return {**base, **(self.attribution if step in self.attributed else {})}

    def run(self, ctx: Ctx) -> Result:
        token = ctx.token or self._token(ctx)
        auth = {"Authorization": f"Bearer {token}"}
        as_json = {**auth, "Content-Type": "application/json"}
        session = self._call(
            ctx,
            "session",
            "POST",
            "/api/tasks/me/with-session/nemo_agent",
            as_json,
            json={"task_name": self.task_name, "language": self.language},
        )
        sid = session["session_id"]
        user = session.get("user_id") if self.user_segment == "user_id" else "me"
        ctx.note(f"session: {sid}")
        if self.claim:
            body = {"task_id": session["task_id"], "session_id": sid}
            claim = self._call(ctx, "claim", "POST", "/api/auth/claim-token", as_json, json=body)
            ctx.note(f"claim: {claim['claim_token'][:4]}… for {claim['expires_in']} s")
        with ctx.media.open("rb") as handle:
            files = {"files": (ctx.media.name, handle, "video/mp4")}
            path = f"/api/upload-video/nemo_agent/{user}/{sid}"
            uploaded = self._call(ctx, "upload", "POST", path, auth, files=files)
        ctx.note(f"upload: {uploaded['files'][0]['file_type']}")
        run_body: dict[str, Any] = {"app_name": "nemo_agent", "session_id": sid}
        if self.sse_user_id != "absent":
            run_body["user_id"] = session.get("user_id") if self.sse_user_id == "user_id" else "me"
        run_body["new_message"] = {"parts": [{"text": self.message}]}
        chat(ctx, self.headers("chat", {**as_json, "Accept": "text/event-stream"}), run_body)
        state = self._call(ctx, "state", "GET", f"/api/state/nemo_agent/{user}/{sid}/latest", auth)
        draft = state["state"].get("draft")
        if not exportable(draft):
            ctx.note("state: no draft to export yet")
            return Result("no_draft", "state", log=ctx.log)
        rid = render_id()
        proxy(
            ctx,
            "export",
            ctx.http.post(
                ctx.url(self.submit_path),
                headers=self.headers("export", as_json),
                json={
                    "id": rid,
                    "sessionId": sid,
                    "draft": draft,
                    "output": {"format": "mp4", "quality": "high"},
                },
            ),
        )
        url = poll(
            ctx,
            self.poll_path.format(id=rid),
            self.headers("poll", auth),
            every=self.every,
            max_polls=self.max_polls,
            status_of=self._status,
            url_of=self._url,
        )
        if self.download_via == "proxy":
            return download(ctx, f"/api/render/proxy/{rid}/download", auth)
        return download(ctx, url)

    def _call(
        self, ctx: Ctx, step: Step, method: str, path: str, base: dict[str, str], **kwargs: Any
    ) -> Any:
        """The step's request (headers: `base`, plus the attribution if this version sends
        it on the step); the data of its envelope."""
        headers = self.headers(step, base)
        return envelope(
            ctx, step, ctx.http.request(method, ctx.url(path), headers=headers, **kwargs)
        )

    def _token(self, ctx: Ctx) -> str:
        headers = {"X-Client-Id": ctx.client_id} if self.sends_client_id else {}
        got = envelope(
            ctx, "token", ctx.http.post(ctx.url("/api/auth/anonymous-token"), headers=headers)
        )
        token: str = got["token"]
        return token

    def _status(self, body: Any) -> Any:
        where = (body.get("data") or {}) if self.poll_reads == "data" else body
        return where.get("status")

    def _url(self, body: Any) -> Any:
        if self.poll_reads == "data":
            return (body.get("data") or {}).get("outputUrl")
        return (body.get("output") or {}).get("url")
