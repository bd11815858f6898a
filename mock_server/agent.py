# ruff: noqa: RUF001  (Chinese keywords and replies use full-width punctuation)
"""The fake agent: message → intents → a timed script of steps and the state changes
they make.

Three layers, the first two pure:

1. `parse_intents(text)`: keywords (English and Chinese, as in the seeds' routing
   tables) → `Intents` (what to do, with duration, aspect ratio, resolution, style…).
2. `plan_turn(TurnInput)`: intents + the session as it is → `TurnPlan`: the steps of
   the turn at API times (text, tool call, tool result; `mock_server.stream` turns them
   into ADK or typed events) and the `Change`s the tool results make (generated media,
   draft edits, canvas, credit charges), each at the API time of its result. Every
   duration, id and chance is drawn from RNGs derived from (seed, session id, turn
   number), the same derivation as `Context.rng`, so a turn is identical for identical
   seeds however other sessions interleave.
3. `start_turn(service, account, session, text, base_url)`: refuses a second turn
   while one runs (409), freezes the turn's credits (2001 before the stream starts),
   and registers the plan as a `Turn` whose `Effect`s `Sessions.apply_due` applies on
   every state read, so a turn's changes land whether or not its stream is still read.

Credits (API notes §4: "generation about 100 credits per clip, editing about 50 per
session"): a generation turn (including its automatic BGM + title post-production, and
an aspect-ratio change, which needs a regeneration) freezes `generation_cost` at its
start under a per-turn hold and is charged when the clip lands. Edit turns (music,
title, trim) share one per-session hold of `edit_cost`: frozen by the session's first
edit turn, charged when that turn ends; later edit turns of the session find the hold
settled and cost nothing. Text, questions and canvas-only changes are free.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from mock_server import draft as drafts
from mock_server import rng
from mock_server.clock import iso
from mock_server.config import FakeConfig
from mock_server.domain.errors import Busy
from mock_server.domain.model import Account, Effect, MediaFile, Session, Turn
from mock_server.domain.uploads import media_url

if TYPE_CHECKING:
    from mock_server.domain.service import NemoService

AGENT_NAME = "nemo_agent"
TOOL_VIDEO = "generate_video_with_seedance"
TOOL_MUSIC = "generate_music"
TOOL_EDIT = "edit_multitrack"
TOOL_ASK = "ask_question"
TEMPORARY_ISSUE = "I encountered a temporary issue"

GENERATE, ASK, ASPECT, TRIM, MUSIC, TITLE, CHAT = (
    "generate",
    "ask",
    "aspect",
    "trim",
    "music",
    "title",
    "chat",
)
EDIT_KINDS = (TRIM, MUSIC, TITLE)  # in the order an edit turn applies them

# Pacing inside a turn (API seconds): the model's first response, the pause between a
# tool result and the model's next step, between a text and the call it announces.
LEAD_SECONDS = (1.0, 3.0)
GAP = 1.0
CALL_GAP = 0.5
CLIP_FPS = 24
DEFAULT_SECONDS = 10.0
CLIP_SECONDS = (2.0, 60.0)

TurnKind = Literal["generation", "edit", "canvas", "ask", "chat"]

# --- 1. intents ------------------------------------------------------------------------


@dataclass(frozen=True)
class Intents:
    """What a message asks for. `kinds` is one of: (generate,), (ask,), (aspect,),
    a non-empty subset of (trim, music, title) in that order, or (chat,)."""

    kinds: tuple[str, ...]
    prompt: str | None = None
    seconds: float | None = None
    aspect_ratio: str | None = None
    resolution: int | None = None  # the short side: 480, 720 or 1080
    style: str | None = None  # visual style: cinematic, anime…
    music_style: str | None = None  # BGM label: Lo-fi, Upbeat…
    volume: float | None = None  # 0..1
    title: str | None = None
    language: Literal["en", "zh"] = "en"

    @property
    def kind(self) -> str:
        return self.kinds[0]


_CJK = re.compile(r"[\u3400-\u9fff]")
_VIDEO_WORD = re.compile(
    r"\b(?:videos?|clips?|films?|movies?|animations?|footage|mp4)\b|视频|短片|影片|动画|片子"
)
_GEN_VERB = re.compile(
    r"\b(?:generat(?:e|es|ed|ing)|creat(?:e|es|ed|ing)|produc(?:e|es|ed|ing)|"
    r"mak(?:e|es|ing)(?!\s+(?:it|this|that|the|them)\b))\b|生成|制作|创作|做|拍|来一?[个段条]",
    re.I,
)
# "a 6-second video of a red fox": a description of the video wanted, no verb needed
_DESCRIBES = re.compile(
    r"^\W*(?:an?\s+)?(?:[\w-]+\s+){0,3}(?:videos?|clips?|films?|movies?|animations?)\s+"
    r"(?:of|about|showing|featuring)\s+\S",
    re.I,
)
_MUSIC_WORD = re.compile(
    r"\b(?:music|bgm|soundtrack|songs?|tunes?|background\s+audio)\b|背景音乐|配乐|音乐|歌", re.I
)
_TITLE_WORD = re.compile(
    r"\b(?:titles?|titled|captions?|subtitles?|headline|text(?![- ]?(?:prompts?|descriptions?|to\b)))\b"
    r"|字幕|标题|文字|片名",
)
_TRIM_WORD = re.compile(
    r"\b(?:trim|shorten|shorter|cut|crop\s+to|clip\s+it)\b|剪|裁|缩短|时长|短一点"
)
_MAKE_IT = re.compile(r"\b(?:make|set|change)\s+it\b|改成|变成|改为|调成|调整为")
_ASPECT = re.compile(r"(?<!\d)(16|9|4|3|1)\s*[:：xX×/]\s*(9|16|3|4|1)(?!\d)")
_ASPECT_WORDS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\b(?:vertical|portrait|tiktok|reels?|shorts)\b|竖屏|竖版|竖的|抖音"), "9:16"),
    (re.compile(r"\b(?:horizontal|landscape|widescreen|youtube)\b|横屏|横版|横的|宽屏"), "16:9"),
    (re.compile(r"\bsquare\b|正方形|方形"), "1:1"),
]
_ASPECT_PHRASE = re.compile(r"\baspect(?:\s+ratio)?\b|画幅|比例|尺寸")
RATIOS = {"16:9": (16, 9), "9:16": (9, 16), "1:1": (1, 1), "4:3": (4, 3), "3:4": (3, 4)}
_RESOLUTION = re.compile(r"\b(480|720|1080)\s*[pP]\b")
_DURATION = re.compile(
    r"(\d+(?:\.\d+)?)\s*-?\s*(seconds?|secs?|s|minutes?|mins?|秒钟|秒|分钟)(?![a-z])", re.I
)
_PERCENT = re.compile(r"(\d{1,3})\s*%")
_QUOTED = re.compile(
    r"\"([^\"]+)\"|“([^”]+)”|「([^」]+)」|『([^』]+)』|《([^》]+)》|‘([^’]+)’"
    r"|(?:^|(?<=[\s(:：]))'([^']{2,}?)'(?=$|[\s.,!?;:)])"
)
_TITLE_QUOTED = re.compile(
    r"(?:titled|title|called|named|caption(?:ed)?|text|heading|标题|字幕|片名)\s*"
    r"(?:is|as|to|of|reads|saying|:|：|=|是|为|叫)?\s*"
    r"(?:\"([^\"]+)\"|“([^”]+)”|「([^」]+)」|『([^』]+)』|《([^》]+)》|'([^']+)'|‘([^’]+)’)",
    re.I,
)

VIDEO_STYLES: list[tuple[str, re.Pattern[str]]] = [
    ("cinematic", re.compile(r"\bcinematic\b|\bfilmic\b|电影感|电影风|大片")),
    ("anime", re.compile(r"\banime\b|\bmanga\b|动漫|二次元|日漫")),
    ("cartoon", re.compile(r"\bcartoon\w*\b|卡通")),
    ("realistic", re.compile(r"\brealistic\b|\bphotoreal\w*\b|写实|真实感")),
    ("vintage", re.compile(r"\bvintage\b|\bretro\b|复古")),
    ("watercolor", re.compile(r"\bwatercolou?r\b|水彩")),
    ("documentary", re.compile(r"\bdocumentary\b|纪录片")),
    ("3d", re.compile(r"\b3d\b|三维")),
    ("cyberpunk", re.compile(r"\bcyberpunk\b|赛博朋克")),
    ("pixel art", re.compile(r"\bpixel[- ]?art\b|像素")),
    ("noir", re.compile(r"\bnoir\b|黑白")),
]
MUSIC_STYLES: list[tuple[str, re.Pattern[str]]] = [
    ("Lo-fi", re.compile(r"\blo-?fi\b|低保真")),
    ("Upbeat", re.compile(r"\b(?:upbeat|happy|energetic|cheerful)\b|欢快|动感|活泼")),
    ("Calm", re.compile(r"\b(?:calm|relaxing|peaceful|gentle|chill)\b|舒缓|轻松|安静|平静")),
    ("Epic", re.compile(r"\b(?:epic|dramatic|heroic)\b|史诗|震撼|激昂")),
    ("Piano", re.compile(r"\bpiano\b|钢琴")),
    ("Jazz", re.compile(r"\bjazz\w*\b|爵士")),
    ("Electronic", re.compile(r"\b(?:electronic|edm|techno|synthwave)\b|电子")),
    ("Acoustic", re.compile(r"\b(?:acoustic|guitar|folk)\b|吉他|民谣")),
    ("Ambient", re.compile(r"\bambient\b|氛围")),
    ("Classical", re.compile(r"\b(?:classical|orchestral)\b|古典|交响")),
    ("Rock", re.compile(r"\brock\b|摇滚")),
    ("Hip-hop", re.compile(r"\bhip[- ]?hop\b|\brap\b|嘻哈")),
]
# synth.make_bgm knows lofi, upbeat, ambient, cinematic (others map deterministically)
SYNTH_STYLE = {
    "Lo-fi": "lofi",
    "Upbeat": "upbeat",
    "Calm": "ambient",
    "Ambient": "ambient",
    "Epic": "cinematic",
    "Cinematic": "cinematic",
}

_QUIET = re.compile(r"\b(?:quiet|quieter|softer|lower|low volume)\b|小声|小一点|轻一点")
_LOUD = re.compile(r"\b(?:loud|louder|higher volume)\b|大声|大一点|响一点")
_GREETING = re.compile(
    r"^\s*(?:hi|hello|hey|yo|good (?:morning|afternoon|evening))\b|你好|您好|嗨|哈喽"
)
_THANKS = re.compile(r"\b(?:thanks?|thank you|thx|cheers)\b|谢谢|多谢|感谢")

_FILLER_WORDS = """a an the me us my our your some something anything any video videos clip clips film
    films movie movies animation animations footage please pls generate generates generated
    generating create creates created creating make makes making produce render for from with
    it one short quick new nice cool good great awesome amazing can could would will you i we
    want need like lets let s to just text prompt prompts description descriptions based on
    using and of about style styled looking look hd mp4 into an version little simple random
    second seconds sec secs minute minutes min mins long p k ai help should that this"""
_FILLER_EN = frozenset(_FILLER_WORDS.split())
_FILLER_ZH = set(
    "的个一段条部帮我你给请想要吧呢吗啊了下做生成制作创作拍视频短片影片动画片子来秒钟分"
)


def parse_intents(text: str) -> Intents:
    """Classify a chat message. Pure; never raises (unknown text is `chat`)."""
    raw = (text or "").strip()
    low = raw.lower()
    language: Literal["en", "zh"] = "zh" if _CJK.search(raw) else "en"
    seconds = _duration(low)
    aspect = _aspect(low)
    resolution = _resolution(low)
    style = next((name for name, pat in VIDEO_STYLES if pat.search(low)), None)
    music_style = next((name for name, pat in MUSIC_STYLES if pat.search(low)), None)
    volume = _volume(low)
    titled = _first_group(_TITLE_QUOTED.search(raw))
    common: dict[str, Any] = {
        "seconds": seconds,
        "aspect_ratio": aspect,
        "resolution": resolution,
        "style": style,
        "music_style": music_style,
        "volume": volume,
        "language": language,
    }

    # Quoted text is content (a prompt, a title), not an instruction.
    bare = _QUOTED.sub(" ", low)
    has_music, has_title = bool(_MUSIC_WORD.search(bare)), bool(_TITLE_WORD.search(bare))
    has_trim = bool(_TRIM_WORD.search(bare))
    has_aspect = aspect is not None
    gen_verb, video_word = _GEN_VERB.search(bare), _VIDEO_WORD.search(bare)
    edits_named = has_music or has_title or has_trim or has_aspect
    describes = _DESCRIBES.search(bare) and not (has_music or has_title or has_trim or has_aspect)
    if (gen_verb and (video_word or not edits_named)) or describes:
        prompt = _prompt(raw, titled)
        if prompt is None:
            return Intents((ASK,), title=titled, **common)
        return Intents((GENERATE,), prompt=prompt, title=titled, **common)
    if has_aspect:
        return Intents((ASPECT,), title=titled, **common)
    kinds = []
    if has_trim or (seconds is not None and (_MAKE_IT.search(low) or not (has_music or has_title))):
        kinds.append(TRIM)
    if has_music:
        kinds.append(MUSIC)
    if has_title:
        kinds.append(TITLE)
    if kinds:
        title = titled or (_first_group(_QUOTED.search(raw)) if TITLE in kinds else None)
        return Intents(tuple(kinds), title=title, **common)
    return Intents((CHAT,), **common)


def _first_group(match: re.Match[str] | None) -> str | None:
    if match is None:
        return None
    found = next((g for g in match.groups() if g), None)
    return found.strip() if found and found.strip() else None


def _duration(low: str) -> float | None:
    match = _DURATION.search(low)
    if match is None:
        return None
    value, unit = float(match.group(1)), match.group(2)
    if unit.startswith("m") or unit == "分钟":
        value *= 60
    return value if value > 0 else None


def _aspect(low: str) -> str | None:
    for match in _ASPECT.finditer(low):
        ratio = f"{match.group(1)}:{match.group(2)}"
        if ratio in RATIOS:
            return ratio
    for pattern, ratio in _ASPECT_WORDS:
        if pattern.search(low):
            return ratio
    return None


def _resolution(low: str) -> int | None:
    match = _RESOLUTION.search(low)
    return int(match.group(1)) if match else None


def _volume(low: str) -> float | None:
    match = _PERCENT.search(low)
    if match and 0 < int(match.group(1)) <= 100:
        return int(match.group(1)) / 100
    if _QUIET.search(low):
        return 0.2
    if _LOUD.search(low):
        return 0.6
    return None


_EN_MARKER = re.compile(r"\b(?:of|about|showing|featuring|depicting|where)\s+(.+)", re.I | re.S)
_ZH_MARKER = re.compile(
    r"(?:生成|制作|创作|做|拍|来)(?:一个|一段|一条|一部|个|段|条|部)?(.+?)的?(?:视频|短片|影片|动画|片子)"
)
_ZH_AFTER = re.compile(
    r"(?:视频|短片|影片|动画)[，,：:]?\s*(?:内容是|关于|主题是|画面是)?[：:]?(.+)"
)
_CUT_AT = [
    re.compile(
        r"\s+with\s+(?:(?:a|an|some|the)\s+)?(?:[\w-]+\s+){0,2}(?:music|bgm|soundtrack|songs?|titles?|captions?|text|style|look|vibe|feel|aspect)\b.*",
        re.I | re.S,
    ),
    re.compile(
        r"\s+in\s+(?:a\s+|an\s+)?(?:[\w-]+\s+)?(?:style|look|aesthetic|format|resolution|aspect)\b.*",
        re.I | re.S,
    ),
    re.compile(
        r"\s+(?:in|at|as)\s+(?:\d+\s*[:：x]\s*\d+|vertical|portrait|landscape|horizontal|square|\d+\s*p)\b.*",
        re.I | re.S,
    ),
    re.compile(r"\s*(?:,|;|\.\s|!|\?|，|。|；|！|？).*", re.S),
    re.compile(r"\s+(?:and|then)\s+(?:add|put|make|trim|cut|set|export)\b.*", re.I | re.S),
    re.compile(r"\s+(?:titled|called|named)\b.*", re.I | re.S),
    re.compile(
        r"\s+(?:for|in|of|lasting)\s+(?:about\s+)?\d+(?:\.\d+)?\s*-?\s*(?:seconds?|secs?|s|minutes?|mins?)\b.*",
        re.I | re.S,
    ),
]
_PARAMS = re.compile(
    r"\d+(?:\.\d+)?\s*-?\s*(?:seconds?|secs?|s|minutes?|mins?|秒钟|秒|分钟)(?![a-z])"
    r"|\d+\s*[:：x]\s*\d+|\b\d+\s*p\b",
    re.I,
)


def _prompt(raw: str, titled: str | None) -> str | None:
    """The subject of a generation request, or None when the message names none
    ("make me a video", "做个视频": the agent asks)."""
    quoted = _first_group(_QUOTED.search(raw))
    if quoted and quoted != titled:
        return quoted[:200]
    zh = _CJK.search(raw) is not None
    candidate: str | None = None
    if zh:
        match = _ZH_MARKER.search(raw)
        if match:
            candidate = match.group(1)
        if not candidate or not _has_content(candidate):
            after = _ZH_AFTER.search(raw)
            candidate = after.group(1) if after else candidate
    if not zh or not candidate:
        match = _EN_MARKER.search(raw)
        if match:
            candidate = match.group(1)
    if not candidate:
        candidate = _GEN_VERB.sub(" ", raw, count=1)
    cleaned = _clean(candidate)
    return cleaned[:200] if cleaned and _has_content(cleaned) else None


def _clean(text: str) -> str:
    text = text.strip()
    for pattern in _CUT_AT:
        text = pattern.sub("", text)
    text = _PARAMS.sub(" ", text)
    if _CJK.search(text):
        for _name, pattern in VIDEO_STYLES:
            text = pattern.sub("", text)
    text = re.sub(
        r"^(?:(?:me|us|a|an|the|some|please|videos?|clips?)\s+)+", "", text.strip(), flags=re.I
    )
    text = re.sub(r"\s+(?:videos?|clips?|films?|movies?)$", "", text, flags=re.I)
    text = re.sub(r"\s+", " ", text).strip(" \t\"'“”‘’「」,.;:!?，。：；！？")
    return re.sub(r"^[的地得]+|[的地得]+$", "", text)


def _has_content(text: str) -> bool:
    if _CJK.search(text):
        return any(ch not in _FILLER_ZH and _CJK.match(ch) for ch in text)
    words = re.findall(r"[a-z]+", text.lower())
    styles = {name for name, _ in VIDEO_STYLES}
    return any(w not in _FILLER_EN and w not in styles for w in words)


# --- chance ----------------------------------------------------------------------------


def silent_close(seed: int, session_id: str, turn: int, rate: float) -> bool:
    """Whether an edit turn closes with no text (documented: about 30% of edits)."""
    return rng.derive(seed, "silent-close", session_id, turn).random() < rate


def temporary_issue(seed: int, session_id: str, turn: int, rate: float) -> bool:
    """Whether a turn ends with the stray "I encountered a temporary issue" text."""
    return rng.derive(seed, "temporary-issue", session_id, turn).random() < rate


# --- 2. the plan -----------------------------------------------------------------------


@dataclass
class Step:
    """One step of the script at API time `at`; `stream` renders it as events."""

    at: float
    kind: Literal["text", "call", "result"]
    event_id: str
    text: str = ""
    tool: str = ""
    call_id: str = ""
    payload: dict[str, Any] = field(default_factory=dict)  # call args | tool response
    long_running: bool = False


@dataclass(frozen=True)
class Generated:
    """A generated file to register, with its `generated_media` labels."""

    file: MediaFile
    tool: str
    prompt: str


DraftEdit = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass
class Change:
    """What lands at `at`: media registered, the draft edited, the canvas set, a charge."""

    at: float
    media: list[Generated] = field(default_factory=list)
    draft: DraftEdit | None = None
    canvas: dict[str, Any] | None = None
    charge: str | None = None


@dataclass(frozen=True)
class TurnInput:
    seed: int
    config: FakeConfig
    user_id: str
    session_id: str
    turn: int
    started_at: float
    message: str
    base_url: str
    data_dir: Path
    draft: dict[str, Any]
    canvas: dict[str, Any]
    video_infos: list[dict[str, Any]]
    memory: dict[str, Any]


@dataclass
class TurnPlan:
    kind: TurnKind
    intents: Intents
    invocation_id: str
    started_at: float
    steps: list[Step]
    changes: list[Change]
    freeze: tuple[str, int] | None  # (hold ref, amount)
    memory: dict[str, Any]  # updates to the session's agent memory (session.extra)
    draft_after: dict[str, Any]
    silent: bool = False
    temporary_issue: bool = False

    @property
    def ends_at(self) -> float:
        return max((s.at for s in self.steps), default=self.started_at)


class _Script:
    """Appends steps at increasing API times; ids from the turn's id RNG."""

    def __init__(self, ids: random.Random, t0: float) -> None:
        self.ids = ids
        self.t = t0
        self.steps: list[Step] = []

    def text(self, after: float, text: str) -> Step:
        return self._add(after, "text", text=text)

    def call(
        self, after: float, tool: str, args: dict[str, Any], long_running: bool = False
    ) -> Step:
        call_id = f"af-{rng.uuid4(self.ids)}"
        return self._add(
            after, "call", tool=tool, call_id=call_id, payload=args, long_running=long_running
        )

    def result(self, after: float, call: Step, response: dict[str, Any]) -> Step:
        return self._add(after, "result", tool=call.tool, call_id=call.call_id, payload=response)

    def _add(self, after: float, kind: Literal["text", "call", "result"], **fields: Any) -> Step:
        self.t += after
        step = Step(at=round(self.t, 6), kind=kind, event_id=rng.uuid4(self.ids), **fields)
        self.steps.append(step)
        return step


