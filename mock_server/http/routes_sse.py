"""POST /run_sse: the ADK request body (snake_case or camelCase), token and session
checks before the stream starts, then the agent's event stream.

| method | path | handler |
|---|---|---|
| POST | `/run_sse` | `run_sse` |
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic.alias_generators import to_camel
from starlette.responses import Response, StreamingResponse
from starlette.types import Receive, Scope, Send

from mock_server.http.body import JSONRejected, parse_json, read_body
from mock_server.http.disconnect import listens_for_disconnect, until_disconnect
from mock_server.http.envelopes import JSONBytes
from mock_server.http.request import authenticate, base_url, fake_of
from mock_server.stream import play_turn

router = APIRouter()


class Part(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="allow")
    text: str | None = None


class Content(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="allow")
    parts: list[Part]
    role: str | None = None


class RunAgentRequest(BaseModel):
    """ADK's RunAgentRequest: accepts snake_case and camelCase, as ADK's server does."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="allow")
    app_name: str = "nemo_agent"
    user_id: str = "me"
    session_id: str
    new_message: Content | None = None
    streaming: bool = False
    state_delta: dict[str, Any] | None = None
    invocation_id: str | None = None

    @property
    def text(self) -> str:
        """The user's words: text parts, or the answer in a functionResponse part (a
        client answering the agent's `ask_question` the ADK way)."""
        if self.new_message is None:
            return ""
        texts = [p.text for p in self.new_message.parts if p.text]
        if not texts:
            texts = [a for p in self.new_message.parts if (a := _answer(p))]
        return "\n".join(texts)


def _answer(part: Part) -> str | None:
    extra = part.model_extra or {}
    response = extra.get("functionResponse") or extra.get("function_response")
    if not isinstance(response, dict) or not isinstance(response.get("response"), dict):
        return None
    body = response["response"]
    value = next((body[k] for k in ("answer", "text", "result", "response") if k in body), None)
    return value if isinstance(value, str) and value.strip() else None


def _unprocessable(detail: Any) -> Response:
    # ADK's FastAPI answers body errors with 422 {"detail": [...]}.
    return JSONBytes({"detail": detail}, status_code=422)


async def parse_run_request(request: Request) -> RunAgentRequest | Response:
    config = fake_of(request).config
    raw = await read_body(request, config.max_body_bytes)
    try:
        body = parse_json(raw, config.max_json_depth)
    except JSONRejected as exc:
        return _unprocessable(
            [{"type": "json_invalid", "loc": ["body"], "msg": f"Malformed JSON: {exc}"}]
        )
    try:
        return RunAgentRequest.model_validate(body)
    except ValidationError as exc:
        return _unprocessable(json.loads(exc.json(include_url=False, include_input=False)))


@router.post("/run_sse")
async def run_sse(request: Request) -> Response:
    account = authenticate(request)
    parsed = await parse_run_request(request)
    if isinstance(parsed, Response):
        return parsed
    fake = fake_of(request)
    with fake.service.lock:
        session = fake.service.sessions.get(account, parsed.session_id)
    stream = play_turn(
        fake.service,
        fake.clock,
        account,
        session,
        parsed.text,
        streaming=parsed.streaming,
        base_url=base_url(request),
    )
    return EventStreamResponse(
        stream,
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


class EventStreamResponse(StreamingResponse):
    """Starlette's StreamingResponse, same bytes and same end on a client's disconnect,
    without its anyio task group per response (mock_server.http.disconnect)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not listens_for_disconnect(scope):
            await super().__call__(scope, receive, send)
            return
        await until_disconnect(lambda: self.stream_response(send), receive)
        if self.background is not None:
            await self.background()
