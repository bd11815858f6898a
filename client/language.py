"""The `language` sent at session creation: "<detected>" from the user's text."""

from __future__ import annotations


def detect_language(text: str, default: str = "en") -> str:
    """A cheap script-based guess: kana → ja, hangul → ko, CJK → zh-CN, else `default`."""
    if any("\u3040" <= ch <= "\u30ff" for ch in text):
        return "ja"
    if any("\uac00" <= ch <= "\ud7af" for ch in text):
        return "ko"
    if any("\u4e00" <= ch <= "\u9fff" for ch in text):
        return "zh-CN"
    return default
