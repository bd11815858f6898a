"""Cue words of the fake agent, English and Chinese: the vocabulary the understanding
module scores messages with and the planner names things with. Data only."""

from __future__ import annotations

import re

CJK = re.compile(r"[\u3400-\u9fff]")


def words(text: str) -> frozenset[str]:
    """A word list written as one string."""
    return frozenset(text.split())


def compiled(table: dict[str, str]) -> dict[str, re.Pattern[str]]:
    """A table of cue patterns by name, compiled; it keeps the table's order (where a
    caller takes the first name that matches, the order is the priority)."""
    return {name: re.compile(pattern) for name, pattern in table.items()}


def first_match(table: dict[str, re.Pattern[str]], text: str) -> str | None:
    """The first name in the table whose pattern occurs in the text."""
    return next((name for name, pattern in table.items() if pattern.search(text)), None)


# Formats the upload endpoint accepts (contracts/openapi.yaml, 4001 details).
ACCEPTED_FORMATS = "MP4, MOV, AVI, WebM, MKV, JPG, PNG, GIF, WebP, MP3, WAV, M4A, AAC"

VIDEO_STYLES = compiled(
    {
        "cinematic": r"\bcinematic\b|\bfilmic\b|电影感|电影风|大片",
        "anime": r"\banime\b|\bmanga\b|动漫|二次元|日漫",
        "cartoon": r"\bcartoon\w*\b|卡通",
        "realistic": r"\brealistic\b|\bphotoreal\w*\b|写实|真实感",
        "vintage": r"\bvintage\b|\bretro\b|复古",
        "watercolor": r"\bwatercolou?r\b|水彩",
        "documentary": r"\bdocumentary\b|纪录片",
        "3d": r"\b3d\b|三维",
        "cyberpunk": r"\bcyberpunk\b|赛博朋克",
        "pixel art": r"\bpixel[- ]?art\b|像素",
        "noir": r"\bnoir\b|黑白",
        "2d animation": r"\b2d\b|\bflat animation\b|扁平",
        "modern": r"\bmodern\b|\bminimalist\b|现代|简约",
    }
)

MUSIC_STYLES = compiled(
    {
        "Lo-fi": r"\blo-?fi\b|低保真",
        "Calm": r"\b(?:calm|relaxing|relaxed|peaceful|gentle|chill|soothing|soft)\b|舒缓|轻松|安静|平静|柔和",
        "Upbeat": r"\b(?:upbeat|happy|energetic|cheerful|high-energy|fun|lively)\b|欢快|动感|活泼",
        "Epic": r"\b(?:epic|dramatic|heroic|emotional|sweeping)\b|史诗|震撼|激昂",
        "Piano": r"\bpiano\b|钢琴",
        "Jazz": r"\bjazz\w*\b|爵士",
        "Electronic": r"\b(?:electronic|edm|techno|synthwave)\b|电子",
        "Acoustic": r"\b(?:acoustic|guitar|folk)\b|吉他|民谣",
        "Ambient": r"\bambient\b|氛围",
        "Classical": r"\b(?:classical|orchestral)\b|古典|交响",
        "Rock": r"\brock\b|摇滚",
        "Hip-hop": r"\bhip[- ]?hop\b|\brap\b|嘻哈",
        "Cinematic": r"\bcinematic (?:music|score|soundtrack)\b|电影配乐",
    }
)
# media.synth's BGM styles: lofi, upbeat, ambient, cinematic (others map by name)
SYNTH_STYLE = {
    "Lo-fi": "lofi",
    "Upbeat": "upbeat",
    "Calm": "ambient",
    "Ambient": "ambient",
    "Epic": "cinematic",
    "Cinematic": "cinematic",
}

