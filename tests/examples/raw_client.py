"""A third-party NemoVideo client, written the way a user of the API would write one:
plain httpx, `NEMO_API_URL` from the environment, the SSE stream read line by line.
It knows nothing about the fake; tests/examples/ tests it with the nemo_fake plugin.

    client = RawNemoClient()            # NEMO_API_URL, or the production API
    client.start()                      # anonymous token + a session
    reply = client.send("make a 5-second video of a red fox")
    client.export("fox.mp4")

The rules it follows are the skill documents': 1001 → a new anonymous token with the
same X-Client-Id (once); 429 on the token → wait 30 s and retry once; a turn that ends
without text ("silent close") → read the state and report what changed; poll renders in
either documented shape (`data.status` / top-level `status`).
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

PRODUCTION = "https://mega-api-prod.nemovideo.ai"
HEADERS = {"X-Skill-Source": "raw-example", "X-Skill-Version": "1.0", "X-Skill-Platform": "unknown"}


class NemoApiError(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"[{code}] {message}")
        self.code = code


@dataclass
class Reply:
    text: str
    tools: list[str] = field(default_factory=list)
    heartbeats: int = 0
    silent: bool = False
    changes: list[str] = field(default_factory=list)


class RawNemoClient:
    def __init__(
        self,
        base_url: str | None = None,
        client_id: str | None = None,
        sleep: Callable[[float], Any] = time.sleep,
        poll_every: float = 10.0,
    ) -> None:
        self.base_url = base_url or os.environ.get("NEMO_API_URL", PRODUCTION)
        self.client_id = client_id or str(uuid.uuid4())
        self.sleep = sleep
        self.poll_every = poll_every
        self.http = httpx.Client(base_url=self.base_url, headers=HEADERS, timeout=900)
        self.token: str | None = None
        self.session_id: str | None = None

    # --- REST -----------------------------------------------------------------------
    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        for attempt in (1, 2):
            body = self.http.request(method, path, headers=self._auth(), **kwargs).json()
            if body.get("code") == 1001 and attempt == 1:  # expired: new token, same client id
                self.get_token()
                continue
            if body.get("code", 0) != 0 or body.get("success") is False:
                raise NemoApiError(body.get("code", -1), body.get("message") or body.get("error"))
            return body.get("data")
        raise AssertionError("unreachable")

    def get_token(self) -> str:
        for attempt in (1, 2):
            response = self.http.post(
                "/api/auth/anonymous-token", headers={"X-Client-Id": self.client_id}
            )
            if response.status_code == 429 and attempt == 1:
                self.sleep(30)  # documented: retry once after 30 s
                continue
            body = response.json()
            if response.status_code != 200 or body.get("code") != 0:
                raise NemoApiError(body.get("code", response.status_code), body.get("message"))
            self.token = body["data"]["token"]
            return self.token
        raise AssertionError("unreachable")

    def start(self) -> str:
        if self.token is None:
            self.get_token()
        data = self._call(
            "POST",
            "/api/tasks/me/with-session/nemo_agent",
            json={"task_name": "project", "language": "en"},
        )
        self.session_id = data["session_id"]
        return data["session_id"]

    def state(self) -> dict[str, Any]:
        data = self._call("GET", f"/api/state/nemo_agent/me/{self.session_id}/latest")
        return dict(data["state"])

    def credits(self) -> dict[str, int]:
        return dict(self._call("GET", "/api/credits/balance/simple"))

    # --- the agent stream ----------------------------------------------------------
    def send(self, text: str) -> Reply:
        before = self.state()
        body = {
            "app_name": "nemo_agent",
            "user_id": "me",
            "session_id": self.session_id,
            "new_message": {"parts": [{"text": text}]},
        }
        headers = {**self._auth(), "Accept": "text/event-stream"}
        reply = Reply(text="")
        texts: list[str] = []
        with self.http.stream("POST", "/run_sse", json=body, headers=headers) as response:
            if not response.headers.get("content-type", "").startswith("text/event-stream"):
                error = json.loads(response.read())
                raise NemoApiError(error.get("code", response.status_code), error.get("message"))
            for line in response.iter_lines():
                if line.startswith(":"):  # an SSE comment: a heartbeat
                    reply.heartbeats += 1
                    continue
                if not line.startswith("data:"):
                    continue
                data = line[5:].strip()
                if not data or data == '{"type":"heartbeat"}':
                    reply.heartbeats += 1
                    continue
                event = json.loads(data)
                if event.get("type") == "text":
                    texts.append(event["content"])
                elif event.get("type") == "tool_call":
                    reply.tools.append(event["name"])
                content = event.get("content")
                for part in content.get("parts", []) if isinstance(content, dict) else []:
                    if "text" in part and not event.get("partial"):
                        texts.append(part["text"])
                    elif "functionCall" in part:
                        reply.tools.append(part["functionCall"]["name"])
        reply.text = "\n".join(t for t in texts if "temporary issue" not in t.lower())
        if not reply.text:  # silent close: the state tells what happened
            reply.silent = True
            reply.changes = diff(before, self.state())
        return reply

    # --- export -----------------------------------------------------------------------
    def export(self, path: str | Path, max_polls: int = 30) -> Path:
        draft = self.state()["draft"]
        render_id = f"render_{int(time.time() * 1000)}"
        submit = {"id": render_id, "sessionId": self.session_id, "draft": draft}
        self._call("POST", "/api/render/proxy/lambda", json=submit)
        for _ in range(max_polls):
            self.sleep(self.poll_every)
            poll = self.http.get(
                f"/api/render/proxy/lambda/{render_id}", headers=self._auth()
            ).json()
            job = poll.get("data", poll)  # v4.4 {success, data{...}} or v1.9 top-level
            if job["status"] == "completed":
                url = job.get("outputUrl") or job["output"]["url"]
                out = Path(path)
                out.write_bytes(self.http.get(url).content)
                return out
            if job["status"] in ("failed", "cancelled"):
                raise NemoApiError(-1, job.get("error") or job["status"])
        raise TimeoutError(f"render {render_id} did not finish")

    def close(self) -> None:
        self.http.close()


def diff(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """What a silent turn changed: track types added, duration, titles."""
    changes = []
    old = {t.get("tt") for t in (before.get("draft") or {}).get("t", [])}
    for track in (after.get("draft") or {}).get("t", []):
        if track.get("tt") not in old:
            changes.append(f"track {track.get('tt')} added")
        for segment in track.get("sg", []):
            if segment.get("tx") and track.get("tt") == 7:
                changes.append(f"title {segment['tx']!r}")
    if (before.get("draft") or {}).get("d") != (after.get("draft") or {}).get("d"):
        changes.append("duration changed")
    return changes
