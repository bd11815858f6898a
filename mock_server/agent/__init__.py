"""The fake agent behind `/run_sse`: a message and the session → a timed script of
events and the state changes they make.

- `understand`: message + session → what the user wants (`Understanding`), scored over
  cues of the whole message (questions, the user's own media, exports, edits, a video
  described), English and Chinese; `edits` and `subject` read the edits and the
  description, `quantities` the numbers, `lexicon` holds the cue words.
- `planner` (+ `editing` for edit turns): the whole turn up front as a `TurnPlan`
  (`script`: steps at API times and `Change`s), deterministic per (seed, session, turn).
- `replies`: what the agent says, in the user's language.
- `turn`: `start_turn` commits a plan to the session; `stream` plays it.
"""

from mock_server.agent.chance import silent_close, temporary_issue
from mock_server.agent.planner import plan_turn
from mock_server.agent.quantities import canvas_size
from mock_server.agent.script import Change, Step, TurnInput, TurnPlan
from mock_server.agent.subject import title_from
from mock_server.agent.timeline import (
    TEMPORARY_ISSUE,
    TOOL_ASK,
    TOOL_EDIT,
    TOOL_MUSIC,
    TOOL_VIDEO,
)
from mock_server.agent.turn import apply_change, start_turn
from mock_server.agent.understand import SessionView, Understanding, understand

AGENT_NAME = "nemo_agent"

__all__ = [
    "AGENT_NAME",
    "TEMPORARY_ISSUE",
    "TOOL_ASK",
    "TOOL_EDIT",
    "TOOL_MUSIC",
    "TOOL_VIDEO",
    "Change",
    "SessionView",
    "Step",
    "TurnInput",
    "TurnPlan",
    "Understanding",
    "apply_change",
    "canvas_size",
    "plan_turn",
    "silent_close",
    "start_turn",
    "temporary_issue",
    "title_from",
    "understand",
]
