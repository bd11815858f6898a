"""The gateway surface the official NemoVideo CLI (`nemovideo-tools`) talks to: HTTP
routes (`routes.py`) and the WebSocket chat (`chat.py`), on the same core as the skill
API. `router` holds all of them for the app."""

from fastapi import APIRouter

from mock_server.gateway import chat, routes

router = APIRouter()
router.routes.extend([*routes.router.routes, *chat.router.routes])

__all__ = ["router"]