# Colour filters / effects of the draft (`fx`, contracts/draft-extensions.md).
FILTERS = compiled(
    {
        "grayscale": r"\b(?:black[- ]and[- ]white|b&w|grayscale|greyscale|monochrome)\b|黑白|灰度",
        "sepia": r"\bsepia\b|怀旧|棕褐",
        "vintage": r"\b(?:vintage|retro|old[- ]film|film grain|vhs)\b|复古|老电影",
        "warm": r"\b(?:warm(?:er)?|golden[- ]hour|glow(?:ing)?|sunny|orange tint)\b|暖色|暖调|温暖|金色",
        "cool": r"\b(?:cool(?:er)?|cold(?:er)?|blue tint|icy)\b(?! (?:music|song))|冷色|冷调",
        "vivid": r"\b(?:vivid|vibrant|saturat\w*|colou?rful|pop)\b|鲜艳|饱和",
        "bright": r"\b(?:bright(?:en|er)?|lighten|lighter|exposure)\b|调亮|提亮|明亮",
        "dark": r"\b(?:dark(?:en|er)|moody|dim)\b|调暗|暗一点",
        "contrast": r"\b(?:contrast|punchy colou?rs?)\b|对比度",
        "soft": r"\b(?:soft(?:en)? (?:look|focus|glow)|dreamy|blur)\b|柔焦|梦幻",
        "sharpen": r"\b(?:sharpen|sharper|crisp(?:er)?)\b|锐化|清晰",
        "vignette": r"\bvignette\b|暗角",
        "denoise": r"\b(?:denois\w*|de-?noise|noise|grain|grainy|noisy)\b|降噪|去噪|噪点",
        "cinematic": r"\b(?:cinematic|colou?r grad\w*|film look|teal and orange|lut)\b|电影感|调色",
    }
)

TRANSITIONS = compiled(
    {
        "crossfade": r"\b(?:cross-?fades?|dissolves?|smooth)\b|叠化|交叉淡",
        "wipe": r"\bwipes?\b|擦除",
        "slide": r"\b(?:slides?|swipes?|push)\b|滑动|推移",
        "zoom": r"\bzoom\b|缩放",
        "fade": r"\bfade\b|淡入淡出|渐变",
    }
)

LANGUAGES = {
    "spanish": "Spanish",
    "english": "English",
    "french": "French",
    "german": "German",
    "chinese": "Chinese",
    "japanese": "Japanese",
    "korean": "Korean",
    "portuguese": "Portuguese",
    "italian": "Italian",
    "英文": "English",
    "英语": "English",
    "中文": "Chinese",
    "日文": "Japanese",
    "日语": "Japanese",
    "西班牙": "Spanish",
}

# Words that describe the request or the tool rather than what the video shows.
META_WORDS = words(
    """a an the me us my our your some something anything any video videos clip clips film
    faster slower shorter longer louder quieter brighter darker better bigger smaller send
    whatsapp instagram tiktok youtube facebook linkedin twitter snapchat pinterest email web
    website discord telegram wechat
    turn turning
    editor editors editing edit edits maker makers generator generators converter convert
    converting compress compressor compression trim trimmer cutter merge merger online tool
    tools app apps software image images photo photos picture pictures pics upload
    uploading try again more less worse nicer
    films movie movies animation animations footage please pls generate generates
    generated generating create creates created creating make makes making produce
    render for from with it one short quick new nice cool good great awesome amazing can
    could would will you i we want need like lets let s to just text prompt prompts
    description descriptions based on using and of about style styled looking look hd
    mp4 into version little simple random second seconds sec secs minute minutes min
    mins long p k ai help should that this these those there here free api tier model
    models output outputs compare comparing seedance kling sora pika runway veo content
    creators creator without footage online tool tools app text-to-video image-to-video
    t2v unlimited watermark login no quality high resolution 1080p 720p 480p 4k vertical
    horizontal landscape portrait square aspect ratio format cinematic anime cartoon
    realistic vintage modern style styles sample example test something kind type sort
    stuff thing things way is are be am was it's its some lot very really final finished
    edited same whole entire current well also then now today or but so if do does did
    get got go"""
)

ZH_FILLER = set(
    "的个一段条部帮我你给请想要吧呢吗啊了下做生成制作创作拍视频短片影片动画片子来秒钟分短字幕配乐转剪辑根据输入即可免费工具键"
)
