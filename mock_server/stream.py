"""Plays an agent turn as SSE. (Minimal: one text event; the full agent replaces it.)"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from mock_server.domain.model import Account, Session

if TYPE_CHECKING:
    from mock_server.fake import Fake
    from mock_server.http.routes_sse import RunAgentRequest


async def play_turn(
    fake: Fake, account: Account, session: Session, run: RunAgentRequest, base_url: str
) -> AsyncIterator[bytes]:
    event = {
        "content": {"parts": [{"text": "Hello! What would you like to make?"}], "role": "model"},
        "invocationId": f"e-{uuid.uuid4()}",
        "author": "nemo_agent",
        "actions": {"stateDelta": {}, "artifactDelta": {}, "requestedAuthConfigs": {}, "requestedToolConfirmations": {}},
        "id": str(uuid.uuid4()),
        "timestamp": fake.clock.now(),
    }
    yield f"data: {json.dumps(event, separators=(',', ':'))}\n\n".encode()
