"""A procedural picture of what a prompt describes, for generated clips.

`read_scene(prompt)` picks, from the prompt's words (English and a few Chinese ones), the
time of day (day, sunrise, sunset, night), the weather (clear, overcast, rain, snow), the
setting's layers (mountains, water, city, forest, desert, beach, space, studio, or rolling
hills when nothing is named), a subject in its colour (an animal, a person, a car, a boat,
birds) and the style's grade (`grade.FILTERS` names: cinematic,
vintage, noir…). `paint(scene, width, height, seed, phase)` paints it as an RGB array:
a sky gradient with the sun, moon or stars, silhouettes lit by the time of day, water
that mirrors everything above the horizon with ripples, falling rain or snow. Every layer
is a whole-array numpy expression (no per-pixel Python); shapes and positions come from a
generator seeded with (seed, prompt), so the same prompt and seed paint the same picture.
`phase` (0..1) moves only the ripples, the rain or snow and the stars' twinkle.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

import numpy as np

from mock_server.media.frames import U8

F = np.ndarray  # float32 arrays, (h, w) or (h, w, 3), values 0..255

_WORDS: dict[str, tuple[str, ...]] = {
    # time of day
    "sunset": ("sunset", "dusk", "golden hour", "evening", "twilight", "日落", "黄昏", "夕阳"),
    "sunrise": ("sunrise", "dawn", "morning", "daybreak", "日出", "清晨", "早晨"),
    "night": ("night", "midnight", "starry", "stars", "moon", "nocturnal", "夜", "星空"),
    # weather
    "rain": ("rain", "rainy", "storm", "stormy", "drizzle", "downpour", "雨"),
    "snow": ("snow", "snowy", "snowfall", "winter", "blizzard", "frozen", "雪", "冬"),
    "overcast": ("overcast", "cloudy", "fog", "foggy", "mist", "misty", "grey sky", "阴"),
    # setting
    "mountains": ("mountain", "mountains", "alps", "peak", "peaks", "hills", "hiking", "山"),
    "water": ("lake", "sea", "ocean", "river", "pond", "waves", "bay", "harbor", "湖", "海", "河"),
    "beach": ("beach", "shore", "coast", "surf", "seaside", "island", "沙滩", "海滩"),
    "city": (
        "city",
        "urban",
        "skyline",
        "downtown",
        "street",
        "streets",
        "buildings",
        "skyscraper",
        "tokyo",
        "new york",
        "cyberpunk",
        "城市",
        "街",
    ),
    "forest": ("forest", "trees", "woods", "jungle", "pine", "rainforest", "森林", "树"),
    "desert": ("desert", "dunes", "sand dunes", "sahara", "canyon", "沙漠"),
    "space": ("space", "galaxy", "cosmos", "nebula", "planet", "astronaut", "universe", "太空"),
    "studio": ("product", "showcase", "studio", "unboxing", "logo", "commercial", "产品"),
    "neon": ("neon", "cyberpunk", "synthwave", "vaporwave", "霓虹"),
}
# subjects: one simple silhouette in front of the setting
_SUBJECTS: dict[str, tuple[str, ...]] = {
    "animal": (
        "fox",
        "dog",
        "puppy",
        "cat",
        "kitten",
        "deer",
        "wolf",
        "horse",
        "bear",
        "rabbit",
        "retriever",
        "lion",
        "tiger",
        "狐狸",
        "狗",
        "猫",
        "鹿",
    ),
    "person": (
        "person",
        "man",
        "woman",
        "girl",
        "boy",
        "people",
        "hiker",
        "runner",
        "dancer",
        "surfer",
        "traveler",
        "astronaut",
        "人",
    ),
    "car": ("car", "cars", "truck", "vehicle", "taxi", "汽车"),
    "boat": ("boat", "ship", "sailboat", "yacht", "sailing", "船"),
    "bird": ("bird", "birds", "eagle", "seagull", "gull", "鸟"),
}
_SUBJECT_COLORS: dict[str, tuple[int, int, int]] = {
    "animal": (150, 104, 64),
    "person": (70, 72, 92),
    "car": (184, 44, 40),
    "boat": (236, 236, 240),
    "bird": (36, 36, 40),
}
_COLOR_WORDS: dict[str, tuple[int, int, int]] = {
    "red": (200, 70, 36),
    "orange": (214, 112, 40),
    "fox": (206, 100, 40),  # a fox is orange unless told otherwise
    "astronaut": (232, 232, 236),  # a spacesuit is white
    "golden": (214, 166, 64),
    "yellow": (232, 200, 60),
    "brown": (122, 80, 46),
    "white": (238, 238, 240),
    "black": (30, 30, 34),
    "grey": (128, 128, 134),
    "gray": (128, 128, 134),
    "blue": (50, 92, 196),
    "green": (60, 140, 72),
    "pink": (236, 140, 170),
}
# style words → grade.FILTERS names, applied in order
_STYLES: dict[tuple[str, ...], tuple[str, ...]] = {
    ("cinematic", "film", "movie", "epic", "电影"): ("cinematic",),
    ("vintage", "retro", "old film", "nostalgic", "80s", "70s", "复古"): ("vintage",),
    ("noir", "black and white", "black-and-white", "monochrome", "b&w", "黑白"): (
        "grayscale",
        "contrast",
    ),
    ("anime", "cartoon", "animated", "pixar", "comic", "动漫", "卡通"): ("vivid", "contrast"),
    ("vivid", "colorful", "colourful", "vibrant"): ("vivid",),
    ("dreamy", "soft", "pastel", "ethereal"): ("soft",),
    ("moody", "dark", "gloomy"): ("dark",),
    ("sepia",): ("sepia",),
    ("warm",): ("warm",),
    ("cool", "cold", "icy"): ("cool",),
}


@dataclass(frozen=True)
class Scene:
    time: str = "day"  # day | sunrise | sunset | night
    weather: str = "clear"  # clear | overcast | rain | snow
    layers: frozenset[str] = field(default_factory=frozenset)
    filters: tuple[str, ...] = ()
    subject: str | None = None  # animal | person | car | boat | bird
    subject_color: tuple[int, int, int] = (0, 0, 0)

    @property
    def animated(self) -> bool:
        """Whether anything moves besides the camera (water, rain, snow, twinkling stars)."""
        return (
            bool({"water", "beach"} & self.layers)
            or self.weather in ("rain", "snow")
            or (self.time == "night" and self.weather == "clear")
        )


def _has(text: str, word: str) -> bool:
    if not word.isascii():
        return word in text
    return re.search(rf"(?<![a-z]){re.escape(word)}(?![a-z])", text) is not None


def read_scene(prompt: str) -> Scene:
    text = prompt.lower()
    found = {key for key, words in _WORDS.items() if any(_has(text, w) for w in words)}
    time = next((t for t in ("sunset", "sunrise", "night") if t in found), "day")
    if ("neon" in found or "space" in found) and time == "day":
        time = "night"
    weather = next((w for w in ("snow", "rain", "overcast") if w in found), "clear")
    layers = found & {"mountains", "water", "beach", "city", "forest", "desert", "space"}
    layers |= found & {"neon", "studio"}
    if "studio" in layers and layers - {"studio", "neon"}:
        layers.discard("studio")  # a product in a landscape: paint the landscape
    if not layers:
        layers = {"hills"}
    filters: list[str] = []
    for words, names in _STYLES.items():
        if any(_has(text, w) for w in words):
            filters += [n for n in names if n not in filters]
    subject = next((k for k, words in _SUBJECTS.items() if any(_has(text, w) for w in words)), None)
    color = _SUBJECT_COLORS.get(subject or "", (0, 0, 0))
    defaults = ("fox", "astronaut")  # named colours first, then these subjects' own
    for word in (*(w for w in _COLOR_WORDS if w not in defaults), *defaults):
        if subject is not None and _has(text, word):
            color = _COLOR_WORDS[word]
            break
    return Scene(time, weather, frozenset(layers), tuple(filters), subject, color)


# --- colours -------------------------------------------------------------------------------

# sky: (zenith, middle, horizon) per time of day
_SKIES = {
    "day": ((58, 118, 206), (110, 165, 228), (182, 214, 240)),
    "sunrise": ((92, 120, 186), (236, 160, 150), (255, 206, 140)),
    "sunset": ((118, 58, 92), (236, 112, 58), (255, 172, 76)),
    "night": ((4, 6, 22), (12, 18, 46), (28, 36, 72)),
}
_WEATHER_SKIES = {
    "overcast": ((112, 118, 128), (142, 146, 154), (176, 178, 184)),
    "rain": ((66, 72, 84), (96, 102, 114), (132, 138, 148)),
    "snow": ((170, 176, 188), (196, 200, 210), (222, 224, 230)),
}
# clouds: (share of the sky covered, colour) per weather, or per time of day when clear
_CLOUDS: dict[str, tuple[float, tuple[int, int, int]]] = {
    "day": (0.22, (246, 248, 252)),
    "sunrise": (0.18, (255, 214, 200)),
    "sunset": (0.18, (250, 150, 110)),
    "night": (0.0, (0, 0, 0)),
    "overcast": (0.7, (196, 198, 204)),
    "rain": (0.8, (92, 96, 106)),
    "snow": (0.6, (236, 238, 244)),
}
# light on the land: how lit silhouettes and ground are
_LIGHT = {
    "day": (1.0, 1.0, 1.0),
    "sunrise": (0.8, 0.66, 0.62),
    "sunset": (0.42, 0.26, 0.28),
    "night": (0.16, 0.18, 0.3),
}


def _rgb(c: tuple[float, float, float]) -> np.ndarray:
    return np.asarray(c, np.float32)


def _digest(prompt: str, seed: int) -> bytes:
    return hashlib.sha256(f"{seed}\x00scene\x00{prompt}".encode()).digest()


def rng_for(prompt: str, seed: int) -> np.random.Generator:
    return np.random.default_rng(int.from_bytes(_digest(prompt, seed)[:8], "big"))


# --- painting ------------------------------------------------------------------------------


class _Painter:
    """Paints one scene at one size; the static part once, the moving part per phase."""

    def __init__(self, scene: Scene, width: int, height: int, prompt: str, seed: int) -> None:
        self.scene, self.w, self.h = scene, width, height
        self.rng = rng_for(prompt, seed)
        self.x = np.arange(width, dtype=np.float32)[None, :]
        self.y = np.arange(height, dtype=np.float32)[:, None]
        layers = scene.layers
        if "space" in layers or "studio" in layers:
            self.horizon = height
        elif "water" in layers or "beach" in layers:
            self.horizon = int(height * (0.5 if "beach" in layers else 0.58))
        else:
            self.horizon = int(height * 0.68)
        self.light = _rgb(_LIGHT[scene.time])
        if scene.weather != "clear" and scene.time == "day":  # no sun: dimmer, snow less so
            self.light = self.light * (0.92 if scene.weather == "snow" else 0.8)
        self.base = self._static()
        self.streak_seed = int(self.rng.integers(1 << 31))
        self.subject = self._subject()

    # the parts that do not move

    def _static(self) -> F:
        layers = self.scene.layers
        if "studio" in layers:
            return self._studio()
        img = self._sky()
        if "space" in layers:
            return self._space(img)
        ground_top = self.horizon
        if "mountains" in layers:
            self._mountains(img)
        if "city" in layers or "neon" in layers:
            self._city(img)
        if "forest" in layers:
            self._forest(img)
        if "desert" in layers:
            self._desert(img, ground_top)
        elif "hills" in layers:
            self._hills(img, ground_top)
        elif not ({"water", "beach"} & layers):
            self._ground(img, ground_top)
        return img

    def _gradient(self, stops: tuple[tuple[float, float, float], ...], top: int, bottom: int) -> F:
        t = np.clip((self.y - top) / max(1, bottom - top), 0, 1)[..., None]
        a, b, c = (_rgb(s) for s in stops)
        lower = a + (b - a) * np.clip(t * 2, 0, 1)
        return np.where(t < 0.5, lower, b + (c - b) * np.clip(t * 2 - 1, 0, 1)) * np.ones(
            (1, self.w, 1), np.float32
        )

    def _sky(self) -> F:
        s = self.scene
        stops = _WEATHER_SKIES.get(s.weather) or _SKIES[s.time]
        if s.weather != "clear" and s.time in ("sunset", "night"):
            stops = tuple(  # type: ignore[assignment]
                tuple(0.5 * a + 0.5 * b for a, b in zip(w, t, strict=True))
                for w, t in zip(stops, _SKIES[s.time], strict=True)
            )
        sky_bottom = min(self.h, self.horizon)
        img = self._gradient(stops, 0, sky_bottom)
        if "neon" in s.layers:  # a magenta-cyan glow over the city
            glow = np.exp(-(((self.y - sky_bottom) / (0.25 * self.h)) ** 2))[..., None]
            img += glow * _rgb((150, 20, 130)) + (1 - glow) * glow * _rgb((0, 90, 110))
        if s.weather == "clear":
            if s.time == "night":
                self._stars(img, sky_bottom, 0.0012)
                self._disc(img, 0.72 * self.w, 0.18 * self.h, 0.045, (236, 234, 214), 1.2)
            elif s.time in ("sunset", "sunrise"):
                color = (255, 224, 150) if s.time == "sunset" else (255, 236, 190)
                above = 0.2 if "mountains" in s.layers or "city" in s.layers else 0.07
                self._disc(img, 0.5 * self.w, sky_bottom - above * self.h, 0.08, color, 3.5)
            else:
                self._disc(img, 0.78 * self.w, 0.14 * self.h, 0.05, (255, 250, 226), 2.0)
        cover, tone = _CLOUDS[s.weather if s.weather != "clear" else s.time]
        self._clouds(img, sky_bottom, cover, _rgb(tone) * (0.5 if s.time == "night" else 1.0))
        return img

    def _clouds(self, img: F, bottom: int, cover: float, tone: np.ndarray) -> None:
        """Soft, horizontally stretched clouds over the sky; `cover` 0..1 of it."""
        if cover <= 0 or bottom <= 0:
            return
        u, v = self.x / self.w, self.y[:bottom] / self.h
        field = np.zeros((bottom, self.w), np.float32)
        for k in range(1, 6):
            fx, fy = self.rng.uniform(0.5, 2.0) * k, self.rng.uniform(3.0, 7.0) * k
            field += np.sin(2 * np.pi * (fx * u + fy * v + self.rng.random())) / k
        level = np.quantile(field, 1 - cover)
        amount = np.clip((field - level) / 0.8, 0, 1) * np.clip(
            1.4 - 1.2 * v / (bottom / self.h), 0, 1
        )
        sky = img[:bottom]
        sky += (tone - sky) * (0.75 * amount)[..., None]

    def _disc(
        self, img: F, cx: float, cy: float, radius: float, color: tuple[int, int, int], glow: float
    ) -> None:
        r = radius * min(self.w, self.h)
        d = np.hypot(self.x - cx, self.y - cy) / r
        core = np.clip((1 - d) * 5 + 1, 0, 1)[..., None]  # a crisp edge
        halo = (np.exp(-((d / glow) ** 2)) * 0.55)[..., None]
        c = _rgb(color)
        img[...] = img * (1 - core) + c * core
        img += (c - img * 0.5).clip(0) * halo * (1 - core)

    def _stars(self, img: F, bottom: int, density: float) -> None:
        n = int(self.w * bottom * density)
        self.star_y = self.rng.integers(0, max(1, bottom), n)
        self.star_x = self.rng.integers(0, self.w, n)
        self.star_b = self.rng.uniform(120, 255, n).astype(np.float32)
        img[self.star_y, self.star_x] = np.maximum(
            img[self.star_y, self.star_x], self.star_b[:, None]
        )

    def _ridge(self, base: float, amplitude: float, waves: int) -> F:
        """A ridge line (height per column, pixels from the top) from seeded sines."""
        u = self.x[0] / self.w
        line = np.zeros(self.w, np.float32)
        for k in range(1, waves + 1):
            a = self.rng.uniform(0.4, 1.0) / k**1.1
            line += a * np.sin(
                2 * np.pi * (k * u * self.rng.uniform(0.7, 1.6)) + self.rng.uniform(0, 6.3)
            )
        line = (line - line.min()) / max(1e-6, float(line.max() - line.min()))
        return base - amplitude * line

    def _fill_below(self, img: F, top: F, bottom: int, color: F) -> None:
        mask = (self.y >= top[None, :]) & (self.y < bottom)
        img[mask] = np.broadcast_to(color, img.shape)[mask]

    def _mountains(self, img: F) -> None:
        hz = self.horizon
        snow = self.scene.weather == "snow"
        for lift, amp, tone in ((0.16, 0.22, 0.72), (0.04, 0.15, 0.5)):
            top = self._ridge(hz - lift * self.h * 0.5, amp * self.h, 6)
            haze = _rgb((96, 106, 132)) * tone
            body = haze * self.light
            col = np.broadcast_to(body, img.shape).copy()
            if snow or self.scene.time == "day":
                # snow caps: the upper part of each peak is lighter
                cap = np.clip(1 - (self.y - top[None, :]) / (0.06 * self.h), 0, 1)[..., None]
                white = _rgb((236, 238, 244)) * self.light * (1.0 if snow else 0.85)
                col = col * (1 - cap * 0.8) + white * cap * 0.8
            self._fill_below(img, top, hz, col)

    def _city(self, img: F) -> None:
        hz = self.horizon
        tops = np.full(self.w, float(hz), np.float32)
        x, ids = 0, np.zeros(self.w, np.int32)
        k = 0
        while x < self.w:
            bw = int(self.rng.uniform(0.04, 0.1) * self.w) + 2
            bh = self.rng.uniform(0.1, 0.38) * self.h
            tops[x : x + bw] = hz - bh
            ids[x : x + bw] = k
            x += bw + int(self.rng.uniform(0, 0.012) * self.w)
            k += 1
        night = self.scene.time in ("night", "sunset") or "neon" in self.scene.layers
        body = _rgb((52, 58, 70)) * (self.light if not night else _rgb((0.35, 0.35, 0.45)))
        col = np.broadcast_to(body, img.shape).copy()
        cell_w, cell_h = max(3, self.w // 90), max(4, self.h // 60)
        windows = ((self.x % cell_w) < cell_w * 0.55) & ((self.y % cell_h) < cell_h * 0.5)
        lit_table = self.rng.random((self.h // cell_h + 1, self.w // cell_w + 1)) < (
            0.45 if night else 0.2
        )
        cells = lit_table[(self.y // cell_h).astype(int), (self.x // cell_w).astype(int)]
        lit = (windows & cells)[..., None]
        if "neon" in self.scene.layers:
            palette = np.asarray([(255, 60, 200), (60, 230, 255), (255, 210, 90)], np.float32)
            glow = palette[ids % 3][None, :, :]
        else:
            glow = _rgb((255, 214, 140)) if night else _rgb((150, 170, 190)) * self.light
        col = np.where(lit, glow, col)
        self._fill_below(img, tops, hz, col)

    def _forest(self, img: F) -> None:
        hz = self.horizon
        for row, (height, tone, count) in enumerate(((0.16, 0.75, 28), (0.24, 0.5, 16))):
            base = hz + row * 0.02 * self.h
            cx = self.rng.uniform(0, self.w, count).astype(np.float32)
            half = self.rng.uniform(0.025, 0.05, count).astype(np.float32) * self.w
            th = self.rng.uniform(0.6, 1.0, count).astype(np.float32) * height * self.h
            # each tree a triangle: top edge base - th * (1 - |x - cx| / half)
            reach = 1 - np.abs(self.x[0][None, :] - cx[:, None]) / half[:, None]
            tops = np.min(np.where(reach > 0, base - th[:, None] * reach, base + 1), axis=0)
            color = _rgb((34, 76, 44)) * tone * self.light
            self._fill_below(img, tops.astype(np.float32), int(min(self.h, base + 1)), color)

    def _ground(self, img: F, top: int) -> None:
        snow = self.scene.weather == "snow"
        color = (
            (232, 236, 242)
            if snow
            else (58, 62, 68)
            if "city" in self.scene.layers
            else (
                70,
                112,
                56,
            )
        )
        shade = 1 - 0.35 * np.clip((self.y - top) / max(1, self.h - top), 0, 1)
        img[top:] = (_rgb(color) * self.light * shade[top:, :, None]).astype(np.float32)

    def _hills(self, img: F, top: int) -> None:
        ridge = self._ridge(top + 0.02 * self.h, 0.12 * self.h, 3)
        snow = self.scene.weather == "snow"
        color = _rgb((236, 238, 244) if snow else (84, 138, 64)) * self.light
        self._fill_below(img, ridge, self.h, color)
        self._ground_shade(img, int(ridge.min()))

    def _desert(self, img: F, top: int) -> None:
        for lift, tone in ((0.0, 1.0), (0.12, 0.86)):
            ridge = self._ridge(top + lift * self.h, 0.08 * self.h, 3)
            color = _rgb((226, 178, 112)) * tone * self.light
            self._fill_below(img, ridge, self.h, color)
        self._ground_shade(img, top)

    def _ground_shade(self, img: F, top: int) -> None:
        shade = 1 - 0.3 * np.clip((self.y[top:] - top) / max(1, self.h - top), 0, 1)
        img[top:] *= shade[..., None]

    def _space(self, img: F) -> F:
        img[...] = _rgb((3, 3, 10))
        u, v = self.x / self.w, self.y / self.h
        waves = np.zeros((self.h, self.w), np.float32)
        for k in range(1, 7):  # waves in random directions make a cloudy band
            angle = self.rng.uniform(0, np.pi)
            freq = self.rng.uniform(0.6, 1.4) * k**0.8
            along = np.cos(angle) * u + np.sin(angle) * v
            waves += np.sin(2 * np.pi * (freq * along + self.rng.random())) / k**0.7
        cloud = np.clip(waves / 3, 0, 1) ** 2
        img += cloud[..., None] * _rgb((120, 40, 150)) + (cloud**2)[..., None] * _rgb((30, 90, 160))
        self._stars(img, self.h, 0.003)
        cx, cy, r = 0.68 * self.w, 0.66 * self.h, 0.2 * min(self.w, self.h)
        d = np.hypot(self.x - cx, self.y - cy) / r
        lit = np.clip(1 - np.hypot(self.x - cx + 0.4 * r, self.y - cy + 0.4 * r) / (1.6 * r), 0, 1)
        planet = _rgb((70, 120, 200)) * (0.15 + lit[..., None])
        inside = (d < 1)[..., None]
        img[...] = np.where(inside, planet, img)
        outside = d[self.star_y, self.star_x] >= 1  # no star twinkles in front of the planet
        self.star_y, self.star_x, self.star_b = (
            self.star_y[outside],
            self.star_x[outside],
            self.star_b[outside],
        )
        return img

    def _studio(self) -> F:
        r, g, b = (float(c) for c in self.rng.uniform(60, 200, 3))
        hue = _rgb((r, g, b))
        stops = tuple((r * k, g * k, b * k) for k in (0.35, 0.6, 0.8))
        img = self._gradient(stops, 0, int(self.h * 0.7))
        floor = int(self.h * 0.7)
        img[floor:] = hue * 0.45
        spot = np.exp(
            -(
                ((self.x - self.w / 2) / (0.35 * self.w)) ** 2
                + ((self.y - 0.45 * self.h) / (0.45 * self.h)) ** 2
            )
        )
        img *= (0.55 + 0.6 * spot)[..., None]
        # the product: a rounded box with a highlight, on a soft shadow
        bw, bh = 0.22 * min(self.w, self.h), 0.3 * min(self.w, self.h)
        cx, bottom = self.w / 2, floor + 0.02 * self.h
        shadow = np.exp(
            -(((self.x - cx) / (0.9 * bw)) ** 2 + ((self.y - bottom) / (0.04 * self.h)) ** 2)
        )
        img *= (1 - 0.5 * shadow)[..., None]
        box = (np.abs(self.x - cx) < bw / 2) & (self.y > bottom - bh) & (self.y < bottom)
        sheen = np.clip(1 - np.abs(self.x - cx + bw * 0.2) / (bw * 0.35), 0, 1)
        body = _rgb((236, 236, 240)) * (0.6 + 0.4 * sheen)[..., None]
        img[...] = np.where(box[..., None], np.broadcast_to(body, img.shape), img)
        return img

    # the parts that move

    def frame(self, phase: float) -> U8:
        img = self.base.copy()
        layers = self.scene.layers
        if "water" in layers or "beach" in layers:
            self._water(img, phase)
        if self.scene.weather == "clear" and self.scene.time == "night" and hasattr(self, "star_x"):
            twinkle = 0.6 + 0.4 * np.sin(2 * np.pi * phase + self.star_b)
            img[self.star_y, self.star_x] = (self.star_b * twinkle)[:, None]
        if self.subject is not None:
            mask, color = self.subject
            img[mask] = color
        if self.scene.weather == "rain":
            self._streaks(img, phase, length=max(4, self.h // 30), slant=0.25, n=self.w // 3)
        elif self.scene.weather == "snow":
            self._streaks(img, phase, length=max(2, self.h // 300), slant=0.0, n=self.w // 2)
        return np.clip(img, 0, 255).astype(np.uint8)

    def _ellipse(
        self, cx: float, cy: float, rx: float, ry: float, angle: float = 0.0
    ) -> np.ndarray:
        dx, dy = self.x - cx, self.y - cy
        c, s = np.cos(angle), np.sin(angle)
        return ((dx * c + dy * s) / rx) ** 2 + ((dy * c - dx * s) / ry) ** 2 <= 1

    def _box(self, x0: float, x1: float, y0: float, y1: float) -> np.ndarray:
        return (self.x >= x0) & (self.x < x1) & (self.y >= y0) & (self.y < y1)

    def _subject(self) -> tuple[np.ndarray, np.ndarray] | None:
        """The subject's silhouette (a mask) and its colour under the scene's light."""
        kind = self.scene.subject
        if kind is None:
            return None
        u = 0.16 * min(self.w, self.h)  # the subject's scale
        cx = 0.36 * self.w
        layers = self.scene.layers
        if "beach" in layers:
            base = 0.9 * self.h
        elif "water" in layers:
            base = self.horizon + (0.3 if kind == "boat" else 0.75) * (self.h - self.horizon)
        elif "space" in layers or "studio" in layers:
            base = 0.72 * self.h
        else:
            base = self.horizon + 0.5 * (self.h - self.horizon)
        e, b = self._ellipse, self._box
        if kind == "animal":
            mask = e(cx, base - 0.45 * u, 0.55 * u, 0.22 * u) | e(
                cx + 0.62 * u, base - 0.7 * u, 0.17 * u, 0.15 * u
            )
            mask |= e(cx + 0.8 * u, base - 0.64 * u, 0.12 * u, 0.06 * u)  # snout
            mask |= e(cx + 0.55 * u, base - 0.88 * u, 0.05 * u, 0.1 * u)  # ears
            mask |= e(cx + 0.7 * u, base - 0.88 * u, 0.05 * u, 0.1 * u)
            mask |= e(cx - 0.75 * u, base - 0.5 * u, 0.34 * u, 0.11 * u, -0.5)  # tail
            for leg in (-0.4, -0.26, 0.28, 0.42):
                mask |= b(cx + (leg - 0.05) * u, cx + (leg + 0.05) * u, base - 0.5 * u, base)
        elif kind == "person":
            mask = e(cx, base - 1.2 * u, 0.11 * u, 0.12 * u) | e(
                cx, base - 0.8 * u, 0.17 * u, 0.3 * u
            )
            mask |= b(cx - 0.12 * u, cx - 0.02 * u, base - 0.6 * u, base)
            mask |= b(cx + 0.02 * u, cx + 0.12 * u, base - 0.6 * u, base)
            mask |= e(cx - 0.22 * u, base - 0.78 * u, 0.05 * u, 0.28 * u, 0.3)  # arms
            mask |= e(cx + 0.22 * u, base - 0.78 * u, 0.05 * u, 0.28 * u, -0.3)
        elif kind == "car":
            mask = b(cx - 0.75 * u, cx + 0.75 * u, base - 0.5 * u, base - 0.15 * u)
            mask |= e(cx - 0.05 * u, base - 0.5 * u, 0.42 * u, 0.28 * u) & (self.y < base - 0.4 * u)
            for wheel in (-0.45, 0.45):
                mask |= e(cx + wheel * u, base - 0.15 * u, 0.16 * u, 0.16 * u)
        elif kind == "boat":
            depth = np.clip((self.y - (base - 0.25 * u)) / (0.25 * u), 0, 1)
            mask = (np.abs(self.x - cx) <= (0.75 - 0.3 * depth) * u) & b(
                0, self.w, base - 0.25 * u, base
            )
            rise = np.clip((self.y - (base - 1.3 * u)) / (1.0 * u), 0, 1)
            mask |= b(cx + 0.04 * u, cx + 0.04 * u + 0.6 * u, base - 1.3 * u, base - 0.3 * u) & (
                self.x < cx + 0.04 * u + 0.6 * u * rise
            )
            mask |= b(cx - 0.02 * u, cx + 0.03 * u, base - 1.35 * u, base - 0.25 * u)  # mast
        else:  # birds: three V shapes in the sky
            mask = np.zeros((self.h, self.w), bool)
            for k in range(3):
                bx = (0.3 + 0.12 * k) * self.w
                by = (0.16 + 0.05 * (k % 2)) * self.h
                size = u * (0.35 - 0.06 * k)
                mask |= e(bx - 0.45 * size, by, 0.5 * size, 0.07 * size, 0.45)
                mask |= e(bx + 0.45 * size, by, 0.5 * size, 0.07 * size, -0.45)
        lit = kind == "bird" or "space" in layers or "studio" in layers  # not the land's light
        light = np.ones(3, np.float32) if lit else self.light
        return mask, _rgb(self.scene.subject_color) * light

    def _water(self, img: F, phase: float) -> None:
        hz = self.horizon
        bottom = self.h if "beach" not in self.scene.layers else int(self.h * 0.78)
        rows = np.arange(hz, bottom)
        depth = (rows - hz) / max(1, bottom - hz)  # 0 at the horizon, 1 in front
        mirror = np.clip(2 * hz - rows - 1, 0, hz - 1)
        # ripples: each row shifted sideways, more in front; the phase moves them
        shift = (
            np.sin(2 * np.pi * (rows / max(4, self.h * 0.012) + phase)) * (1 + 6 * depth)
        ).astype(np.int32)
        cols = np.clip(np.arange(self.w)[None, :] + shift[:, None], 0, self.w - 1)
        reflection = img[mirror[:, None], cols]
        tint = _rgb((16, 46, 72)) * self.light
        keep = (0.78 - 0.22 * depth)[:, None, None]
        img[hz:bottom] = reflection * keep + tint * (1 - keep)
        if "beach" in self.scene.layers:
            shore = (
                bottom + 0.015 * self.h * np.sin(2 * np.pi * (self.x[0] / self.w * 3 + phase))
            ).astype(np.float32)
            sand = _rgb((230, 204, 156)) * self.light
            self._fill_below(img, shore, self.h, sand)
            foam = (self.y >= shore[None, :] - 0.006 * self.h) & (self.y < shore[None, :])
            img[foam] = _rgb((245, 248, 250)) * self.light

    def _streaks(self, img: F, phase: float, length: int, slant: float, n: int) -> None:
        rng = np.random.default_rng(self.streak_seed)  # the same streaks every phase
        x0 = rng.uniform(0, self.w, n)
        y0 = (rng.uniform(0, self.h, n) + phase * self.h) % self.h
        bright = 200 if self.scene.weather == "rain" else 250
        for k in range(length):  # a few steps per streak, all streaks at once
            ys = ((y0 + k) % self.h).astype(np.int32)
            xs = np.clip(x0 + k * slant, 0, self.w - 1).astype(np.int32)
            img[ys, xs] = img[ys, xs] * 0.4 + bright * 0.6
            if self.scene.weather == "snow":
                xs2 = np.clip(xs + 1, 0, self.w - 1)
                img[ys, xs2] = img[ys, xs2] * 0.4 + bright * 0.6


def painter(prompt: str, seed: int, width: int, height: int) -> tuple[Scene, _Painter]:
    scene = read_scene(prompt)
    return scene, _Painter(scene, width, height, prompt, seed)
