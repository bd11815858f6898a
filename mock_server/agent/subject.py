# ruff: noqa: RUF001  (Chinese punctuation)
"""What a generation request shows, and a title for it.

`subject(raw)` strips the request's own words (the verb, "a 10-second video of",
parameters, music and style clauses) and returns the description the video tool gets,
or None when nothing is left that a picture could show ("make me a video", "generate a
clip from a text prompt"). `title_from(description)` makes a short complete phrase
about it ("a sunset over a mountain lake" → "Mountain Lake Sunset"), never the first
words cut mid-phrase.
"""

from __future__ import annotations

import re

from mock_server.agent.lexicon import CJK, META_WORDS, VIDEO_STYLES, ZH_FILLER, compiled, words

QUOTED = re.compile(
    r"\"([^\"]+)\"|“([^”]+)”|「([^」]+)」|『([^』]+)』|《([^》]+)》|‘([^’]+)’"
    r"|(?:^|(?<=[\s(:：]))'([^']{2,}?)'(?=$|[\s.,!?;:)])"
)

_VIDEO_NOUN = r"(?:videos?|clips?|films?|movies?|animations?|footage|shorts?|reels?|scenes?|sequences?|shots?)"
_DROP = [
    # "with calm music", "with a title 'X'", "in cinematic style", "at 1080p", "for TikTok"
    re.compile(
        r"\s*,?\s*(?:with|and|plus|add(?:ing)?)\s+(?:(?:a|an|some|the)\s+)?(?:[\w-]+\s+){0,3}"
        r"(?:music|bgm|soundtrack|songs?|audio|narration|voice-?over)\b[^,.;]*",
        re.I,
    ),
    re.compile(r"\s*,?\s*(?:titled|called|named)\s+\S.*", re.I | re.S),
    re.compile(
        r"\s*,?\s*(?:in|with)\s+(?:a\s+|an\s+)?(?:[\w-]+\s+){0,2}(?:style|look|aesthetic|format|resolution|aspect ratio)\b",
        re.I,
    ),
    re.compile(r"\s*,?\s*(?:[\w-]+\s+)?\bstyle\b", re.I),
    re.compile(
        r"\s*,?\s*(?:in|at|as|for)\s+(?:a\s+)?(?:\d+\s*[:：x]\s*\d+|vertical|portrait|landscape|horizontal|square|\d+\s*p|4k|tiktok|instagram|reels?|youtube(?: shorts)?)\b(?:\s+(?:format|video|mode))?",
        re.I,
    ),
    re.compile(r"\s*,?\s*(?:into|as)\s+(?:an?\s+)?(?:\d+\s*p\s+)?mp4\b", re.I),
    re.compile(r"\s*[-—–,]*\s*no (?:text|titles?|captions?|music)\b[^,.;]*", re.I),
    re.compile(r"\s*,?\s*just visuals\b", re.I),
    re.compile(r"\s*,?\s*from (?:my|a|the|this) text (?:prompt|description)s?\b", re.I),
    re.compile(
        r"(?:\b(?:lasting|for|of|about|around)\s+)?\b\d+(?:\.\d+)?\s*-?\s*(?:seconds?|secs?|s|minutes?|mins?)\b(?:\s+long)?",
        re.I,
    ),
    re.compile(r"\b(?:480|720|1080)\s*p\b|\b4k\b|\b\d+\s*[:：x]\s*\d+\b", re.I),
]

