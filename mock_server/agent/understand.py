# ruff: noqa: RUF001  (Chinese cue words use full-width punctuation)
"""Message + session state → what the user wants (`Understanding`).

A scored reading of the whole message, the way an LLM agent weighs it, not a first
keyword hit: cues are collected for each reading (a question or a request for text, a
reference to the user's own media, an export, edits of the project's video, a video
described or requested), each with a weight, and the session decides between them (the
user's "my video" is the project's video once there is one; an edit of nothing asks for
the upload). Parameters (duration, aspect ratio, resolution, style, music, title) come
from the same pass. Pure and fast: a few dozen compiled regular expressions, no model.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from dataclasses import dataclass, field
from typing import Literal

from mock_server.agent import quantities as q
from mock_server.agent.edits import Edit, parse_edits
from mock_server.agent.lexicon import (
    CJK,
    META_WORDS,
    MUSIC_STYLES,
    VIDEO_STYLES,
    compiled,
    first_match,
)
from mock_server.agent.subject import QUOTED, WORD, first_quoted, has_content, subject

Act = Literal[
    "generate",  # make a new clip
    "ask",  # a generation with nothing to show: ask what the video should show
    "upload",  # needs the user's media / text, which the session does not have
    "edit",  # change the project's video
    "answer",  # a question or a text deliverable: answer in text
    "export",  # how to export (the render API)
    "credits",  # the balance
    "status",  # the timeline as it is
    "canvas",  # an aspect ratio before there is a video
    "chat",  # greetings, thanks, anything else
]
Language = Literal["en", "zh"]


@dataclass(frozen=True)
class SessionView:
    """What the understanding needs to know about the session."""

    has_video: bool = False  # the draft has a picture (generated or laid-out uploads)
    uploads: int = 0  # uploaded visual files
    uploaded_images: int = 0
    awaiting_answer: bool = False  # the agent asked what the video should show


@dataclass(frozen=True)
class Generation:
    prompt: str | None = None
    seconds: float | None = None
    aspect_ratio: str | None = None
    resolution: int | None = None
    style: str | None = None
    music_style: str | None = None
    music: bool = True  # False: "no music"
    volume: float | None = None
    title: str | None = None
    text: bool = True  # False: "no text", no title overlay


@dataclass(frozen=True)
class Understanding:
    act: Act
    language: Language = "en"
    generation: Generation = field(default_factory=Generation)
    edits: tuple[Edit, ...] = ()
    topic: str = ""  # what a question / upload request is about
    answer_kind: str = (
        "general"  # ideas | titles | script | plan | howto | concept | prompt | captions | general
    )
    needs: str = "video"  # what to upload: video | photos | clips | text | audio
    scores: dict[str, float] = field(default_factory=dict)


# --- cues ----------------------------------------------------------------------------------

_VIDEO_NOUN = (
    r"(?:videos?|clips?|films?|movies?|animations?|timelapses?|time-lapses?|montages?|reels?|shorts?|"
    r"trailers?|commercials?|ads?|adverts?|explainers?|promos?|slideshows?|teasers?|intros?|"
    r"showcases?|footage|scenes?|shots?|cinemagraphs?|loops?|b-roll|visuali[sz]ers?|tiktoks?|vlogs?|gifs?)"
)

_MEDIA_NOUN = (
    r"(?:photos?|images?|pictures?|pics?|portraits?|selfies?|screenshots?|pngs?|jpe?gs?|gifs?|"
    r"videos?|clips?|footage|recordings?|vlogs?|webinars?|interviews?|tutorials?|podcasts?|"
    r"mp4s?|movs?|files?|drafts?|reels?|stories|blog posts?|articles?|posts?|scripts?|transcripts?|logos?|demos?|slides|"
    r"presentations?|audio|songs?|voice ?(?:memos?|notes?|overs?)|tracks?|drawings?|illustrations?|"
    r"artwork|product shots?|b-roll|raw footage|livestreams?|streams?|meetings?|lectures?|talks?|"
    r"speech|documents?|pdfs?|notes|text|footage)"
)
_CUE_PATTERNS = {
    # a video asked for, a question or a text deliverable, a task, the chat
    "gen_verb": (
        r"\b(?:generat(?:e|es|ed|ing)|creat(?:e|es|ing)|produc(?:e|es|ing)|render|animate|shoot|film|design|build|mak(?:e|es|ing)|give me|show me)\b"
        r"|生成|制作|创作|做一?[个段条部]|拍一?[个段条部]|来一?[个段条]"
    ),
    "video_word": r"\b" + _VIDEO_NOUN + r"\b",
    "gen_request": (
        r"(?i)\b(?:generat(?:e|es|ed|ing)|creat(?:e|es|ing)|produc(?:e|es|ing)|render|animate|shoot|film|design|build|mak(?:e|ing)|give me|show me|i want|i need|i'd like)\b"
        r"(?:\s+[\w'#:/&-]+){0,7}?\s+" + _VIDEO_NOUN + r"\b"
        r"|(?:生成|制作|创作|做|拍|来)(?:一个|一段|一条|一部|个|段|条|部)?[^，。,.？?]{0,20}?(?:视频|短片|影片|动画|片子)"
        r"|(?:视频|短片|影片|动画)(?:制作|生成|创作)"
    ),
    "describes": (
        r"(?i)^\W*(?:an?\s+)?(?:[\w-]+\s+){0,4}"
        + _VIDEO_NOUN
        + r"\s+(?:of|about|showing|featuring|depicting|where|for|with)\s+\S"
        r"|^\W*(?:an?\s+)?(?:\d+(?:\.\d+)?\s*-?\s*(?:second|sec|s|minute|min)\s+)(?:[\w-]+\s+){0,4}"
        + _VIDEO_NOUN
        + r"?"
    ),
    "question_start": (
        r"^\W*(?:how|what|what's|whats|which|why|when|where|who|(?:is|are|should|do|does|did|can i|could i)(?=(?:\s+\S+){3}|.*\?)|"
        r"would it|will it|any (?:tips|ideas|advice)|is there|are there)\b"
        r"|^\W*(?:怎么|如何|为什么|什么|哪|是否|能不能|可以.*吗|有没有)"
    ),
    "question_inner": (
        r"\b(?:how (?:do|should|can|would|could) (?:i|we|you)|what(?:'s| is| are) the best|which (?:\w+ ){0,3}(?:should|would|do|can) (?:i|we)|"
        r"what should (?:i|we)|where should (?:i|we)|how (?:to|much|many|long)|is it (?:possible|better)|do you (?:think|recommend)|"
        r"what (?:do|would) you (?:suggest|recommend))\b|怎么|如何|哪些|什么样|为什么|吗[？?]?$"
    ),
    "request_form": (
        r"\b(?:can|could|would|will) you (?:please )?(?:generate|create|make|add|produce|render|animate|turn|convert|edit|trim|cut|remove|put|give|build)\b"
        r"|能不能帮我|可以帮我|帮我"
    ),
    "deliverable_verb": (
        r"\b(?:give me|write|suggest|brainstorm|list|recommend|outline|come up with|draft|propose|explain|describe|"
        r"help me (?:plan|write|brainstorm|think|decide|figure|come up|choose|pick|outline|structure)|tell me (?:which|what|how|where|when|why)|"
        r"generate \d+|create \d+|what are|share)\b|写|建议|推荐|列出|给我.{0,12}(?:想法|点子|创意|标题|脚本|建议|方案)|想几个|出几个"
    ),
    "deliverable_noun": (
        r"\b(?:ideas?|titles? (?:options|ideas)|(?:\d+|ten|five|three|some|a few) (?:\w+ ){0,3}titles|scripts?|outlines?|concepts?|plans?|"
        r"(?:pacing )?structures?|suggestions?|tips|advice|hooks?|storyboards?|checklists?|strategy|strategies|workflows?|prompts?|"
        r"descriptions? for|captions? for|hashtags?|taglines?|captions? ideas|topics?|calendar|schedule|shot lists?|talking points)\b"
        r"|想法|点子|创意|标题建议|标题|脚本|文案|大纲|建议|策划|方案|技巧|提示词"
    ),
    "deliverable_start": (
        r"^\W*(?:please\s+)?(?:suggest|recommend|brainstorm|list|explain|outline|draft|propose|write|give me|tell me)\b"
        r"|^\W*(?:给我|帮我写|写一|推荐|建议)"
    ),
    # "here's the transcript", "attached is my script": content the message says it carries
    "claimed": (
        r"\b(?:here'?s|here is|here are|attached(?: is| are)?|i(?:'ve| have) attached|see attached|below is)\s+(?:the\s+|my\s+|a\s+|our\s+)?"
        r"(?:[\w-]+\s+){0,2}?(?:transcript|script|file|video|clip|photos?|images?|pictures?|recording|footage|link|logo|audio|song|draft)\b"
    ),
    "makes_text": (
        r"\b(?:generat(?:e|es|ing)|creat(?:e|es|ing)|mak(?:e|es|ing)|produc(?:e|es|ing)|need|want)\s+"
        r"(?!(?:[\w'-]+\s+){0,5}?(?:my|our|this|these|the attached)\s)(?:[\w'-]+\s+){0,5}?"
        r"(?:ideas?|titles? options|concepts?|scripts?|outlines?|storyboards?|plans?|hooks?|taglines?|hashtags?|prompts?)\b"
    ),
    # "image to video", "图片转视频": a conversion of media the user has; "text to video": of a
    # text (ask for it); "video editor", "trim video": a task on a video the session lacks
    "media_to_video": (
        r"\b(?:images?|photos?|pictures?|pics?|stills?|selfies?|portraits?)\s*(?:to|into|2|→)\s*(?:an?\s+)?(?:videos?|clips?|animations?)\b"
        r"|(?:图片|照片|图像)(?:转|变|生成)(?:成)?视频|图生视频"
    ),
    "text_to_video": (
        r"\b(?:text|script|blog|article|prompt|words)s?\s*(?:to|into|2|→)\s*(?:an?\s+)?(?:videos?|clips?)\b"
        r"|(?:文字|文本|文案|脚本|描述|提示词)[^，。,.]{0,4}(?:转|变|生成)(?:成)?视频|文生视频"
    ),
    "video_task": (
        r"\b(?:edit(?:or|ing)?|trim(?:mer|ming)?|cut(?:ter|ting)?|compress(?:or|ion)?|crop(?:per|ping)?|merg(?:e|er|ing)|"
        r"stabili[sz](?:e|er|ation)|convert(?:er)?|resiz(?:e|er)|rotat(?:e|or)|upscal(?:e|er|ing)|enhanc(?:e|er)|splic(?:e|er)|split(?:ter)?)\b"
        r"|剪辑|压缩|裁剪|合并|转换|上传"
    ),
    "slideshow": r"\bslide ?shows?\b|幻灯片|相册视频|电子相册",
    # An imperative edit: never a description of a new video ("reverse the video", "flip it")
    "edit_command": (
        r"^\W*(?:please\s+)?(?:(?:make|give|set|turn)\s+(?:it|the|this|my)\b|(?:edit|add|put|trim|cut|remove|delete|"
        r"change|replace|swap|speed|slow|apply|convert|crop|resize|fade|mute|increase|decrease|lower|raise|insert|overlay|"
        r"shorten|extend|burn|brighten|darken|sharpen|denoise|clean|fix|enhance|reduce|boost|switch|drop|stabili[sz]e|"
        r"reverse|loop|blur|zoom|rotate|flip|get rid of|erase|caption|subtitle|translate|dub|sync|colou?r-?grade)\b)"
        r"|^\W*(?:加|添加|去掉|去除|移除|删除|删掉|剪|裁|换|改|调|把|给|让|将|配|为|一键)"
    ),
    "upload_word": r"^\W*(?:upload|上传)\W*$",
    "gen_tool": r"\b(?:videos?|clips?|animations?)\s+(?:makers?|generators?|creators?|builders?)\b|视频生成|生成视频|视频制作|制作视频",
    "gen_start": (
        r"^\W*(?:please\s+)?(?:generate|create|produce|render|make\s+(?:a|an|me|us|some|something|videos?)\b)\b"
        r"|^\W*(?:生成|制作|创作)"
    ),
    "credits": r"\b(?:credits?|balance|how many credits|quota|my plan|remaining)\b|余额|积分|额度|点数",
    "status": r"^\W*(?:status|show (?:me )?(?:the )?(?:tracks|timeline)|what'?s on the timeline|timeline)\W*$|状态|时间线",
    "export": (
        r"\b(?:export|download|send (?:me )?(?:the|my) (?:[\w-]+ )?(?:video|file|clip|mp4|cut|version)|save (?:it )?(?:as|to) (?:an? )?(?:mp4|mov|file)|render (?:it|the video|the final)|final (?:mp4|file)|get the (?:file|mp4|video file))\b"
        r"|导出|下载|发给我|保存为"
    ),
    "greeting": r"^\s*(?:hi|hello|hey|yo|good (?:morning|afternoon|evening))\b|^\s*(?:你好|您好|嗨|哈喽)",
    "thanks": r"\b(?:thanks?|thank you|thx|cheers|great job|looks good|perfect|awesome)\b|谢谢|多谢|感谢|不错|很好",
    # the user's own media, and what it is
    "own": (
        r"(?i)\b(?:my|our|these|this|those|the attached|attached|uploaded|the following|here'?s (?:the|my|a)|here is (?:the|my|a))\s+"
        r"(?:[\w'-]+\s+){0,4}?" + _MEDIA_NOUN + r"\b"
    ),
    "i_have": (
        r"(?i)\b(?:i have|i've got|i got|i recorded|i shot|i filmed|i took|i made|we have|i've recorded)\b(?:\s+[\w'-]+){0,6}?\s+"
        + _MEDIA_NOUN
        + r"\b"
        r"|\bthis is (?:a|an|my)\s+(?:[\w-]+\s+){0,3}?(?:photo|image|picture|portrait|drawing|selfie|logo|clip|video|recording)\b"
        r"|\b(?:photos?|pictures?|images?|videos?|clips?|footage|recordings?)\s+(?:that\s+)?(?:i|we)(?:'ve)?\s+(?:shot|took|taken|filmed|recorded|made|uploaded|have|got)\b"
        r"|\b(?:the|these|those)\s+(?:two|three|four|five|six|\d+)\s+(?:[\w-]+\s+)?(?:videos|clips|photos|pictures|images|files|recordings)\b"
    ),
    "raw": (
        r"(?i)\b(?:raw footage|screen recordings?|unedited|my footage|interview recordings?|\d+-(?:minute|hour) (?:[\w-]+ ){0,3}(?:recording|webinar|vlog|interview|tutorial|podcast|lecture))\b"
        r"|\b(?:1|one|an?)[- ]hour\b.{0,20}\b(?:webinar|recording|video|podcast|lecture|stream)\b"
        r"|\d+\s*(?:分钟|小时)的?[\u3400-\u9fff]{0,6}(?:采访|录像|录屏|直播|讲座|会议|课程)"
    ),
    "multi": (
        r"(?i)\b(?:merge|combine|stitch|join|concatenate|splice|compile|sequence|split|assemble|arrange)\b.{0,40}\b(?:clips|videos|files|photos|segments|footage|pictures|images)\b"
        r"|\b(?:split)\b.{0,40}\b(?:into|segments)\b|合并|拼接|分割"
    ),
    "not_media": r"(?i)\b(?:my|this|the|a|your) text (?:prompts?|descriptions?)\b|\bthis description\b|\btext prompts?\b|\bthis (?:skill|tool|api|app)\b",
    "zh_own": (
        r"(?i)(?:我的|这个|这段|这些|这张|这几张|我拍的|我录的|上传的|我有一段|我有一个|我有几|我拍了|我录了)(?:[\u3400-\u9fff\w]{0,6})(?:视频|照片|图片|素材|录像|录屏|片子|文件|音频|文章|脚本|剪辑)"
        r"|(?:\d+\s*分钟的?(?:YouTube|[\u3400-\u9fff]{0,4})(?:教程|视频|录像|录屏|采访))"
    ),
    "text_content": r"\b(?:blog posts?|articles?|scripts?|transcripts?|notes|documents?|pdfs?|essays?|newsletters?)\b|文章|脚本|文案|稿",
    "image_content": r"\b(?:photos?|images?|pictures?|pics?|portraits?|selfies?|screenshots?|pngs?|jpe?gs?|drawings?|illustrations?|logos?)\b|照片|图片",
    "edit_verb": (
        r"^\W*(?:please\s+)?(?:edit|add|put|trim|cut|remove|delete|make|change|replace|swap|speed|slow|apply|turn|convert|crop|resize|fade|mute|"
        r"increase|decrease|lower|raise|set|use|insert|overlay|include|shorten|extend|burn|style|color|colour|brighten|darken|sharpen|denoise|"
        r"clean|fix|enhance|reduce|boost|give|switch|drop|stabili[sz]e|reverse|loop|blur|zoom|rotate|flip)\b"
        r"|^\W*(?:加|添加|去掉|删除|剪|裁|换|改|调|把|给|让|将|配)"
    ),
}
_CUES = compiled(_CUE_PATTERNS)


def is_greeting(text: str) -> bool:
    return bool(_CUES["greeting"].search(text.lower()))


def is_thanks(text: str) -> bool:
    return bool(_CUES["thanks"].search(text.lower()))


def language_of(text: str) -> Language:
    return "zh" if CJK.search(text) else "en"


# What a question is about, best first: "a cooking channel", then the clause after
# about/promoting/featuring, then after for/on/of (group 1 each).
_TOPIC_CLAUSES = [
    re.compile(
        r"\b(?:a|my|our)\s+([\w' &-]{3,40}?)\s+(?:channel|brand|business|shop|store|blog|podcast)\b",
        re.I,
    ),
    *(
        re.compile(
            rf"\b(?:{marker})\s+(?:my\s+|a\s+|an\s+|the\s+|our\s+)?([^,.;:?!—–()]{{3,80}})", re.I
        )
        for marker in (r"about|promoting|featuring", r"for|on|of")
    ),
]


def _topic(raw: str) -> str:
    """What a question is about: the first clause that names something, else the
    message's first sentence."""
    text = raw.strip()
    for clause in _TOPIC_CLAUSES:
        match = clause.search(text)
        if match and has_content(match.group(1)):
            return match.group(1).strip()
    first = re.split(r"[.;?!—–]|\s-\s", text)[0]
    return first.strip()[:100]


