"""A NemoVideo client written from the public API notes, knowing nothing of nemo-fake.

client = VideoClient()                     # NEMO_API_URL, else the production API
client.start()                             # anonymous token + session
reply = client.chat("make a 2-second video of a red fox")
client.export("fox.mp4")                   # submit, poll, download
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
ATTRIBUTION = {"X-Skill-Source": "video-app", "X-Skill-Version": "0.1", "X-Skill-Platform": "cli"}


class ApiError(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"[{code}] {message}")
        self.code = code


@dataclass
class Reply:
    text: str = ""
    tools: list[str] = field(default_factory=list)
    heartbeats: int = 0


class VideoClient:
    def __init__(
        self,
        base_url: str | None = None,
        *,
        http: httpx.Client | None = None,
        token: str | None = None,
        sleep: Callable[[float], Any] = time.sleep,
    ) -> None:
        url = base_url or os.environ.get("NEMO_API_URL", PRODUCTION)
        self.http = http or httpx.Client(base_url=url, timeout=600)
        self.client_id = str(uuid.uuid4())
        self.token = token
        self.session_id: str | None = None
        self.sleep = sleep

    def _headers(self) -> dict[str, str]:
        return {**ATTRIBUTION, "Authorization": f"Bearer {self.token}"}

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        for attempt in (1, 2):
            body = self.http.request(method, path, headers=self._headers(), **kwargs).json()
            if body.get("code") == 1001 and attempt == 1:  # expired token: renew once
                self.renew_token()
                continue
            if body.get("code", 0) != 0 or body.get("success") is False:
                raise ApiError(body.get("code", -1), body.get("message") or body.get("error"))
            return body.get("data")
        raise AssertionError("unreachable")

    def renew_token(self) -> str:
        body = self.http.post(
            "/api/auth/anonymous-token", headers={"X-Client-Id": self.client_id}
        ).json()
        if body.get("code") != 0:
            raise ApiError(body.get("code", -1), body.get("message"))
        self.token = body["data"]["token"]
        return str(self.token)

    def start(self) -> str:
        if self.token is None:
            self.renew_token()
        data = self._call(
            "POST",
            "/api/tasks/me/with-session/nemo_agent",
            json={"task_name": "project", "language": "en"},
        )
        self.session_id = str(data["session_id"])
        return self.session_id

    def credits(self) -> dict[str, Any]:
        return dict(self._call("GET", "/api/credits/balance/simple"))

    def state(self) -> dict[str, Any]:
        return dict(
            self._call("GET", f"/api/state/nemo_agent/me/{self.session_id}/latest")["state"]
        )

    def chat(self, text: str) -> Reply:
        body = {
            "app_name": "nemo_agent",
            "user_id": "me",
            "session_id": self.session_id,
            "new_message": {"parts": [{"text": text}]},
        }
        headers = {**self._headers(), "Accept": "text/event-stream"}
        reply = Reply()
        with self.http.stream("POST", "/run_sse", json=body, headers=headers) as response:
            if not response.headers.get("content-type", "").startswith("text/event-stream"):
                error = json.loads(response.read())
                raise ApiError(error.get("code", response.status_code), error.get("message"))
            for line in response.iter_lines():
                payload = line[5:].strip() if line.startswith("data:") else None
                if line.startswith(":") or payload == "":
                    reply.heartbeats += 1
                if not payload:
                    continue
                event = json.loads(payload)
                if event.get("type") == "text":  # the typed event format
                    reply.text += event.get("content") or ""
                elif event.get("type") == "tool_call":
                    reply.tools.append(event.get("name", ""))
                content = event.get("content")
                for part in content.get("parts", []) if isinstance(content, dict) else []:
                    if "text" in part and not event.get("partial"):
                        reply.text += part["text"]
                    elif "functionCall" in part:
                        reply.tools.append(part["functionCall"]["name"])
        return reply

    def export(self, path: str | Path, poll_every: float = 10.0, max_polls: int = 60) -> Path:
        render_id = f"render_{uuid.uuid4().hex[:12]}"
        draft = self.state()["draft"]
        self._call(
            "POST",
            "/api/render/proxy/lambda",
            json={"id": render_id, "sessionId": self.session_id, "draft": draft},
        )
        for _ in range(max_polls):
            self.sleep(poll_every)
            poll = self.http.get(
                f"/api/render/proxy/lambda/{render_id}", headers=self._headers()
            ).json()
            job = poll.get("data") or poll  # {success, data{...}} or the top-level shape
            if job.get("status") == "completed":
                url = job.get("outputUrl") or job["output"]["url"]
                target = Path(path)
                target.write_bytes(self.http.get(url).content)
                return target
            if job.get("status") == "failed":
                raise ApiError(-1, str(job.get("error")))
        raise TimeoutError(f"render {render_id} did not complete")
