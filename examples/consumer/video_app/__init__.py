"""video_app: a small NemoVideo client (token, session, chat, state, export)."""

from video_app.client import ApiError, Reply, VideoClient

__all__ = ["ApiError", "Reply", "VideoClient"]