CACHED_MESSAGES = 1024  # distinct (message, session view) readings kept
CACHED_CHARS = 4096  # longer messages are read afresh each time (bounded memory)


def understand(text: str, session: SessionView | None = None) -> Understanding:
    """Decide what the message asks for, given the session. Pure; never raises.

    Cached: test suites send the same prompts over and over, and a reading is a few
    hundred microseconds of regular expressions. The key is everything the reading
    depends on (the text and the frozen `SessionView`); each caller gets its own copy
    of the one mutable part (`scores`), the rest is frozen dataclasses and tuples."""
    session = session or SessionView()
    if len(text or "") > CACHED_CHARS:
        return read(text, session)
    reading = _cached(text, session)
    return dataclasses.replace(reading, scores=dict(reading.scores))


@functools.lru_cache(maxsize=CACHED_MESSAGES)
def _cached(text: str, session: SessionView) -> Understanding:
    return read(text, session)


def read(text: str, session: SessionView | None = None) -> Understanding:
    """`understand` without the cache (what the agent benchmark times)."""
    session = session or SessionView()
    raw = _bounded((text or "").strip())
    low = raw.lower()
    lang = language_of(raw)
    bare = QUOTED.sub(" ", low)
    edits = tuple(parse_edits(low, raw))
    gen = _generation(raw, low, bare, edits)
    scores: dict[str, float] = {}

    def result(act: Act, **extra: object) -> Understanding:
        return Understanding(
            act,
            lang,
            gen,
            edits if act == "edit" else (),
            scores=scores,
            **extra,  # type: ignore[arg-type]
        )

    if not raw:
        return result("chat")
    if session.awaiting_answer and not edits and not _CUES["question_start"].search(bare):
        prompt = subject(raw, gen.title) or raw[:200]
        if has_content(prompt):
            return Understanding("generate", lang, _with(gen, prompt=prompt), scores=scores)

    # -- cue scores
    question = 0.0
    if _CUES["question_start"].search(bare) and not _CUES["request_form"].search(bare):
        question += 3
    if _CUES["question_inner"].search(bare):
        question += 3
    if bare.rstrip().endswith(("?", "？")) and not _CUES["request_form"].search(bare):
        question += 2
    # "write 'Sale' across the top" writes that text on the video: no text deliverable
    deliverable_verb = (
        None if edits and QUOTED.search(raw) else _CUES["deliverable_verb"].search(bare)
    )
    deliverable_noun = _CUES["deliverable_noun"].search(bare)
    if deliverable_verb and deliverable_noun:
        question += 4
    elif deliverable_verb and not _CUES["gen_request"].search(bare):
        question += 3 if _CUES["deliverable_start"].search(bare) else 2
    elif _CUES["makes_text"].search(bare):
        question += 3  # "create a music video concept", "generate 10 title options"
    if deliverable_noun and re.search(
        r"\b(?:concept|script|outline|storyboard|plan|ideas?|title options)\b", bare
    ):
        question += 1
    scores["question"] = question

    own = 0.0
    media_ref = (
        _CUES["own"].search(bare) or _CUES["i_have"].search(bare) or _CUES["zh_own"].search(raw)
    ) and not (
        _CUES["not_media"].search(bare)
        and not _CUES["own"].search(_CUES["not_media"].sub(" ", bare))
    )
    if media_ref:
        own += 4
    if _CUES["raw"].search(bare):
        own += 3
    multi = bool(_CUES["multi"].search(bare))
    if multi:
        own += 3
    if any(e.kind == "trim" for e in edits) and any(t >= 60 for t in q.timestamps(bare)):
        own += 2  # cuts at minute marks: long footage the session does not have
    scores["own_media"] = own
    needs = _needs(bare, multi)
    # The project's own video answers "my video" / "this clip"; photos, several clips and
    # texts it cannot.
    resolved = session.has_video and needs == "video" and not _CUES["raw"].search(bare)
    if needs == "photos" and session.uploaded_images:
        resolved = True
    if needs == "clips" and session.uploads >= 2:
        resolved = True

    gen_request = bool(_CUES["gen_request"].search(bare)) or bool(_CUES["describes"].search(bare))
    # A long narrative is content to show, not a list of edit commands.
    if edits and len(bare.split()) > 60 and not _CUES["edit_verb"].search(bare):
        edits = ()
    edit_nouns_first = bool(edits) and _edit_object(bare)
    scores["edit"] = 3.0 * len(edits)
    scores["generate"] = (3.0 if gen_request else 0.0) + (1.0 if gen.prompt else 0.0)
    scores["export"] = 4.0 if _CUES["export"].search(bare) else 0.0

    # -- decide
    if _CUES["credits"].search(bare) and not gen_request and not edits and question + 3 >= own:
        return result("credits", topic="credits")
    if _CUES["status"].search(bare) and not edits:
        return result("status")
    if _CUES["media_to_video"].search(bare) and not session.uploaded_images and question < 3:
        return result("upload", topic=_topic(raw), needs="photos")
    if (
        _CUES["slideshow"].search(bare)
        and not session.uploaded_images
        and not has_content(_CUES["slideshow"].sub(" ", bare))
    ):
        return result("upload", topic=_topic(raw), needs="photos")  # a slideshow of what?
    if _CUES["upload_word"].search(bare):
        return result("upload", topic=_topic(raw), needs="video")
    if _CUES["text_to_video"].search(bare) and not has_content(
        _CUES["text_to_video"].sub(" ", bare)
    ):
        return result("ask")
    if (
        (_CUES["gen_tool"].search(bare) or _CUES["gen_start"].search(bare))
        and not gen.prompt
        and not edits
        and question < 3
        and own < 3
        and not scores["export"]
    ):
        return result("ask")  # "AI video generator", "generate my text prompts"
    if (
        _CUES["video_task"].search(bare)
        and not has_content(_CUES["video_task"].sub(" ", bare))
        and not edits
        and not session.has_video
        and not session.uploads
        and question < 3
    ):
        return result("upload", topic=_topic(raw), needs="video")  # "video editor", "trim video"
    if _CUES["claimed"].search(bare):
        return result("upload", topic=_topic(raw), needs=_needs(bare, multi))
    if question >= 5 or (question >= 3 and question >= own - 1):
        return result("answer", topic=_topic(raw), answer_kind=_answer_kind(bare))
    if own >= 3 and not resolved:
        return result("upload", topic=_topic(raw), needs=needs)
    if (
        _CUES["edit_command"].search(bare)
        and not session.has_video
        and not session.uploads
        and not (gen_request and gen.prompt)
        and not (edits and all(e.kind == "aspect" for e in edits))
        and question < 3
    ):
        return result("upload", topic=_topic(raw), needs="video")  # an edit of nothing yet
    if own >= 3 and session.uploads and not session.has_video and not question:
        return result("edit")  # "make a slideshow from my photos": lay out what they uploaded
    if scores["export"] and not edits and not (gen_request and gen.prompt):
        return result("export")
    if edits and (
        edit_nouns_first
        or not gen_request
        or not gen.prompt
        or (session.has_video and not _CUES["gen_verb"].search(bare))
    ):
        if session.has_video or session.uploads:
            return result("edit")
        if all(e.kind == "aspect" for e in edits):
            return result("canvas")
        if (
            own < 3
            and lang == "en"
            and not _CUES["edit_verb"].search(bare)
            and _describes_scene(raw, gen, words=3)
        ):
            return result("generate")  # "a slow pan across a forest with soft piano music"
        return result("upload", topic=_topic(raw), needs="video")
    if gen_request:
        return result("generate" if gen.prompt else "ask")
    if question >= 2:
        return result("answer", topic=_topic(raw), answer_kind=_answer_kind(bare))
    if q.aspect(bare) and not session.has_video:
        return result("canvas")
    # A description of the video wanted, no verb needed ("5-second sunset timelapse").
    if (
        _describes_scene(raw, gen)
        and not _CUES["greeting"].search(bare)
        and not _CUES["thanks"].search(bare)
        and (
            not session.has_video
            or (len(bare.split()) >= 3 and not _CUES["edit_verb"].search(bare))
        )
    ):
        return result("generate")
    return result("chat")