def plan_turn(inp: TurnInput) -> TurnPlan:
    """The whole turn, decided up front. Pure: same input, same plan."""
    cfg = inp.config
    intents = parse_intents(inp.message)
    memory = inp.memory
    if memory.get("awaiting_answer") and intents.kinds in ((CHAT,), (ASK,)) and inp.message.strip():
        # The answer to ask_question is the video's subject.
        prompt = _clean(inp.message) or inp.message.strip()[:200]
        intents = replace(intents, kinds=(GENERATE,), prompt=prompt)
    ids = rng.derive(inp.seed, "agent-ids", inp.session_id, inp.turn)
    times = rng.derive(inp.seed, "agent-times", inp.session_id, inp.turn)
    plan = TurnPlan(
        kind="chat",
        intents=intents,
        invocation_id=f"e-{rng.uuid4(ids)}",
        started_at=inp.started_at,
        steps=[],
        changes=[],
        freeze=None,
        memory={"awaiting_answer": False},
        draft_after=inp.draft,
    )
    builder = _Planner(inp, intents, plan, _Script(ids, inp.started_at), times)
    builder.build()
    plan.steps = builder.script.steps
    if not plan.silent and plan.kind != "ask":
        plan.temporary_issue = temporary_issue(
            inp.seed, inp.session_id, inp.turn, cfg.temporary_issue_rate
        )
    if plan.temporary_issue:
        builder.script.text(GAP, TEMPORARY_ISSUE)
        plan.steps = builder.script.steps
    if plan.kind == "edit" and plan.freeze is not None:
        plan.changes.append(Change(at=plan.ends_at, charge=plan.freeze[0]))
    return plan


