# ruff: noqa: RUF001  (Chinese cue words use full-width punctuation)
"""The edits a message asks for, in the order they are applied: trims, speed, music
(add, replace, remove, volume), text (subtitles, overlays, titles, removal),
transitions, fades, filters, aspect ratio.

`parse_edits(low, raw)` is pure and knows nothing about the session: the planner checks
each edit against the draft (a trim past the end, a fade on no video...).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from mock_server.agent import quantities as q
from mock_server.agent.lexicon import (
    FILTERS,
    LANGUAGES,
    MUSIC_STYLES,
    TRANSITIONS,
    compiled,
    first_match,
)
from mock_server.agent.subject import QUOTED

EditKind = Literal[
    "music",
    "remove_music",
    "volume",
    "subtitles",
    "overlay",
    "title",
    "remove_text",
    "trim",
    "speed",
    "transition",
    "fade",
    "filter",
    "clear_filters",
    "aspect",
]
TrimMode = Literal[
    "to_length",
    "to_length",
    "keep_first",
    "remove_first",
    "remove_last",
    "keep_range",
    "cut_range",
    "extend",
    "halve",
]


@dataclass(frozen=True)
class Edit:
    kind: EditKind
    style: str | None = None  # music style
    volume: float | None = None  # 0..1
    text: str | None = None  # overlay / title text
    language: str | None = None  # subtitles
    color: str | None = None
    bold: bool = False
    where: tuple[str, float, float] | None = None  # ("first"|"last"|"range"|"start"|"end", a, b)
    seconds: float | None = None  # title card length
    roles: tuple[str, ...] = ()  # remove_text: which text roles (empty = all)
    mode: TrimMode | None = None
    a: float = 0.0  # trim seconds
    b: float = 0.0
    factor: float | None = None  # speed
    transition: str | None = None
    fade_in: bool = False
    fade_out: bool = False
    audio: bool = False
    filters: tuple[str, ...] = field(default_factory=tuple)
    aspect_ratio: str | None = None


_REMOVE = (
    r"(?:remove|delete|drop|get rid of|take out|take off|strip|mute|no|without|disable|kill|lose)"
)

_COLORS = {
    "white": "#ffffff", "black": "#000000", "yellow": "#ffd400", "red": "#ff3b30",
    "blue": "#2f80ff", "green": "#34c759", "orange": "#ff9500", "pink": "#ff4fa0",
    "白": "#ffffff", "黄": "#ffd400", "红": "#ff3b30", "黑": "#000000",
}  # fmt: skip

_TRIM_VERB = (
    r"(?:trim|cut|remove|delete|drop|chop|skip|lose|get rid of|take out|shave off|clip|crop)"
)
_DUR = r"(\d+(?:\.\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|fifteen|twenty|thirty|forty(?:-five)?|sixty|ninety)\s*-?\s*(seconds?|secs?|s|minutes?|mins?|秒钟|秒|分钟)(?![a-z])"


_CUE_PATTERNS = {
    # music: add, replace, remove, volume
    "music": r"\b(?:music|bgm|soundtrack|songs?|tunes?|background (?:audio|track)|beat)\b|背景音乐|配乐|音乐|歌曲|\bbgm\b",
    "remove_music": (
        _REMOVE
        + r"\s+(?:the\s+|all\s+|any\s+)?(?:background\s+)?(?:music|bgm|soundtrack|song|audio)\b"
        r"|(?:去掉|删除|移除|不要|关闭|静音)(?:背景)?(?:音乐|配乐|声音)"
    ),
    "add_music": (
        r"\b(?:add|put|use|include)\s+(?:some\s+|a\s+|an\s+|the\s+)?(?:[\w-]+\s+){0,2}(?:music|bgm|soundtrack|song)"
        r"|(?:加|添加|配)(?:上|点|个|一段)?(?:[\u3400-\u9fff]{0,4})(?:音乐|配乐)"
    ),
    "replace_music": r"\b(?:replace|swap|switch|change)\b.{0,25}\b(?:music|bgm|soundtrack|song)\b|(?:换|更换|替换).{0,4}(?:音乐|配乐)",
    "music_add": r"\b(?:add|put|use|include|give|set|play|with|need|want|generate|create|make|compose)\b|加|添加|配|换|来",
    "quiet": r"\b(?:quieter|softer|lower(?: the)? (?:music|volume|bgm)|turn (?:it |the music )?down|too loud|less loud)\b|小声|小一点|轻一点|调低|降低音量",
    "loud": r"\b(?:louder|higher volume|turn (?:it |the music )?up|raise the volume|boost|too quiet)\b|大声|大一点|响一点|调高|提高音量",
    "volume_word": r"\bvolume\b|音量",
    # text: subtitles, overlays, titles, removal, colour
    "subtitles": r"\b(?:subtitles?|captions?|closed captions|cc|srt)\b|字幕",
    "overlay": r"\b(?:(?:put|add|place|insert|write|show|display)\s+(?:the\s+|some\s+|a\s+)?(?:text|words|label|message|slogan)|text overlays?|overlays?|on-screen text|lower third|text that says|text saying|add (?:the )?text|caption that says|watermark text|call to action|cta)\b|(?<![英中日])文字(?!幕)|贴字",
    # "write 'Limited Edition' across the top": the quote is removed from `bare`
    "write_quoted": (
        r"\b(?:write|put|show|display|overlay|stamp|print|add|place|insert|type)\b"
        r"|\b(?:across|at|on|in) the (?:top|bottom|middle|center|centre|corner|screen)\b|写上|加上|打上"
    ),
    "title": r"\b(?:title(?: card)?|heading|headline|intro card)\b|标题|片名|片头",
    "no_text": (
        _REMOVE
        + r"\s+(?:(?:the|all|any|of|on-screen)\s+){0,3}(?:text(?: overlays?)?|overlays?|titles?|captions?|subtitles?|words)\b"
        r"|\bno text\b|\bwithout (?:any )?text\b|\btext-free\b|(?:去掉|删除|移除|不要)(?:所有)?(?:文字|标题|字幕)"
    ),
    "bold": r"\bbold\b|粗体|加粗",
    "color": r"\b(white|black|yellow|red|blue|green|orange|pink)\b|([白黄红黑])色",
    # trims
    "keep_first": (
        r"(?i)\b(?:(?:trim|cut|shorten|crop|clip|reduce|bring)(?: it| the video| this| down)?(?: down)? to|keep(?: only)?|only keep|just keep|use only|make it)\s+(?:just\s+|only\s+)?the\s+first\s+"
        + _DUR
        + r"|\b(?:trim|cut|shorten|crop|reduce|bring)\s+(?:it\s+|the video\s+|this\s+|the clip\s+)?(?:down\s+)?to\s+(?:the\s+)?first\s+"
        + _DUR
    ),
    "remove_first": (
        r"(?i)\b"
        + _TRIM_VERB
        + r"\s+(?:off\s+|out\s+)?(?:the\s+)?(?:first|opening|beginning|initial)\s+"
        + _DUR
        + r"|\b"
        + _TRIM_VERB
        + r"\s+"
        + _DUR
        + r"\s+(?:off|from)\s+the\s+(?:start|beginning|front)"
    ),
    "remove_last": (
        r"(?i)\b"
        + _TRIM_VERB
        + r"\s+(?:off\s+|out\s+)?(?:the\s+)?(?:last|final|ending|closing)\s+"
        + _DUR
        + r"|\b"
        + _TRIM_VERB
        + r"\s+"
        + _DUR
        + r"\s+(?:off|from)\s+the\s+end"
    ),
    "range": r"(?i)(?:between|from)\s+(\d+(?::\d{2})?(?:\.\d+)?)\s*(?:s|sec|seconds)?\s*(?:and|to|-|–)\s*(\d+(?::\d{2})?(?:\.\d+)?)\s*(?:s|sec|seconds)?",
    "keep_range": r"(?i)\b(?:keep|only keep|use)\b.{0,20}(?:between|from)\s",
    "to_length": (
        r"(?i)\b(?:trim|cut|shorten|crop|clip|reduce|bring|make|set|change|edit)\s+(?:it|this|the video|the clip|the length|its length|everything|down)?\s*(?:down\s+)?(?:to|into)\s+(?:about\s+|under\s+|exactly\s+)?"
        + _DUR
        + r"|\b(?:make|set|change)\s+(?:it|this|the video|the clip|the whole thing)\s+(?:to\s+)?(?:about\s+)?"
        + _DUR
        + r"(?:\s+long)?"
        + r"|\b"
        + _DUR
        + r"\s+(?:long|total|max(?:imum)?)\b"
        + r"|\b(?:length|duration)\s+(?:to|of)\s+"
        + _DUR
    ),
    "extend": (
        r"(?i)\b(?:extend|lengthen|stretch|make it longer|add)\b.{0,20}?\bby\s+(?:another\s+)?"
        + _DUR
        + r"|\bmake it\s+"
        + _DUR
        + r"\s+longer\b"
        + r"|\badd\s+(?:another\s+)?"
        + _DUR
        + r"\s+(?:more|to the end|at the end)\b"
    ),
    "shorten": r"\b(?:shorten|shorter|trim it|cut it down|make it short)\b|缩短|短一点|剪短",
    "zh_keep_first": r"(?:保留|只要|剪到|截取|裁剪到|剪成|缩短到|改成|改为|时长改成|时长改为)(?:前)?"
    + _DUR,
    "zh_remove_first": r"(?:去掉|删除|剪掉|删掉|裁掉)(?:开头|前面?)的?" + _DUR,
    "zh_remove_last": r"(?:去掉|删除|剪掉|删掉|裁掉)(?:结尾|最后|后面?)的?" + _DUR,
    "zh_range": r"(删除|删掉|剪掉|去掉|保留|只要)[^\d]{0,6}(\d+(?:\.\d+)?)\s*(?:秒)?\s*(?:到|至|-)\s*(\d+(?:\.\d+)?)\s*秒",
    "zh_extend": r"(?:延长|加长|增加)" + _DUR,
    # speed
    "speed_up": r"\b(?:speed (?:it |this |the video )?up|faster|fast[- ]forward|sped up|speed-?up|quicker)\b|加速|加快|快进",
    "slow": r"\b(?:slow (?:it |this |the video )?down|slower|slow[- ]?mo(?:tion)?|half speed)\b|慢动作|放慢|减速|慢放",
    "speed_word": r"\b(?:speed|playback rate|pace)\b|倍速|速度",
    "twice": r"\b(?:twice|2x|two times) (?:as )?fast(?:er)?\b|\bdouble (?:the )?speed\b|两倍|双倍",
    # transitions, fades, filters, aspect ratio
    "transition_word": r"\btransitions?\b|转场|过渡",
    "fade_in": r"\bfade[- ]?in\b|\bfade\s+(?:[\w-]+\s+){1,3}?in\b|淡入",
    "fade_out": r"\bfade[- ]?out\b|\bfade\s+(?:[\w-]+\s+){1,3}?out\b|\bfade (?:it )?(?:out )?to black\b|淡出",
    "fade_both": r"\bfade (?:in and out|in/out)\b|\bfades?\b(?! in| out)|淡入淡出",
    "fx_cue": (
        r"\b(?:filter|effect|increase|boost|raise|bump|turn up|look|grade|grading|tone|tint|colou?r|colou?rs|make it|make the video|more|less|add|apply|give it|clean up|remove|reduce|fix|enhance|brighten|darken|sharpen|denoise|feel)\b"
        r"|滤镜|效果|调色|色调|加|调|降噪|去噪"
    ),
    "clear_fx": r"\b(?:remove|clear|reset|undo|drop) (?:the |all |any )?(?:filters?|effects?|colou?r grad\w*)\b|去掉滤镜|取消滤镜",
    "aspect_cue": r"\b(?:convert|change|make|switch|set|turn|crop|resize|reformat|format|aspect|ratio)\b|改成|变成|改为|调成|转成|转为|转换成|转换为|比例|画幅",
    # where a text edit goes, a title card's length, a cut
    "last_n": r"\b(?:last|final)\s+" + _DUR,
    "first_n": r"\b(?:first|opening)\s+" + _DUR,
    "card_length": _DUR + r"\s+(?:title|intro)",
    "cuts": _TRIM_VERB + r"|\bkeep\b|剪|删|保留",
}
_CUES = compiled(_CUE_PATTERNS)


def _dur(value: str, unit: str) -> float:
    return q.unit_seconds(q.number(value), unit)


def _span(match: re.Match[str]) -> float:
    """The seconds a trim cue names: its first two groups that matched (value, unit)."""
    value, unit = [g for g in match.groups() if g][:2]
    return _dur(value, unit)


def _clock(text: str) -> float:
    if ":" in text:
        minutes, seconds = text.split(":", 1)
        return int(minutes) * 60 + float(seconds)
    return float(text)


def parse_edits(low: str, raw: str) -> list[Edit]:
    """Every edit the message asks for, in the order the planner applies them."""
    bare = QUOTED.sub(" ", low)
    quoted = [next(g for g in m.groups() if g) for m in QUOTED.finditer(raw) if any(m.groups())]
    out: list[Edit] = []
    out += _trims(bare)
    out += _speed(bare)
    out += _music(bare)
    out += _text_edits(bare, quoted)
    out += _looks(bare)
    ratio = q.aspect(bare)
    if ratio and _CUES["aspect_cue"].search(bare):
        out.append(Edit("aspect", aspect_ratio=ratio))
    return out


def _trims(bare: str) -> list[Edit]:
    out: list[Edit] = []
    if m := _CUES["extend"].search(bare) or _CUES["zh_extend"].search(bare):
        out.append(Edit("trim", mode="extend", a=_span(m)))
        return out
    if m := _CUES["keep_first"].search(bare) or _CUES["zh_keep_first"].search(bare):
        explicit = "first" in m.group(0) or "前" in m.group(0) or "keep" in m.group(0)
        mode: TrimMode = "keep_first" if explicit else "to_length"
        out.append(Edit("trim", mode=mode, a=_span(m)))
    else:
        ends: tuple[TrimMode, ...] = ("remove_first", "remove_last")
        for end in ends:  # English cue, else the Chinese one
            if m := _CUES[end].search(bare) or _CUES[f"zh_{end}"].search(bare):
                out.append(Edit("trim", mode=end, a=_span(m)))
    if (
        not out
        and _CUES["cuts"].search(bare)
        and (m := _CUES["range"].search(bare))
        and not re.search(r"\btext|overlay|title|caption", bare)
    ):
        a, b = sorted((_clock(m.group(1)), _clock(m.group(2))))
        ranged: TrimMode = "keep_range" if _CUES["keep_range"].search(bare) else "cut_range"
        if b > a:
            out.append(Edit("trim", mode=ranged, a=a, b=b))
    if not out and (m := _CUES["zh_range"].search(bare)):
        a, b = float(m.group(2)), float(m.group(3))
        if b > a:
            zh_mode: TrimMode = "keep_range" if m.group(1) in ("保留", "只要") else "cut_range"
            out.append(Edit("trim", mode=zh_mode, a=a, b=b))
    if not out and (m := _CUES["to_length"].search(bare)):
        out.append(Edit("trim", mode="to_length", a=_span(m)))
    if not out and _CUES["shorten"].search(bare):
        out.append(Edit("trim", mode="halve"))
    return out


def _speed(bare: str) -> list[Edit]:
    factor = q.speed_factor(bare)
    if _CUES["twice"].search(bare):
        factor = 2.0
    if _CUES["slow"].search(bare):
        if factor is None or factor > 1:
            factor = 0.5 if factor is None else 1 / factor
        return [Edit("speed", factor=factor)]
    if (
        _CUES["speed_up"].search(bare)
        or _CUES["twice"].search(bare)
        or (factor and _CUES["speed_word"].search(bare))
        or (factor and re.search(r"\bplay\w*\b", bare))
    ):
        return [Edit("speed", factor=factor or 1.5)]
    return []


def _where(bare: str) -> tuple[str, float, float] | None:
    if m := _CUES["last_n"].search(bare):
        return ("last", _dur(m.group(1), m.group(2)), 0.0)
    if m := _CUES["first_n"].search(bare):
        return ("first", _dur(m.group(1), m.group(2)), 0.0)
    if m := _CUES["range"].search(bare):
        a, b = sorted((_clock(m.group(1)), _clock(m.group(2))))
        return ("range", a, b)
    if re.search(r"\b(?:at the end|ending|outro|closing)\b|结尾|最后", bare):
        return ("end", 0.0, 0.0)
    if re.search(r"\b(?:throughout|whole video|entire video|all the way)\b|全程", bare):
        return ("all", 0.0, 0.0)
    return None


def _text_edits(bare: str, quoted: list[str]) -> list[Edit]:
    out: list[Edit] = []
    color_match = _CUES["color"].search(bare)
    color = _COLORS.get((color_match.group(1) or color_match.group(2)) if color_match else "")
    bold = bool(_CUES["bold"].search(bare))
    removals = [m.group(0) for m in _CUES["no_text"].finditer(bare)]
    if removals:
        found: set[str] = set()
        for phrase in removals:
            if re.search(r"subtitle|caption|字幕", phrase):
                found.add("subtitle")
            elif re.search(r"title|标题|片名", phrase):
                found.add("title")
            elif re.search(r"overlay", phrase):
                found.add("overlay")
            else:
                found = {"subtitle", "title", "overlay"}  # "no text": all of it
        roles = () if len(found) == 3 else tuple(sorted(found))
        out.append(Edit("remove_text", roles=roles))
        return out
    if _CUES["subtitles"].search(bare) and not re.search(r"\bcaption (?:that )?says\b", bare):
        language = next((name for key, name in LANGUAGES.items() if key in bare), None)
        out.append(Edit("subtitles", language=language, color=color, bold=bold))
    overlay = _CUES["overlay"].search(bare) or (
        _CUES["write_quoted"].search(bare) if quoted and not _CUES["title"].search(bare) else None
    )
    title = _CUES["title"].search(bare)
    if overlay and (quoted or not title):
        text = quoted[0].strip() if quoted else None
        if text or re.search(r"\b(?:add|put|place|insert|overlay|show|display)\b|加|添加", bare):
            out.append(Edit("overlay", text=text, where=_where(bare), color=color, bold=bold))
            quoted = quoted[1:]
    if (
        title
        and not (overlay and not quoted and out and out[-1].kind == "overlay")
        and not re.search(r"\btitle options\b|\btitles? ideas?\b|\bviral titles?\b", bare)
    ):
        card = _CUES["card_length"].search(bare)
        text = quoted[0].strip() if quoted else None
        seconds = _dur(card.group(1), card.group(2)) if card else None
        out.append(
            Edit("title", text=text, seconds=seconds, where=_where(bare), color=color, bold=bold)
        )
    return out


def _music(bare: str) -> list[Edit]:
    if _CUES["remove_music"].search(bare):
        return [Edit("remove_music")]
    volume = (
        q.percent(bare)
        if (_CUES["volume_word"].search(bare) or _CUES["music"].search(bare))
        else None
    )
    if volume is None and _CUES["quiet"].search(bare):
        volume = 0.2
    if volume is None and _CUES["loud"].search(bare):
        volume = 0.6
    style = first_match(MUSIC_STYLES, bare)
    if re.search(r"\bfade|淡", bare) and not _CUES["add_music"].search(bare):
        return []  # "fade the music out" fades the music there is
    if _CUES["music"].search(bare) and (
        _CUES["music_add"].search(bare) or _CUES["replace_music"].search(bare) or style
    ):
        if (
            volume is not None
            and not style
            and not re.search(
                r"\b(?:add|put|use|replace|swap|change)\b.{0,20}(?:music|bgm|song)|加|添加|换", bare
            )
        ):
            return [Edit("volume", volume=volume)]
        return [Edit("music", style=style, volume=volume)]
    if _CUES["music"].search(bare) and volume is not None:
        return [Edit("volume", volume=volume)]
    if volume is not None and _CUES["volume_word"].search(bare):
        return [Edit("volume", volume=volume)]
    if (
        _CUES["music"].search(bare)
        and style is None
        and re.search(r"\bmusic\b|音乐|配乐|bgm", bare)
    ):
        return [Edit("music")]
    return []


def _looks(bare: str) -> list[Edit]:
    out: list[Edit] = []
    fade_in, fade_out = bool(_CUES["fade_in"].search(bare)), bool(_CUES["fade_out"].search(bare))
    if (
        not (fade_in or fade_out)
        and _CUES["fade_both"].search(bare)
        and not re.search(r"cross-?fade", bare)
    ):
        fade_in = fade_out = True
    audio_fade = bool(
        re.search(
            r"\b(?:music|audio|sound|bgm)\b.{0,15}\bfade|\bfade\b.{0,15}\b(?:music|audio|sound|bgm)\b|音乐淡",
            bare,
        )
    )
    transition = _CUES["transition_word"].search(bare)
    if transition:
        kind = first_match(TRANSITIONS, bare) or "crossfade"
        if kind == "fade" and (fade_in or fade_out):
            pass  # "a fade-in transition" is the fade below
        else:
            out.append(Edit("transition", transition=kind))
    elif re.search(r"\bcross-?fades?\b|\bdissolves?\b|叠化", bare):
        out.append(Edit("transition", transition="crossfade"))
    if fade_in or fade_out:
        out.append(Edit("fade", fade_in=fade_in, fade_out=fade_out, audio=audio_fade))
    if _CUES["clear_fx"].search(bare):
        out.append(Edit("clear_filters"))
        return out
    if _CUES["fx_cue"].search(bare) or re.search(
        r"\b(?:black and white|b&w|sepia|vignette|grayscale)\b", bare
    ):
        names = tuple(name for name, pat in FILTERS.items() if pat.search(bare))
        if "cool" in names and re.search(r"\bcool (?:music|song|video|clip|effect)\b", bare):
            names = tuple(n for n in names if n != "cool")
        if names:
            out.append(Edit("filter", filters=names))
    return out