def _describes_scene(raw: str, gen: Generation, words: int = 2) -> bool:
    """Whether a verb-less message describes something to show: two content words (or
    Chinese content characters), or one with a duration or a video noun."""
    if not gen.prompt:
        return False
    if CJK.search(gen.prompt):
        return len([ch for ch in gen.prompt if CJK.match(ch)]) >= 2
    content = [w for w in WORD.findall(gen.prompt) if w.lower() not in META_WORDS]
    return len(content) >= words or (
        len(content) == 1
        and (gen.seconds is not None or _CUES["video_word"].search(raw.lower()) is not None)
    )


SCAN_CHARS = 320  # of a long message, its start and end are read (bounded time)


def _bounded(text: str) -> str:
    """A long message (a pasted story, a brief) is read by its opening and its close:
    what it asks for is said there, and the scan stays well under 10 ms."""
    if len(text) <= 2 * SCAN_CHARS:
        return text
    return f"{text[:SCAN_CHARS]} … {text[-SCAN_CHARS:]}"


def _with(gen: Generation, **changes: object) -> Generation:
    return dataclasses.replace(gen, **changes)  # type: ignore[arg-type]


def _edit_object(bare: str) -> bool:
    """Whether the request's first verb acts on an edit noun (generate *captions*,
    create *a title*) rather than on a video."""
    match = re.search(
        r"\b(?:generat\w*|creat\w*|mak\w*|produc\w*|add|put)\s+(?:\w+\s+){0,3}?(?:captions?|subtitles?|titles?|title card|music|bgm|soundtrack|transitions?|text|overlays?|effects?|filters?)\b",
        bare,
    )
    video = _CUES["gen_request"].search(bare)
    return match is not None and (video is None or match.start() <= video.start())


