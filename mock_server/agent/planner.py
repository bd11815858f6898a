# ruff: noqa: RUF001  (Chinese replies use full-width punctuation)
"""Understanding + the session as it is → the whole turn (`TurnPlan`), decided up front.

Every duration, id and chance is drawn from RNGs derived from (seed, session id, turn
number), so a turn is identical for identical seeds however other sessions interleave.

Credits (API notes §4: "generation about 100 credits per clip, editing about 50 per
session"): a generation turn (with its automatic BGM + title, and an aspect-ratio change,
which needs a regeneration) freezes `generation_cost` under a per-turn hold, charged when
the clip lands. Edit turns share one per-session hold of `edit_cost`, frozen by the
session's first edit turn and charged when it ends. Text, questions, upload requests and
canvas-only changes are free.
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import replace
from functools import partial
from typing import Any

from mock_server import draft as drafts
from mock_server import rng
from mock_server.agent import replies
from mock_server.agent.chance import temporary_issue
from mock_server.agent.editing import EditTurn
from mock_server.agent.lexicon import SYNTH_STYLE
from mock_server.agent.quantities import RATIOS, canvas_size
from mock_server.agent.script import (
    Change,
    Generated,
    Script,
    Step,
    TurnInput,
    TurnPlan,
)
from mock_server.agent.subject import title_from
from mock_server.agent.timeline import (
    CALL_GAP,
    CLIP_FPS,
    CLIP_SECONDS,
    DEFAULT_SECONDS,
    GAP,
    LEAD_SECONDS,
    TEMPORARY_ISSUE,
    TOOL_ASK,
    TOOL_EDIT,
    TOOL_MUSIC,
    TOOL_VIDEO,
    title_args,
    with_uploads,
)
from mock_server.agent.understand import (
    Generation,
    SessionView,
    Understanding,
    is_greeting,
    is_thanks,
    understand,
)
from mock_server.domain.model import MediaFile
from mock_server.domain.uploads import media_url


def session_view(inp: TurnInput) -> SessionView:
    visuals = [
        i
        for i in inp.video_infos
        if i.get("source") != "generated" and i.get("file_type") in ("video", "image")
    ]
    return SessionView(
        has_video=drafts.has_video(inp.draft),
        uploads=len(visuals),
        uploaded_images=sum(1 for i in visuals if i.get("file_type") == "image"),
        awaiting_answer=bool(inp.memory.get("awaiting_answer")),
    )


def plan_turn(inp: TurnInput) -> TurnPlan:
    """The whole turn, decided up front. Pure: same input, same plan."""
    cfg = inp.config
    understanding = understand(inp.message, session_view(inp))
    ids = rng.derive(inp.seed, "agent-ids", inp.session_id, inp.turn)
    times = rng.derive(inp.seed, "agent-times", inp.session_id, inp.turn)
    plan = TurnPlan(
        kind="chat",
        understanding=understanding,
        invocation_id=f"e-{rng.uuid4(ids)}",
        started_at=inp.started_at,
        steps=[],
        changes=[],
        freeze=None,
        memory={"awaiting_answer": False},
        draft_after=inp.draft,
    )
    builder = Planner(inp, understanding, plan, Script(ids, inp.started_at), times)
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


def _music_for(style: str | None) -> str:
    if style in ("cinematic", "documentary", "noir"):
        return "Cinematic"
    if style in ("anime", "cartoon", "3d", "pixel art", "2d animation"):
        return "Upbeat"
    return "Lo-fi"


class Planner:
    def __init__(
        self,
        inp: TurnInput,
        understanding: Understanding,
        plan: TurnPlan,
        script: Script,
        times: random.Random,
    ) -> None:
        self.inp, self.u, self.plan, self.script, self.times = (
            inp,
            understanding,
            plan,
            script,
            times,
        )
        self.cfg = inp.config
        self.voice = replies.Voice(understanding.language == "zh")
        self.draft = inp.draft  # simulated as the changes are planned

    # -- dispatch
    def build(self) -> None:
        act, voice = self.u.act, self.voice
        summary = drafts.summary(self.draft) if drafts.has_video(self.draft) else None
        if act == "generate":
            self._generation(regenerate=False)
        elif act == "ask":
            self._ask()
        elif act == "edit":
            self._edit()
        elif act == "canvas":
            self._canvas_only()
        elif act == "upload":
            self._chat(replies.upload_request(self.u.needs, voice))
        elif act == "answer":
            self._chat(replies.answer(self.inp.message, self.u.topic, self.u.answer_kind, voice))
        elif act == "export":
            short = self._canvas()[1] if summary else None
            self._chat(replies.export_help(summary, short, voice))
        elif act == "credits":
            self._chat(replies.balance(self.inp.balance, voice))
        elif act == "status":
            self._chat(replies.status(summary, voice))
        elif is_greeting(self.inp.message):
            self._chat(replies.greeting(voice))
        elif is_thanks(self.inp.message):
            self._chat(replies.thanks(voice))
        else:
            self._chat(replies.menu(voice))

    # -- helpers
    def _say(self, en: str, zh: str, **values: Any) -> str:
        return self.voice.say(en, zh, **values)

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
        size: tuple[int, int, float],
        recipe: dict[str, Any],
        at: float,
    ) -> MediaFile:
        media_id = self._media_id(n)
        digest = hashlib.sha256(json.dumps(recipe, sort_keys=True).encode()).hexdigest()
        width, height, fps = size
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

    # -- text turns
    def _chat(self, text: str) -> None:
        self.plan.kind = "chat"
        self.script.text(self._text_time(), text)

    def _ask(self) -> None:
        self.plan.kind = "ask"
        gen = self.u.generation
        pending = {
            k: v
            for k, v in {
                "seconds": gen.seconds,
                "aspect_ratio": gen.aspect_ratio,
                "resolution": gen.resolution,
                "style": gen.style,
                "music_style": gen.music_style,
                "title": gen.title,
            }.items()
            if v is not None
        }
        self.plan.memory.update(awaiting_answer=True, pending=pending)
        question = self._say(
            "What should the video show? Describe the scene, the subject and the mood{given}.",
            "视频要展示什么内容？请描述场景、主体和氛围{given}。",
            given=self._given(pending),
        )
        options = (
            ["夜晚的城市延时", "日落时海浪拍打沙滩", "阳光花园里玩耍的小猫"]
            if self.voice.zh
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

    def _given(self, pending: dict[str, Any]) -> str:
        parts = []
        if "seconds" in pending:
            parts.append(self._say("{s:g} seconds", "{s:g} 秒", s=pending["seconds"]))
        for key in ("style", "aspect_ratio"):
            if key in pending:
                parts.append(str(pending[key]))
        if not parts:
            return ""
        return self._say(" (I'll keep: {p})", "（将保留：{p}）", p=", ".join(parts))

    # -- canvas and generation
    def _canvas(self, aspect_ratio: str | None = None) -> tuple[str, int, int, int]:
        """(aspect ratio, short side, width, height) for this turn's output."""
        memory, gen = self.inp.memory, self.u.generation
        current = self.inp.canvas
        aspect = (
            aspect_ratio
            or gen.aspect_ratio
            or memory.get("aspect_ratio")
            or current.get("aspect_ratio")
            or "16:9"
        )
        if aspect not in RATIOS:
            aspect = "16:9"
        short = gen.resolution or memory.get("resolution")
        if short is None:
            side = min(int(current.get("width") or 1920), int(current.get("height") or 1080))
            short = side if side in (480, 720, 1080) else 1080
        width, height = canvas_size(aspect, int(short))
        return aspect, int(short), width, height

    def _canvas_only(self, aspect_ratio: str | None = None) -> None:
        ratio = aspect_ratio or next((e.aspect_ratio for e in self.u.edits if e.aspect_ratio), None)
        aspect, short, width, height = self._canvas(ratio)
        self.plan.kind = "canvas"
        self.plan.memory.update(aspect_ratio=aspect, resolution=short)
        has_video = drafts.has_video(self.draft)
        step = self.script.text(
            self._text_time(),
            self._say(
                "Canvas set to {aspect} ({w}x{h}). {next}",
                "画布已设置为 {aspect}（{w}x{h}）。{next}",
                aspect=aspect,
                w=width,
                h=height,
                next=self._say(
                    "Your clips are fitted to the new frame."
                    if has_video
                    else "What should the video show?",
                    "素材已适配新画幅。" if has_video else "视频要展示什么内容？",
                ),
            ),
        )
        canvas = {"width": width, "height": height, "aspect_ratio": aspect}
        edit = partial(_recanvas, width=width, height=height)
        self._land(Change(at=step.at, canvas=canvas, draft=edit))

    def _generation(self, *, regenerate: bool, aspect_ratio: str | None = None) -> None:
        inp, memory = self.inp, self.inp.memory
        gen: Generation = self.u.generation
        pending = memory.get("pending") or {}
        if not regenerate and pending:
            gen = replace(gen, **{k: getattr(gen, k) or v for k, v in pending.items()})
        self.plan.kind = "generation"
        ref = f"generation:{inp.session_id}:{inp.turn}"
        self.plan.freeze = (ref, self.cfg.generation_cost)
        aspect, short, width, height = self._canvas(aspect_ratio)
        prompt = (gen.prompt if not regenerate else memory.get("prompt")) or "a short video"
        seconds = gen.seconds or (memory.get("seconds") if regenerate else None) or DEFAULT_SECONDS
        seconds = float(min(max(seconds, CLIP_SECONDS[0]), CLIP_SECONDS[1]))
        keep = regenerate
        style = gen.style or (memory.get("style") if keep else None)
        with_music = gen.music if not keep else memory.get("music", True)
        music = (
            gen.music_style or (memory.get("music_style") if keep else None) or _music_for(style)
        )
        volume = gen.volume or (memory.get("volume") if keep else None) or drafts.DEFAULT_BGM_VOLUME
        with_title = gen.text if not keep else memory.get("text", True)
        title = gen.title or (memory.get("title") if keep else None) or title_from(prompt)
        # (a keyword list like MediaFile(...) above: alike in shape only, nothing to share)
        self.plan.memory.update(
            prompt=prompt,
            seconds=seconds,
            style=style,
            music_style=music,
            music=with_music,
            volume=volume,
            title=title,
            text=with_title,
            aspect_ratio=aspect,
            resolution=short,
            pending={},
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
                style=(f"，{style}" if self.voice.zh else f", {style}") if style else "",
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
        at = round(self.script.t + gen_seconds, 6)
        clip_recipe: dict[str, Any] = {
            "kind": "clip",
            "prompt": prompt,
            "seed": clip_seed,
            "width": width,
            "height": height,
            "seconds": seconds,
            "fps": CLIP_FPS,
        }
        if style:
            clip_recipe["style"] = style
        clip = self._media(
            1,
            f"seedance_{inp.turn}.mp4",
            "video",
            seconds,
            (width, height, float(CLIP_FPS)),
            clip_recipe,
            at,
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
        post = [
            w
            for w, on in (
                (self._say("background music", "背景音乐"), with_music),
                (self._say("a title", "标题"), with_title),
            )
            if on
        ]
        if post:
            self.script.text(
                GAP,
                self._say(
                    "The raw clip is ready. Now adding {what}…",
                    "原始视频已生成，正在添加{what}……",
                    what=(" 和 " if self.voice.zh else " and ").join(post),
                ),
            )
        if with_music:
            music_prompt = f"{music} background music for {prompt}"
            call = self.script.call(
                CALL_GAP, TOOL_MUSIC, {"prompt": music_prompt, "style": music, "duration": seconds}
            )
            self._music(call, music_seconds, music, music_prompt, seconds, volume, bgm_seed, n=2)
        if with_title:
            call = self.script.call(GAP, TOOL_EDIT, title_args(title, drafts.TITLE_MS))
            self._title(call, title_seconds, title, drafts.TITLE_MS)
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
        bgm = self._media(n, f"bgm_{self.inp.turn}.m4a", "audio", seconds, (0, 0, 0.0), recipe, at)
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
                draft=with_uploads(uploads, edit),
            ),
        )

    def _title(
        self,
        call: Step,
        duration: float,
        title: str,
        length_ms: int,
        uploads: list[dict[str, Any]] | None = None,
    ) -> None:
        step = self.script.result(
            duration,
            call,
            {"status": "success", "action": "add_title", "track_type": drafts.TEXT, "text": title},
        )
        edit = partial(drafts.with_title, seg_id=self._seg_id(), text=title, duration=length_ms)
        self._land(Change(at=step.at, draft=with_uploads(uploads, edit)))

    # -- edits
    def _edit(self) -> None:
        EditTurn(self).run()


def _fresh_video(
    draft: dict[str, Any], *, segment: dict[str, Any], title: str, width: int, height: int
) -> dict[str, Any]:
    """A new generation starts a new timeline: the clip alone (music and title follow)."""
    return drafts.with_video(
        drafts.empty_draft(title, width, height), [segment], title=title, width=width, height=height
    )


def _recanvas(draft: dict[str, Any], *, width: int, height: int) -> dict[str, Any]:
    return drafts.with_canvas(draft, width, height) if draft else draft