_CUE_PATTERNS = {
    "gen_lead": (
        r"(?i)^\W*(?:(?:please|pls|can you|could you|would you|i want(?: you)? to|i'd like(?: you)? to|"
        r"i need(?: you)? to|help me|let's|lets)\s+)*"
        r"(?:generate|create|make|produce|render|animate|build|design|shoot|film|give me|show me|"
        r"i want|i'd like|i need)\b\s*(?:me|us)?\s*"
    ),
    "of_marker": (
        r"(?is)\b"
        + _VIDEO_NOUN
        + r"\s+(?:of|about|showing|featuring|depicting|where|that shows|in which|on)\s+(.+)"
    ),
    "zh_marker": r"(?:生成|制作|创作|做|拍|来)(?:一个|一段|一条|一部|个|段|条|部)?(.+?)的?(?:视频|短片|影片|动画|片子)",
    "zh_after": r"(?:视频|短片|影片|动画)[，,：:]?\s*(?:内容是|关于|主题是|画面是)?[：:]?(.+)",
    "zh_drop": (
        r"\d+(?:\.\d+)?\s*(?:秒钟|秒|分钟)|(?:配上?|加上?|带)?(?:一?[段首点些])?[\u3400-\u9fff]{0,4}(?:背景音乐|音乐|配乐)"
        r"|(?:480|720|1080)\s*[pP]|竖屏|横屏|竖版|横版"
    ),
    "titled": (
        r"(?i)\s*,?\s*(?:with\s+(?:the\s+|a\s+)?title|titled|called|named|title[d:]?)\s*(?:is|as|to|of|:|=)?\s*"
        r"(?:\"[^\"]+\"|“[^”]+”|「[^」]+」|『[^』]+』|《[^》]+》|'[^']+'|‘[^’]+’)"
    ),
}
_CUES = compiled(_CUE_PATTERNS)
WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'&#-]*")


def first_quoted(raw: str) -> str | None:
    match = QUOTED.search(raw)
    if match is None:
        return None
    found = next((g for g in match.groups() if g), None)
    return found.strip() if found and found.strip() else None


def has_content(text: str) -> bool:
    """Whether the text names something a picture could show."""
    if CJK.search(text):
        return any(ch not in ZH_FILLER and CJK.match(ch) for ch in text)
    return any(w.lower() not in META_WORDS and not w.isdigit() for w in WORD.findall(text))


def subject(raw: str, title: str | None = None) -> str | None:
    """The description a generation shows, or None when the message names nothing."""
    quoted = first_quoted(raw)
    if quoted and quoted != title and has_content(quoted) and len(quoted.split()) >= 3:
        return _tidy(quoted)[:200]
    text = _CUES["titled"].sub(" ", raw) if title else raw
    if CJK.search(text):
        return _zh_subject(text)
    match = _CUES["of_marker"].search(text)
    candidate = match.group(1) if match else _CUES["gen_lead"].sub("", text, count=1)
    for pattern in _DROP:
        candidate = pattern.sub(" ", candidate)
    cleaned = _tidy(candidate)
    return cleaned[:200] if cleaned and has_content(cleaned) else None


