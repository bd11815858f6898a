"""An agent turn in the gateway's WebSocket vocabulary (../shared/gateway-api.md §7).

The same `TurnPlan` that `/run_sse` plays as ADK events, as timed messages:
`message_accepted`, `thinking_start`/`thinking_chunk`/`thinking_end` during the model's
first pause, each text as `chunk`s then the whole `text`, each tool call as
`tool_start` (or `ask_question`, whose answer is the client's next `message`), each tool
result as `tool_end` (the turn's effects land first), then `done` — unless the turn
ends on a question, which the next turn (the answer's) finishes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from mock_server.agent import TOOL_ASK, Step, TurnPlan
from mock_server.stream import CHUNK_SPACING, PARTIAL_CHUNKS, split_text

THINKING_TEXT = "Reading the request and the project."


@dataclass(frozen=True)
class Outgoing:
    at: float  # API time to send it
    message: dict[str, Any]
    lands: bool = False  # a tool result: apply the turn's due effects first


def questions_of(step: Step) -> list[dict[str, Any]]:
    """The agent's ask_question call as the CLI's `questions` list."""
    args = step.payload
    options = [o for o in args.get("options") or [] if isinstance(o, str)]
    return [
        {
            "id": "q1",
            "prompt": str(args.get("question") or "What should the video show?"),
            "options": [{"id": f"o{i + 1}", "label": label} for i, label in enumerate(options)],
            "allow_multiple": False,
        }
    ]


def turn_messages(plan: TurnPlan) -> list[Outgoing]:
    out = [
        Outgoing(
            plan.started_at, {"type": "message_accepted", "client_message_id": plan.invocation_id}
        ),
        Outgoing(plan.started_at, {"type": "thinking_start"}),
        Outgoing(plan.started_at, {"type": "thinking_chunk", "text": THINKING_TEXT}),
    ]
    first = plan.steps[0].at if plan.steps else plan.ends_at
    out.append(Outgoing(first, {"type": "thinking_end"}))
    asked = False
    for step in plan.steps:
        if step.kind == "text":
            previous = out[-1].at
            chunks = split_text(step.text, PARTIAL_CHUNKS)
            for i, chunk in enumerate(chunks):
                at = max(previous, round(step.at - (len(chunks) - i) * CHUNK_SPACING, 6))
                out.append(Outgoing(at, {"type": "chunk", "text": chunk}))
            out.append(Outgoing(step.at, {"type": "text", "text": step.text}))
        elif step.kind == "call" and step.tool == TOOL_ASK:
            asked = True
            message = {"type": "ask_question", "title": "A question from the agent"}
            out.append(Outgoing(step.at, {**message, "questions": questions_of(step)}))
        elif step.kind == "call":
            message = {"type": "tool_start", "name": step.tool, "tool_call_id": step.call_id}
            out.append(Outgoing(step.at, {**message, "args": step.payload}))
        else:
            message = {"type": "tool_end", "name": step.tool, "tool_call_id": step.call_id}
            out.append(Outgoing(step.at, {**message, "result": step.payload}, lands=True))
    if not asked:
        out.append(Outgoing(plan.ends_at, {"type": "done"}))
    return out


def answer_text(content: str, questions: list[dict[str, Any]]) -> str:
    """The user's choice in the CLI's answer lines (`"<i>. <prompt>: <labels>"`), without
    the echoed prompt; anything else is taken as it is."""
    answers: list[str] = []
    for line in content.splitlines():
        for i, question in enumerate(questions):
            prefix = f"{i + 1}. {question['prompt']}: "
            if line.startswith(prefix):
                line = line[len(prefix) :]
                break
        if line.strip() and line.strip() != "Skipped":
            answers.append(line.strip())
    return "\n".join(answers) or re.sub(r"\s+", " ", content).strip()