class _Planner:
    def __init__(
        self,
        inp: TurnInput,
        intents: Intents,
        plan: TurnPlan,
        script: _Script,
        times: random.Random,
    ) -> None:
        self.inp, self.intents, self.plan, self.script, self.times = (
            inp,
            intents,
            plan,
            script,
            times,
        )
        self.cfg = inp.config
        self.zh = intents.language == "zh"
        self.draft = inp.draft  # simulated as the changes are planned

    # -- dispatch
    def build(self) -> None:
        kind = self.intents.kind
        memory = self.inp.memory
        if kind == GENERATE:
            self._generation(regenerate=False)
        elif kind == ASK:
            self._ask()
        elif kind == ASPECT:
            if memory.get("prompt") and drafts.has_video(self.draft):
                self._generation(regenerate=True)
            else:
                self._canvas_only()
        elif kind in EDIT_KINDS:
            self._edit()
        else:
            self._chat(self._chat_text())

    # -- helpers
    def _say(self, en: str, zh: str, **values: Any) -> str:
        return (zh if self.zh else en).format(**values)

    def _lead(self) -> float:
        return self.times.uniform(*LEAD_SECONDS)

    def _text_time(self) -> float:
        return self.times.uniform(*self.cfg.text_seconds)

    def _land(self, change: Change) -> None:
        if change.draft is not None:
            self.draft = change.draft(self.draft)
        self.plan.changes.append(change)
        self.plan.draft_after = self.draft

    def _media_id(self, n: int) -> str:
        r = rng.derive(self.inp.seed, "agent-media", self.inp.session_id, self.inp.turn, n)
        return f"med_{rng.hex_id(r, 16)}"

    def _seg_id(self) -> str:
        return f"seg_{rng.hex_id(self.script.ids, 12)}"

    def _url(self, media: MediaFile) -> str:
        return media_url(self.inp.base_url, media)

    def _media(
        self,
        n: int,
        filename: str,
        kind: str,
        seconds: float,
        width: int,
        height: int,
        fps: float,
        recipe: dict[str, Any],
        at: float,
    ) -> MediaFile:
        media_id = self._media_id(n)
        digest = hashlib.sha256(json.dumps(recipe, sort_keys=True).encode()).hexdigest()
        return MediaFile(
            media_id=media_id,
            user_id=self.inp.user_id,
            session_id=self.inp.session_id,
            filename=filename,
            path=self.inp.data_dir / "media" / media_id / filename,
            file_type=kind,
            duration=seconds,
            width=width,
            height=height,
            fps=fps,
            hash=digest,
            size=0,  # unknown until the file is synthesized on first use
            source="generated",
            created_at=at,
            recipe=recipe,
        )

    # -- turn kinds
    def _chat(self, text: str) -> None:
        self.plan.kind = "chat"
        self.script.text(self._text_time(), text)

    def _chat_text(self) -> str:
        message = self.inp.message
        if _GREETING.search(message.lower()):
            return self._say(
                "Hi! I'm Nemo, your AI video assistant. Tell me what to make, for example "
                '"generate a 10-second video of a city timelapse", and I\'ll generate it and '
                "add music and a title.",
                "你好！我是 Nemo，你的 AI 视频助手。告诉我想做什么，例如“生成一段10秒的城市延时视频”，"
                "我会生成视频并配上音乐和标题。",
            )
        if _THANKS.search(message.lower()):
            return self._say(
                "You're welcome! Anything else? I can add music or a title, trim the video or "
                "change its aspect ratio.",
                "不客气！还需要什么吗？我可以添加音乐或标题、剪短视频或调整画面比例。",
            )
        return self._say(
            "I can generate a video from a description, add background music or a title, trim "
            "a video, or change its aspect ratio. What would you like to do?",
            "我可以根据描述生成视频、添加背景音乐或标题、剪短视频，或调整画面比例。你想做什么？",
        )

    def _ask(self) -> None:
        self.plan.kind = "ask"
        self.plan.memory["awaiting_answer"] = True
        question = self._say(
            "What should the video show? Describe the scene, the subject and the mood.",
            "视频要展示什么内容？请描述场景、主体和氛围。",
        )
        options = (
            ["夜晚的城市延时", "日落时海浪拍打沙滩", "阳光花园里玩耍的小猫"]
            if self.zh
            else [
                "A city timelapse at night",
                "Waves on a beach at sunset",
                "A cat playing in a sunny garden",
            ]
        )
        self.script.call(
            self._text_time(),
            TOOL_ASK,
            {"question": question, "options": options},
            long_running=True,
        )

    def _canvas(self) -> tuple[str, int, int, int]:
        """(aspect ratio, short side, width, height) for this turn's output."""
        memory, intents = self.inp.memory, self.intents
        current = self.inp.canvas
        aspect = (
            intents.aspect_ratio
            or memory.get("aspect_ratio")
            or current.get("aspect_ratio")
            or "16:9"
        )
        if aspect not in RATIOS:
            aspect = "16:9"
        short = intents.resolution or memory.get("resolution")
        if short is None:
            side = min(int(current.get("width") or 1920), int(current.get("height") or 1080))
            short = side if side in (480, 720, 1080) else 1080
        width, height = canvas_size(aspect, int(short))
        return aspect, int(short), width, height

    def _canvas_only(self) -> None:
        aspect, short, width, height = self._canvas()
        self.plan.kind = "canvas"
        self.plan.memory.update(aspect_ratio=aspect, resolution=short)
        step = self.script.text(
            self._text_time(),
            self._say(
                "Canvas set to {aspect} ({w}x{h}). What should the video show?",
                "画布已设置为 {aspect}（{w}x{h}）。视频要展示什么内容？",
                aspect=aspect,
                w=width,
                h=height,
            ),
        )
        canvas = {"width": width, "height": height, "aspect_ratio": aspect}
        edit = partial(_recanvas, width=width, height=height)
        self._land(Change(at=step.at, canvas=canvas, draft=edit))

    def _generation(self, *, regenerate: bool) -> None:
        inp, intents, memory = self.inp, self.intents, self.inp.memory
        self.plan.kind = "generation"
        ref = f"generation:{inp.session_id}:{inp.turn}"
        self.plan.freeze = (ref, self.cfg.generation_cost)
        aspect, short, width, height = self._canvas()
        prompt = (intents.prompt if not regenerate else memory.get("prompt")) or "a short video"
        seconds = (
            intents.seconds or (memory.get("seconds") if regenerate else None) or DEFAULT_SECONDS
        )
        seconds = float(min(max(seconds, CLIP_SECONDS[0]), CLIP_SECONDS[1]))
        style = intents.style or (memory.get("style") if regenerate else None)
        music = (
            intents.music_style
            or (memory.get("music_style") if regenerate else None)
            or _music_for(style)
        )
        volume = (
            intents.volume
            or (memory.get("volume") if regenerate else None)
            or drafts.DEFAULT_BGM_VOLUME
        )
        title = intents.title or (memory.get("title") if regenerate else None) or title_from(prompt)
        self.plan.memory.update(
            prompt=prompt,
            seconds=seconds,
            style=style,
            music_style=music,
            volume=volume,
            title=title,
            aspect_ratio=aspect,
            resolution=short,
        )
        gen_seconds = self.times.uniform(*self.cfg.generation_seconds)
        music_seconds = self.times.uniform(*self.cfg.edit_seconds)
        title_seconds = self.times.uniform(*self.cfg.edit_seconds)
        seeds = rng.derive(inp.seed, "agent-synth", inp.session_id, inp.turn)
        clip_seed, bgm_seed = seeds.getrandbits(31), seeds.getrandbits(31)

        if regenerate:
            intro = self._say(
                "Changing the aspect ratio needs a new generation, so I'll regenerate your video at {aspect} ({w}x{h}).",
                "修改画面比例需要重新生成，我将以 {aspect}（{w}x{h}）重新生成你的视频。",
                aspect=aspect,
                w=width,
                h=height,
            )
        else:
            intro = self._say(
                "I'll generate your video now: {prompt} ({s:g}s, {aspect}, {res}p{style}).",
                "好的，现在开始生成视频：{prompt}（{s:g}秒，{aspect}，{res}p{style}）。",
                prompt=prompt,
                s=seconds,
                aspect=aspect,
                res=short,
                style=f", {style}" if style and not self.zh else (f"，{style}" if style else ""),
            )
        self.script.text(self._lead(), intro)
        args: dict[str, Any] = {
            "prompt": prompt,
            "duration": seconds,
            "aspect_ratio": aspect,
            "resolution": f"{short}p",
        }
        if style:
            args["style"] = style
        call = self.script.call(CALL_GAP, TOOL_VIDEO, args)
        at = self.script.t + gen_seconds
        clip_recipe = {
            "kind": "clip",
            "prompt": prompt,
            "seed": clip_seed,
            "width": width,
            "height": height,
            "seconds": seconds,
            "fps": CLIP_FPS,
        }
        clip = self._media(
            1,
            f"seedance_{inp.turn}.mp4",
            "video",
            seconds,
            width,
            height,
            float(CLIP_FPS),
            clip_recipe,
            round(at, 6),
        )
        clip_url = self._url(clip)
        self.script.result(
            gen_seconds,
            call,
            {
                "status": "success",
                "media_id": clip.media_id,
                "cdn_url": clip_url,
                "duration": seconds,
                "width": width,
                "height": height,
                "fps": CLIP_FPS,
            },
        )
        segment = drafts.video_segment(self._seg_id(), clip_url, prompt[:60], round(seconds * 1000))
        fresh = partial(_fresh_video, segment=segment, title=title, width=width, height=height)
        canvas = {"width": width, "height": height, "aspect_ratio": aspect}
        self._land(
            Change(
                at=clip.created_at,
                media=[Generated(clip, TOOL_VIDEO, prompt)],
                draft=fresh,
                canvas=canvas,
                charge=ref,
            ),
        )

        self.script.text(
            GAP,
            self._say(
                "The raw clip is ready. Now adding background music and a title…",
                "原始视频已生成，正在添加背景音乐和标题……",
            ),
        )
        music_prompt = f"{music} background music for {prompt}"
        call = self.script.call(
            CALL_GAP, TOOL_MUSIC, {"prompt": music_prompt, "style": music, "duration": seconds}
        )
        self._music(call, music_seconds, music, music_prompt, seconds, volume, bgm_seed, n=2)
        call = self.script.call(GAP, TOOL_EDIT, _title_args(title))
        self._title(call, title_seconds, title)
        self.script.text(
            GAP,
            self._say(
                "Your video is ready! {summary}. Preview it in the timeline, then click Export to download the MP4.",
                "视频已完成！{summary}。可以在时间线中预览，然后点击导出下载 MP4。",
                summary=drafts.summary(self.draft),
            ),
        )

    def _music(
        self,
        call: Step,
        duration: float,
        style: str,
        prompt: str,
        seconds: float,
        volume: float,
        seed: int,
        n: int,
        uploads: list[dict[str, Any]] | None = None,
    ) -> None:
        at = round(self.script.t + duration, 6)
        recipe = {
            "kind": "bgm",
            "seed": seed,
            "seconds": seconds,
            "style": SYNTH_STYLE.get(style, style.lower()),
        }
        bgm = self._media(n, f"bgm_{self.inp.turn}.m4a", "audio", seconds, 0, 0, 0.0, recipe, at)
        url = self._url(bgm)
        self.script.result(
            duration,
            call,
            {
                "status": "success",
                "media_id": bgm.media_id,
                "cdn_url": url,
                "duration": seconds,
                "style": style,
            },
        )
        edit = partial(drafts.with_bgm, seg_id=self._seg_id(), src=url, name=style, volume=volume)
        self._land(
            Change(
                at=at,
                media=[Generated(bgm, TOOL_MUSIC, prompt)],
                draft=_with_uploads(uploads, edit),
            ),
        )

    def _title(
        self, call: Step, duration: float, title: str, uploads: list[dict[str, Any]] | None = None
    ) -> None:
        step = self.script.result(
            duration,
            call,
            {"status": "success", "action": "add_title", "track_type": drafts.TEXT, "text": title},
        )
        edit = partial(drafts.with_title, seg_id=self._seg_id(), text=title)
        self._land(Change(at=step.at, draft=_with_uploads(uploads, edit)))

    def _edit(self) -> None:
        inp, intents, memory = self.inp, self.intents, self.inp.memory
        uploads = _upload_segments(inp.video_infos)
        if not drafts.has_video(self.draft) and not uploads:
            self._chat(
                self._say(
                    "There's no video in this project yet. Upload a clip or tell me what to generate "
                    'first, e.g. "generate a video of a sunset over the sea".',
                    "这个项目里还没有视频。请先上传素材，或告诉我要生成什么，例如“生成一段海上日落的视频”。",
                )
            )
            return
        current = (
            drafts.duration_ms(self.draft)
            if drafts.has_video(self.draft)
            else sum(int(s["d"]) for s in uploads)
        )
        kinds = list(intents.kinds)
        trim_to: int | None = None
        if TRIM in kinds:
            trim_to = round(intents.seconds * 1000) if intents.seconds else max(1000, current // 2)
            if trim_to >= current:
                kinds.remove(TRIM)
                if not kinds:
                    self._chat(
                        self._say(
                            "The video is {cur:g}s long, so I can only shorten it. For a {want:g}-second "
                            'video I need to generate a new one: say "generate a {want:g}-second video of …".',
                            "视频目前只有 {cur:g} 秒，只能剪短。要 {want:g} 秒的视频需要重新生成：请说“生成一段{want:g}秒的……视频”。",
                            cur=current / 1000,
                            want=trim_to / 1000,
                        )
                    )
                    return
        self.plan.kind = "edit"
        self.plan.freeze = (f"edit:{inp.session_id}", self.cfg.edit_cost)
        self.plan.silent = silent_close(
            inp.seed, inp.session_id, inp.turn, self.cfg.silent_close_rate
        )
        seeds = rng.derive(inp.seed, "agent-synth", inp.session_id, inp.turn)
        bgm_seed = seeds.getrandbits(31)
        durations = [self.times.uniform(*self.cfg.edit_seconds) for _ in kinds]
        title = intents.title or memory.get("title") or title_from(memory.get("prompt") or "")
        music = intents.music_style or memory.get("music_style") or "Lo-fi"
        volume = intents.volume or memory.get("volume") or drafts.DEFAULT_BGM_VOLUME
        done: list[str] = []
        # A project with uploads but no timeline yet: the first edit lays them out.
        place: list[dict[str, Any]] | None = None if drafts.has_video(self.draft) else uploads
        for i, (kind, duration) in enumerate(zip(kinds, durations, strict=True)):
            after = self._lead() if i == 0 else GAP
            if kind == TRIM:
                assert trim_to is not None
                call = self.script.call(
                    after, TOOL_EDIT, {"action": "trim", "duration_ms": trim_to}
                )
                step = self.script.result(
                    duration, call, {"status": "success", "action": "trim", "duration_ms": trim_to}
                )
                edit = partial(drafts.trimmed, length_ms=trim_to)
                self._land(Change(at=step.at, draft=_with_uploads(place, edit)))
                self.plan.memory["seconds"] = trim_to / 1000
                done.append(
                    self._say(
                        "trimmed the video to {s:g}s", "已将视频剪到 {s:g} 秒", s=trim_to / 1000
                    )
                )
            elif kind == MUSIC:
                seconds = (trim_to or current) / 1000
                music_prompt = f"{music} background music" + (
                    f" for {memory['prompt']}" if memory.get("prompt") else ""
                )
                call = self.script.call(
                    after, TOOL_MUSIC, {"prompt": music_prompt, "style": music, "duration": seconds}
                )
                self._music(
                    call,
                    duration,
                    music,
                    music_prompt,
                    seconds,
                    volume,
                    bgm_seed,
                    n=1,
                    uploads=place,
                )
                self.plan.memory.update(music_style=music, volume=volume)
                done.append(
                    self._say(
                        "added {style} background music at {vol}%",
                        "已添加{style}背景音乐（音量 {vol}%）",
                        style=music,
                        vol=round(volume * 100),
                    )
                )
            else:
                call = self.script.call(after, TOOL_EDIT, _title_args(title))
                self._title(call, duration, title, uploads=place)
                self.plan.memory["title"] = title
                done.append(
                    self._say('added the title "{title}"', "已添加标题“{title}”", title=title)
                )
            place = None
        if not self.plan.silent:
            what = ("; " if not self.zh else "；").join(done)
            self.script.text(
                GAP,
                self._say(
                    "Done: {what}. {summary}.",
                    "完成：{what}。{summary}。",
                    what=what[:1].upper() + what[1:] if not self.zh else what,
                    summary=drafts.summary(self.draft),
                ),
            )


def _title_args(title: str) -> dict[str, Any]:
    return {
        "action": "add_title",
        "text": title,
        "start_ms": 0,
        "duration_ms": drafts.TITLE_MS,
        "position": "center",
    }


def _music_for(style: str | None) -> str:
    if style in ("cinematic", "documentary", "noir"):
        return "Cinematic"
    if style in ("anime", "cartoon", "3d", "pixel art"):
        return "Upbeat"
    return "Lo-fi"


def _fresh_video(
    draft: dict[str, Any], *, segment: dict[str, Any], title: str, width: int, height: int
) -> dict[str, Any]:
    """A new generation starts a new timeline: the clip alone (music and title follow)."""
    return drafts.with_video(
        drafts.empty_draft(title, width, height), [segment], title=title, width=width, height=height
    )


def _recanvas(draft: dict[str, Any], *, width: int, height: int) -> dict[str, Any]:
    return drafts.with_canvas(draft, width, height) if draft else draft


def _upload_segments(video_infos: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Uploaded visuals as video-track segments (images hold 3 s), in upload order."""
    segments = []
    for i, info in enumerate(video_infos):
        if info.get("source") == "generated" or info.get("file_type") not in ("video", "image"):
            continue
        url = info.get("cdn_url")
        if not url:
            continue
        seconds = float(info.get("duration") or 0) if info.get("file_type") == "video" else 3.0
        if seconds <= 0:
            seconds = 3.0
        segments.append(
            drafts.video_segment(
                f"seg_upload_{i + 1}",
                url,
                str(info.get("filename") or "clip"),
                round(seconds * 1000),
            )
        )
    return segments


def _with_uploads(uploads: list[dict[str, Any]] | None, then: DraftEdit) -> DraftEdit:
    """`then`, after laying the uploads on the video track if the draft has no picture yet."""
    if not uploads:
        return then
    return partial(_lay_uploads, uploads=uploads, then=then)


def _lay_uploads(
    draft: dict[str, Any], *, uploads: list[dict[str, Any]], then: DraftEdit
) -> dict[str, Any]:
    if not drafts.has_video(draft):
        title = (draft.get("m") or {}).get("title") or str(uploads[0].get("n") or "My Video")
        draft = drafts.with_video(draft, uploads, title=title)
    return then(draft)


def canvas_size(aspect: str, short: int) -> tuple[int, int]:
    """Width and height (even) for an aspect ratio and the short side, e.g. 9:16 @1080 → 1080x1920."""
    a, b = RATIOS.get(aspect, (16, 9))
    long_side = round(short * max(a, b) / min(a, b) / 2) * 2
    return (long_side, short) if a >= b else (short, long_side)


def title_from(prompt: str) -> str:
    """A short title from a prompt: "a city timelapse at night" → "City Timelapse At Night"."""
    prompt = prompt.strip()
    if not prompt:
        return "My Video"
    if _CJK.search(prompt):
        return prompt[:12]
    words = re.findall(r"[A-Za-z0-9'-]+", prompt)
    while words and words[0].lower() in ("a", "an", "the"):
        words = words[1:]
    return " ".join(w[:1].upper() + w[1:] for w in words[:4]) or "My Video"


# --- 3. wiring into the domain ---------------------------------------------------------


def start_turn(
    service: NemoService, account: Account, session: Session, message: str, base_url: str
) -> tuple[Turn, TurnPlan]:
    """Plan the turn and commit it: 409 if one runs, 2001 if credits fall short (nothing
    changes then), else the Turn with its effects is on the session. Call under the lock."""
    ctx = service.ctx
    now = ctx.clock.now()
    sessions = service.sessions
    sessions.apply_due(session)
    if session.running_turn(now) is not None:
        raise Busy(
            "A turn is already running in this session; wait for it to finish (re-sending creates duplicates and double-charges)"
        )
    number = session.message_count + 1
    plan = plan_turn(
        TurnInput(
            seed=ctx.config.seed,
            config=ctx.config,
            user_id=account.user_id,
            session_id=session.session_id,
            turn=number,
            started_at=now,
            message=message,
            base_url=base_url,
            data_dir=ctx.data_dir,
            draft=session.draft,
            canvas=session.canvas_config,
            video_infos=list(session.video_infos),
            memory=dict(session.extra),
        )
    )
    holds: list[str] = []
    if plan.freeze is not None:
        ref, amount = plan.freeze
        service.ledger.freeze(account, amount, ref)  # InsufficientCredits: nothing changed yet
        holds.append(ref)
    session.message_count = number
    session.extra.update(plan.memory)
    turn = Turn(
        invocation_id=plan.invocation_id,
        message=message,
        started_at=now,
        ends_at=plan.ends_at,
        events=list(plan.steps),
        number=number,
        kind=plan.kind,
        holds=holds,
    )
    turn.effects = [
        Effect(at=change.at, apply=partial(apply_change, service, session, change, base_url))
        for change in plan.changes
    ]
    session.turns.append(turn)
    ctx.store.put_session(session)
    return turn, plan


def apply_change(service: NemoService, session: Session, change: Change, base_url: str) -> None:
    """Land one change on the live session (called by Sessions.apply_due, under the lock)."""
    store = service.ctx.store
    for generated in change.media:
        media = generated.file
        store.put_media(media)
        url = media_url(base_url, media)
        created = iso(media.created_at)
        entry: dict[str, Any] = {
            "id": media.media_id,
            "type": media.file_type,
            "tool": generated.tool,
            "prompt": generated.prompt,
            "cdn_url": url,
            "duration": media.duration,
        }
        if media.file_type == "video":
            entry.update(width=media.width, height=media.height)
            info = {**media.info(url), "size": media.size or None}  # None: not synthesized yet
            session.video_infos.append(
                {"id": media.media_id, **info, "source": "generated", "created_at": created}
            )
        session.generated_media.append({**entry, "created_at": created})
    if change.canvas is not None:
        session.canvas_config = dict(change.canvas)
    if change.draft is not None:
        session.draft = change.draft(session.draft)
    if change.charge is not None:
        service.ledger.charge(change.charge)
    store.put_session(session)