def _tidy(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(
        r"^(?:(?:me|us|a|an|the|some|please|short|quick|video|videos|clip|clips)\s+)+",
        "",
        text,
        flags=re.I,
    )
    text = re.sub(
        r"(?:\s+(?:video|videos|clip|clips|film|please|and|with|for|of))+$", "", text, flags=re.I
    )
    return text.strip(" \t\"'“”‘’「」,.;:!?，。：；！？-—")


def _zh_subject(raw: str) -> str | None:
    candidate: str | None = None
    match = _CUES["zh_marker"].search(raw)
    if match:
        candidate = match.group(1)
    if not candidate or not has_content(_CUES["zh_drop"].sub("", candidate)):
        after = _CUES["zh_after"].search(raw)
        candidate = after.group(1) if after else candidate
    if not candidate:
        candidate = raw
    for pattern in VIDEO_STYLES.values():
        candidate = pattern.sub("", candidate)
    candidate = _CUES["zh_drop"].sub("", candidate)
    candidate = re.sub(r"^(?:帮我|请|给我|我想要?|来)+", "", candidate.strip())
    candidate = re.sub(
        r"^(?:生成|制作|创作|做|拍)(?:一个|一段|一条|一部|个|段|条|部)?", "", candidate
    )
    candidate = candidate.strip(" ，,。.：:；;！!？?的")
    return candidate[:200] if candidate and has_content(candidate) else None


# --- titles ------------------------------------------------------------------------------

_DETERMINERS = words("""a an the some my our your his her their this that these those""")
_PREPOSITIONS = words(
    """of about over at in on under across above by through with for near along during from into
    against around beneath between behind inside among toward towards underneath beside"""
)
_LOCATIVE = words(
    """over at in on under across above by near along beneath behind inside among beside"""
)
_ABOUT = frozenset(["of", "about", "showing", "featuring", "depicting", "explaining", "for"])
_FORMAT_HEADS = words(
    """timelapse time-lapse video clip footage shot scene showcase promo ad advert
    commercial explainer trailer teaser montage reel slideshow animation vlog intro
    recap tour view sequence short film movie story"""
)
_SILENT_HEADS = frozenset(
    ["video", "clip", "footage", "animation", "film", "movie", "scene", "shot", "sequence", "story"]
)
_NOT_VERBS = words(
    """morning evening building painting clothing ceiling ring king spring string wedding
    lighting sling swing thing nothing something anything everything pudding"""
)
_SMALL = words("""a an the of in on at over and or for to by with under""")
_LEADING_META = words(
    """short quick little new nice cool simple beautiful stunning amazing awesome cinematic
    realistic high-quality hd"""
)


def _boundary(word: str) -> bool:
    low = word.lower()
    return low in _PREPOSITIONS or (low.endswith("ing") and low not in _NOT_VERBS and len(low) > 4)


def _noun_phrase(words: list[str]) -> tuple[list[str], list[str]]:
    """(the noun phrase at the start, the rest) after dropping determiners."""
    i = 0
    while i < len(words) and (
        words[i].lower() in _DETERMINERS or words[i].lower() in _LEADING_META
    ):
        i += 1
    words = words[i:]
    j = 0
    while (
        j < len(words)
        and not _boundary(words[j])
        and words[j].lower() not in ("and", "or", "that", "which", "who", "where", "while")
    ):
        j += 1
    return words[:j], words[j:]


def _cap(word: str, first: bool) -> str:
    if not first and word.lower() in _SMALL:
        return word.lower()
    return word[:1].upper() + word[1:]


def _title_case(words: list[str]) -> str:
    return " ".join(_cap(w, i == 0) for i, w in enumerate(words))


def _phrase(words: list[str], depth: int = 0) -> list[str]:
    main, rest = _noun_phrase(words)
    if not main and rest and depth < 3:
        return _phrase(rest[1:], depth + 1)
    prep = rest[0].lower() if rest else ""
    if main and main[-1].lower() in _FORMAT_HEADS and prep in _ABOUT and depth < 3:
        inner_words = rest[1:]
        if inner_words and inner_words[0].lower() in ("how", "why", "what"):
            return [inner_words[0].capitalize(), *[w for w in inner_words[1:4]]]
        inner = _phrase(inner_words, depth + 1)
        if inner:
            head = [] if main[-1].lower() in _SILENT_HEADS else [main[-1]]
            return inner[-3:] + head if len(inner) + len(head) <= 4 else inner[-4:]
    if main and prep in _LOCATIVE:
        place, _ = _noun_phrase(rest[1:])
        if place and len(main) == 1 and len(place) <= 2:
            return place + main
        if place and len(main) + len(place) <= 3:
            return [*main, prep, *place]
    if main and main[-1].lower() in _SILENT_HEADS and len(main) > 1:
        main = main[:-1]
    return main[-4:]


def title_from(description: str) -> str:
    """A short title about the description: "a sunset over a mountain lake" → "Mountain Lake Sunset"."""
    description = (description or "").strip()
    if not description:
        return "My Video"
    if CJK.search(description):
        first = re.split(r"[，,。.；;：:！!？?、\s]", description)[0] or description
        first = re.sub(r"^(?:一[个段条只位片座]|在)", "", first)
        return first[:10] if len(first) <= 10 else first[:10].rsplit("的", 1)[0] or first[:10]
    clause = re.split(r"[,;:.!?—–()]|\s-\s", description)[0]
    words = WORD.findall(clause)
    picked = _phrase(words)
    picked = [w for w in picked if w.lower() not in _DETERMINERS or w is not picked[0]]
    return _title_case(picked) if picked else "My Video"