def _needs(bare: str, multi: bool) -> str:
    if multi:
        return "clips"
    if _CUES["text_content"].search(bare):
        return "text"
    if _CUES["image_content"].search(bare) and not re.search(
        r"\b(?:videos?|clips?|footage|recordings?)\b(?!.*\b(?:photo|image|picture))",
        bare.split(" into ")[0],
    ):
        return "photos"
    return "video"


def _answer_kind(bare: str) -> str:
    for kind, pattern in (
        ("titles", r"\btitles?\b|标题"),
        ("ideas", r"\bideas?\b|\btopics?\b|想法|点子|创意"),
        ("prompt", r"\bprompts?\b|提示词"),
        ("script", r"\bscripts?\b|\bstoryboard|\bshot list|脚本|文案"),
        ("concept", r"\bconcept\b"),
        ("captions", r"\bcaptions?\b|\bhashtags?\b|\btaglines?\b"),
        (
            "plan",
            r"\bplan\b|\bstructure\b|\bpacing\b|\boutline\b|\bwhich (?:moments|sections|parts)\b|大纲|策划|方案",
        ),
        ("tools", r"\btools?\b|\beditor\b|\bapps?\b|\bworkflow\b|\bset (?:this|that|it) up\b"),
    ):
        if re.search(pattern, bare):
            return kind
    return "howto" if re.search(r"\bhow\b|怎么|如何", bare) else "general"


