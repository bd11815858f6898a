# ruff: noqa: RUF001  (Chinese replies use full-width punctuation)
"""What the agent says, in the user's language: answers to questions and requests for
text (on their subject), upload requests that name the accepted formats, the export
route, the balance, and the lines that tell the user what a turn changed."""

from __future__ import annotations

import re
from dataclasses import dataclass

from mock_server.agent import quantities as q
from mock_server.agent.lexicon import ACCEPTED_FORMATS
from mock_server.agent.subject import WORD, title_from


@dataclass(frozen=True)
class Voice:
    """Picks the English or the Chinese form of a reply."""

    zh: bool

    def say(self, en: str, zh: str, **values: object) -> str:
        return (zh if self.zh else en).format(**values)

    def join(self, parts: list[str]) -> str:
        return ("；" if self.zh else "; ").join(parts)


# --- questions and text deliverables -------------------------------------------------------

_COUNT = re.compile(
    r"\b(\d{1,2}|three|four|five|six|seven|eight|nine|ten)\s+(?:[\w-]+\s+){0,3}?(?:ideas|titles|options|tips|hooks|captions|topics|concepts|taglines|hashtags)\b"
)
_WORDS = {"three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10}


def _count(low: str, default: int = 5) -> int:
    match = _COUNT.search(low)
    if not match:
        return default
    value = match.group(1)
    n = int(value) if value.isdigit() else _WORDS[value]
    return max(1, min(n, 12))


def _phrase(topic: str) -> str:
    """The topic as a short noun phrase for templates (lower-case, no trailing clause)."""
    clause = re.split(
        r"[,;:.!?—–()]|\s+(?:that|which|who|so that|to get|would|and (?:what|which|how))\b", topic
    )[0]
    words = WORD.findall(clause)
    words = [w for w in words if w.lower() not in ("my", "our", "your", "a", "an", "the")]
    return " ".join(words[:8]) or topic.strip()[:60]


# Facts a video agent knows, for the common questions (checked in order; the first that
# matches opens the answer).
_FACTS: list[tuple[re.Pattern[str], str, str]] = [
    (
        re.compile(r"\bhow long does\b|\bhow fast\b|\btake to (?:generate|render|export)\b|多久"),
        "Timing: a generated clip takes about 1-5 minutes, an edit 10-30 seconds, an export "
        "30-90 seconds.",
        "耗时：生成一个片段约 1-5 分钟，编辑 10-30 秒，导出 30-90 秒。",
    ),
    (
        re.compile(r"\b(?:how long|length|duration|how many seconds)\b|多长|时长"),
        "Lengths that work: TikTok 15-35 s, Instagram Reels 7-30 s, YouTube Shorts under 60 s "
        "(15-30 s performs best), LinkedIn 30-90 s, YouTube long-form 8-15 min.",
        "常见时长：抖音/TikTok 15-35 秒，Reels 7-30 秒，YouTube Shorts 60 秒以内（15-30 秒效果最好），横屏长视频 8-15 分钟。",
    ),
    (
        re.compile(r"\baspect\b|\bratio\b|\b16:9\b|\b9:16\b|vertical or|比例|竖屏还是横屏"),
        "Aspect ratios: 9:16 for TikTok, Reels, Shorts and Stories; 16:9 for YouTube and the web; "
        "1:1 or 4:5 for feed posts.",
        "画面比例：抖音、Reels、Shorts 和 Stories 用 9:16；YouTube 和网页用 16:9；信息流用 1:1 或 4:5。",
    ),
    (
        re.compile(r"\bframe ?rate\b|\bfps\b|帧率"),
        "Frame rates: 24 fps looks cinematic, 30 fps is the social standard, 60 fps suits motion "
        "and gives smooth 2.5x slow motion when conformed to 24.",
        "帧率：24 fps 有电影感，30 fps 是社交平台标准，60 fps 适合运动画面，也能做流畅的慢动作。",
    ),
    (
        re.compile(r"\bresolution\b|\b4k\b|\b1080p?\b|\bblurry\b|分辨率|清晰"),
        "Resolution: 1080p (1920x1080, or 1080x1920 vertical) is the standard for social video; "
        "platforms recompress uploads, so export at a high bitrate (H.264) and upload in 1080p.",
        "分辨率：社交视频标准是 1080p（横屏 1920x1080，竖屏 1080x1920）；平台会二次压缩，导出时用高码率 H.264。",
    ),
    (
        re.compile(r"\bformats?\b|\bmp4\b|\bmov\b|格式"),
        "Formats: MP4 (H.264 + AAC) plays everywhere; MOV is Apple's container and larger. "
        "Uploads here accept mp4/mov/avi/webm/mkv video, jpg/png/gif/webp images and mp3/wav/m4a/aac audio.",
        "格式：MP4（H.264 + AAC）兼容性最好；MOV 是苹果的格式，文件更大。",
    ),
    (
        re.compile(r"\bcopyright\w*\b|\broyalty\b|\blicens\w*\b|版权"),
        "Music rights: use royalty-free libraries or music you own a licence for; the background "
        "music I generate is original, so it is safe to publish.",
        "音乐版权：使用免版税音乐库或已获授权的音乐；我生成的背景音乐是原创的，可以放心发布。",
    ),
]


# Numbered lists (titles, ideas), per (kind, Chinese?): a heading, the items (templates
# of {subject} and {title}; the first n are used) and a closing line.
_LISTS: dict[tuple[str, bool], tuple[str, list[str], str]] = {
    ("titles", False): (
        "Here are {n} title options for {subject}:",
        [
            "{title}: The Complete Guide",
            "I Tried {title} So You Don't Have To",
            "{title} in Under 10 Minutes",
            "The {title} Mistakes Everyone Makes",
            "{title} on a Budget (Step by Step)",
            "Why {title} Changed Everything for Me",
            "{title}: Beginner to Pro",
            "Stop Doing {title} Wrong",
            "The Only {title} Video You Need",
            "{title} Secrets Nobody Tells You",
            "A Week of {title}: Honest Results",
            "{title} Made Simple",
        ],
        "Keep the strongest words in the first 40 characters so they survive truncation.",
    ),
    ("ideas", False): (
        "{n} video ideas for {subject}:",
        [
            "{subject}: a beginner's step-by-step how-to",
            "{subject}: before-and-after transformation",
            "{subject}: the 5 most common mistakes and how to avoid them",
            "{subject}: a budget versus premium comparison",
            "{subject}: a quick tips countdown for the season",
            "{subject}: a behind-the-scenes day in the life",
            "{subject}: answering the most searched questions",
            "{subject}: a myth-busting test",
            "{subject}: a tools and materials checklist",
            "{subject}: a time-lapse project build",
            "{subject}: a viewer challenge",
            "{subject}: a 60-second recap for Shorts",
        ],
        "Pick one and I can generate a short clip for it.",
    ),
    ("titles", True): (
        "关于“{subject}”的标题建议：",
        [
            f"{{subject}}：{form}"
            for form in (
                "完整指南",
                "新手必看",
                "十分钟学会",
                "最容易犯的错误",
                "省钱攻略",
                "我的真实体验",
            )
        ],
        "",
    ),
    ("ideas", True): (
        "关于“{subject}”的视频创意：",
        [
            f"{{subject}}：{a}"
            for a in ("新手教程", "前后对比", "常见错误", "省钱与高端对比", "幕后花絮")
        ],
        "",
    ),
}


def _numbered(kind: str, zh: bool, n: int, **values: str) -> str | None:
    """The numbered list a kind of answer is, with its first n items; None for another kind."""
    entry = _LISTS.get((kind, zh))
    if entry is None:
        return None
    heading, items, closing = entry
    lines = [f"{i}. {item.format(**values)}" for i, item in enumerate(items[:n], start=1)]
    return "\n".join([heading.format(n=n, **values), *lines, *([closing] if closing else [])])


def _about(topic: str, voice: Voice) -> str:
    """The subject the answer is about, said first ("Instagram: …", "How long …? …")."""
    topic = topic.strip().rstrip("?？.!")
    if not topic or voice.zh:
        return f"{topic}：" if topic else ""
    if re.match(r"(?:how|what|which|why|when|where|who|is|are|can|do|does|should)\b", topic, re.I):
        return f"{topic[:1].upper()}{topic[1:]}? "
    return f"{topic[:1].upper()}{topic[1:]}: "


def fact(message: str, voice: Voice) -> str | None:
    low = message.lower()
    for pattern, en, zh in _FACTS:
        if pattern.search(low):
            return zh if voice.zh else en
    return None


def answer(message: str, topic: str, kind: str, voice: Voice) -> str:
    """A text answer on the message's subject; no video is made."""
    low = message.lower()
    known = fact(message, voice) if kind in ("general", "howto", "tools") else None
    if known:
        return (
            _about(topic, voice)
            + known
            + voice.say(
                " Want me to make or edit the video itself?", "需要我直接生成或编辑视频吗？"
            )
        )
    if voice.zh:
        return _answer_zh(message, topic, kind)
    subject = _phrase(topic)
    title = title_from(subject) if subject else "Your Video"
    seconds = q.duration(low)
    n = _count(low)
    listed = _numbered(kind, False, n, subject=subject, title=title)
    if listed:
        return listed
    if kind in ("script", "plan"):
        total = seconds or 60.0
        beats = [
            (0.0, 0.05, "Hook: the strongest moment or a bold question, big text on screen"),
            (0.05, 0.3, "Setup: what this is about and why it matters, one idea per shot"),
            (0.3, 0.75, "Core: the key moments, quick cuts on the beat, captions on every line"),
            (0.75, 0.9, "Payoff: the result or the best shot, let it breathe"),
            (0.9, 1.0, "Close: call to action and logo, music resolves"),
        ]
        lines = [f"- {round(a * total):g}-{round(b * total):g}s: {text}" for a, b, text in beats]
        what = "An edit script" if kind == "script" else "A plan"
        return (
            f"{what} for {subject} ({total:g}s):\n" + "\n".join(lines) + "\n"
            "Music: one track whose energy matches the pacing; text overlays short (under 6 words)."
        )
    if kind == "concept":
        return (
            f"Concept for {subject}: open cold on the strongest image, then build in three "
            "movements (establish, escalate, release), cutting on the beat. Look: a consistent "
            "colour grade, close-ups alternating with wide shots, and one recurring visual motif "
            "that ties the end back to the start. I can generate a clip from this concept if you "
            "tell me the length and aspect ratio."
        )
    if kind == "prompt":
        return (
            f'A prompt for {subject}: "{subject}, clear subject in the centre of the frame, '
            'smooth natural motion, consistent lighting, 5 seconds, camera locked off." '
            "Name the motion you want, the camera and the length; keep it to one action per clip."
        )
    if kind == "captions":
        return (
            f"Caption ideas for {subject}:\n1. Meet {title}.\n2. Made for the way you work.\n"
            "3. See it in action.\n4. Try it today.\nKeep each under 8 words and on screen 2-3 seconds."
        )
    if kind == "tools":
        return (
            f"For {subject}, a workflow that works: 1. gather the footage and upload it "
            "here; 2. rough cut: remove the slow parts, keep the key moments; "
            "3. add captions, transitions and a colour grade; 4. add music at 30-40% under speech; "
            "5. export MP4 (H.264, 1080p) in the platform's aspect ratio. I can do steps 2-5 here: "
            "upload the file and tell me the edits."
        )
    return (
        f"About {subject}: keep the video focused on one idea, open with a hook in the first "
        "3 seconds, cut on the beat, caption every spoken line, and end with a clear call to "
        "action. Export at 1080p MP4 in the platform's aspect ratio (9:16 for TikTok/Reels, "
        "16:9 for YouTube). Tell me if you want me to make or edit the video itself."
    )


def _answer_zh(message: str, topic: str, kind: str) -> str:
    subject = topic.strip()[:30] or message.strip()[:30]
    n = _count(message.lower())
    listed = _numbered(kind, True, n, subject=subject)
    if listed:
        return listed
    if kind in ("script", "plan"):
        return (
            f"“{subject}”的脚本结构：开头 3 秒抛出亮点；接着交代背景；中段用快剪展示重点并配字幕；"
            "结尾给出结果和行动号召。音乐节奏与剪辑一致。"
        )
    return (
        f"关于“{subject}”：视频围绕一个主题，前 3 秒要有吸引点，按节奏剪辑，给每句话配字幕，"
        "结尾给出明确的行动号召；导出 1080p MP4（抖音 9:16，横屏 16:9）。需要我直接生成或剪辑视频吗？"
    )


# --- uploads, export, balance, status, chat -------------------------------------------------

_NEEDS_EN = {
    "photos": "your photos",
    "clips": "the clips (each as its own file, in the order you want them)",
    "text": "the text itself (paste it here) or the file it is in",
    "audio": "the audio file",
    "video": "your video",
}
_NEEDS_ZH = {
    "photos": "你的照片",
    "clips": "这些片段（每段一个文件，按你想要的顺序）",
    "text": "文字内容（直接粘贴）或所在文件",
    "audio": "音频文件",
    "video": "你的视频",
}


def upload_request(needs: str, voice: Voice) -> str:
    return voice.say(
        "I need {what} to do that, and there's nothing in this project yet. Upload it "
        "(accepted formats: {formats}; up to 500 MB) and tell me what to change — I'll take it "
        "from there. If you'd rather start from scratch, describe the video and I'll generate one.",
        "要完成这个操作，我需要{what}，但这个项目里还没有素材。请上传（支持格式：{formats}；最大 500 MB），"
        "并告诉我要怎么改。如果想从零开始，也可以描述你想要的视频，我来生成。",
        what=(_NEEDS_ZH if voice.zh else _NEEDS_EN).get(needs, _NEEDS_EN["video"]),
        formats=ACCEPTED_FORMATS,
    )


def export_help(summary: str | None, resolution: int | None, voice: Voice) -> str:
    if summary is None:
        return voice.say(
            "There's nothing to export yet: the project has no video. Describe one and I'll "
            "generate it, or upload a clip ({formats}); then export it as an MP4.",
            "还没有可以导出的内容：项目里没有视频。描述一下你想要的视频我来生成，或上传素材（{formats}），之后再导出 MP4。",
            formats=ACCEPTED_FORMATS,
        )
    return voice.say(
        "Ready to export: {summary}. Exports run on the render service, not in this chat: the "
        "app posts the draft to /api/render/proxy/lambda (format mp4{res}) and polls "
        "/api/render/proxy/lambda/<id> until it is completed, then downloads the MP4 from the "
        "output URL. Exporting costs no credits.",
        "可以导出：{summary}。导出由渲染服务完成，而不是在对话中：将草稿提交到 /api/render/proxy/lambda（mp4{res}），"
        "轮询 /api/render/proxy/lambda/<id> 直到完成，再从输出地址下载 MP4。导出不消耗积分。",
        summary=summary,
        res=f", {resolution}p" if resolution else "",
    )


def balance(credits: dict[str, int] | None, voice: Voice) -> str:
    if credits is None:
        return voice.say(
            "Your balance is at GET /api/credits/balance/simple (available, frozen, total). "
            "A generation costs about 100 credits, editing about 50 per session; exports are free.",
            "余额可通过 GET /api/credits/balance/simple 查询（可用、冻结、总计）。生成一次约 100 积分，编辑每个会话约 50 积分，导出免费。",
        )
    return voice.say(
        "Your balance: {available} credits available, {frozen} frozen, {total} in total. "
        "A generation costs about 100 credits, editing about 50 per session; exports are free.",
        "你的余额：可用 {available} 积分，冻结 {frozen}，总计 {total}。生成一次约 100 积分，编辑每个会话约 50 积分，导出免费。",
        **credits,
    )


def status(summary: str | None, voice: Voice) -> str:
    if summary is None:
        return voice.say("The project is empty: no video yet.", "项目还是空的：还没有视频。")
    return voice.say("Current state — {summary}.", "当前状态——{summary}。", summary=summary)


def greeting(voice: Voice) -> str:
    return voice.say(
        "Hi! I'm Nemo, your AI video assistant. Describe a video (\"a 10-second city "
        "timelapse at night\") and I'll generate it with music and a title, or upload your "
        "footage and tell me how to edit it.",
        "你好！我是 Nemo，你的 AI 视频助手。描述你想要的视频（例如“一段10秒的城市夜景延时”），我会生成并配上音乐和标题；"
        "也可以上传素材，告诉我怎么剪辑。",
    )


def thanks(voice: Voice) -> str:
    return voice.say(
        "You're welcome! Anything else? I can add music, subtitles or text, trim, change the "
        "speed or the colours, or export it.",
        "不客气！还需要什么吗？我可以加音乐、字幕或文字，剪辑时长，调整速度或色彩，或者导出。",
    )


def menu(voice: Voice) -> str:
    return voice.say(
        "I can generate a video from a description, or edit the project's video: music, "
        "subtitles, text, trims, speed, transitions, fades and colour. What would you like?",
        "我可以根据描述生成视频，或编辑项目中的视频：音乐、字幕、文字、剪辑、速度、转场、淡入淡出和调色。你想做什么？",
    )