def _generation(raw: str, low: str, bare: str, edits: tuple[Edit, ...]) -> Generation:
    title = None
    match = re.search(
        r"(?:titled|title[d:]?|called|named|标题|片名)\s*(?:is|as|to|of|:|：|=|是|为|叫)?\s*(?=[\"“「『《'‘])",
        raw,
        re.I,
    )
    if match:
        title = first_quoted(raw[match.end() :])
    no_text = bool(
        re.search(
            r"\bno (?:text|titles?|captions?|words)\b|\bwithout (?:any )?(?:text|titles?)\b|just visuals|不要(?:文字|标题|字幕)|无字",
            bare,
        )
    )
    no_music = bool(
        re.search(
            r"\bno (?:music|bgm|soundtrack|audio)\b|\bwithout (?:any )?music\b|\bsilent\b|不要(?:音乐|配乐)|无声",
            bare,
        )
    )
    music_clause = re.search(r"(?:music|bgm|soundtrack|song|配乐|音乐)", bare)
    music_style = None
    if music_clause:
        window = bare[max(0, music_clause.start() - 40) : music_clause.end() + 20]
        music_style = first_match(MUSIC_STYLES, window)
    volume = q.percent(bare) if music_clause else None
    seconds = q.duration(bare)
    if seconds is not None and re.search(
        r"\b(?:\d+|one|two|three|four|five|six|ten)[- ]?(?:minute|hour)s? (?:of )?(?:raw|footage|recording|interview|webinar)",
        bare,
    ):
        seconds = None
    style = first_match(VIDEO_STYLES, bare)
    return Generation(
        prompt=subject(raw, title),
        seconds=seconds,
        aspect_ratio=q.aspect(bare),
        resolution=q.resolution(bare),
        style=style,
        music_style=music_style,
        music=not no_music,
        volume=volume,
        title=title,
        text=not no_text,
    )


# Compile every pattern now (inline ones compile on first use), so no user's first
# message pays for it: one pass over messages that reach each branch.
for _message in (
    "generate a 10-second vertical video of a fox in the snow with calm music titled 'Fox'",
    "trim the first 5 seconds, remove the last 2 seconds, speed it up 2x and add subtitles",
    "add a text overlay 'Sale' at the end, fade out, make it black and white, no titles",
    "how do I write 5 title ideas for my blog post? here's the transcript",
    "merge these clips from my 3-minute screen recording and export",
    "生成一段海边日落的视频，配上舒缓的音乐，加字幕，剪到5秒",
):
    for _view in (SessionView(), SessionView(has_video=True)):
        understand(_message, _view)
