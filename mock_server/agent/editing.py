# ruff: noqa: RUF001  (Chinese replies use full-width punctuation)
"""An edit turn: each edit the user asked for, checked against the draft as it is at
that point of the turn (an earlier trim changes what "the last 5 seconds" are), as one
tool call and result whose draft change lands at the result's time; then one reply that
says what changed (unless the turn closes silently, as ~30% of real edits do).

Trim arithmetic, on the timeline length L: keep the first N → [0, N]; remove the first N
→ [N, L]; remove the last N → [0, L-N]; cut A-B → [0, A] + [B, L]; keep A-B → [A, B];
to a length N longer than L, or "extend by N" → the picture loops on with a crossfade.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from mock_server import draft as drafts
from mock_server import rng
from mock_server.agent.chance import silent_close
from mock_server.agent.edits import Edit
from mock_server.agent.script import Change, DraftEdit
from mock_server.agent.subject import title_from
from mock_server.agent.timeline import (
    CUE_MS,
    FADE_MS,
    GAP,
    OVERLAY_MS,
    TOOL_EDIT,
    TOOL_MUSIC,
    TRANSITION_MS,
    title_args,
    upload_segments,
    with_uploads,
)

if TYPE_CHECKING:
    from mock_server.agent.planner import Planner


@dataclass
class Operation:
    """One planned edit: the tool call's args, the draft change, the reply line."""

    args: dict[str, Any]
    edit: DraftEdit | None
    line: str
    music: tuple[str, float] | None = None  # (style, volume): a generate_music call


class EditTurn:
    def __init__(self, planner: Planner) -> None:
        self.p = planner
        self.notes: list[str] = []

    def say(self, en: str, zh: str, **values: Any) -> str:
        return self.p.voice.say(en, zh, **values)

    def run(self) -> None:
        p, inp, memory = self.p, self.p.inp, self.p.inp.memory
        edits = list(p.u.edits)
        uploads = upload_segments(inp.video_infos)
        aspect = next((e for e in edits if e.kind == "aspect"), None)
        if aspect is not None:
            edits = [e for e in edits if e.kind != "aspect"]
            if memory.get("prompt") and drafts.has_video(p.draft):
                # Documented: a generated video's aspect ratio changes by regenerating it.
                p._generation(regenerate=True, aspect_ratio=aspect.aspect_ratio)
                return
            p._canvas_only(aspect.aspect_ratio)
            if not edits:
                return
        # A project with uploads but no timeline yet: the first edit lays them out.
        place: list[dict[str, Any]] | None = None if drafts.has_video(p.draft) else uploads
        if place:
            p.draft = drafts.with_video(p.draft, place, title=str(place[0].get("n") or "My Video"))
        if place and not edits:
            # Assembling the uploads: in order, crossfades between them, and music.
            edits = [Edit("transition", transition="crossfade"), Edit("music")]
        planned: list[Operation] = []
        for edit in edits:
            op = self.operation(edit)
            if op is not None:
                planned.append(op)
                if op.edit is not None:
                    p.draft = op.edit(p.draft)
        p.draft = inp.draft  # replayed below, change by change
        if not planned:
            p._chat(" ".join(self.notes) or self.say("Nothing to change.", "没有需要修改的内容。"))
            return
        p.plan.kind = "edit"
        p.plan.freeze = (f"edit:{inp.session_id}", p.cfg.edit_cost)
        p.plan.silent = _silent(p)
        seeds = rng.derive(inp.seed, "agent-synth", inp.session_id, inp.turn)
        bgm_seed = seeds.getrandbits(31)
        for i, op in enumerate(planned):
            after = p._lead() if i == 0 else GAP
            duration = p.times.uniform(*p.cfg.edit_seconds)
            if op.music is not None:
                style, volume = op.music
                seconds = drafts.duration_ms(_laid(p.draft, place)) / 1000
                prompt = f"{style} background music" + (
                    f" for {memory['prompt']}" if memory.get("prompt") else ""
                )
                call = p.script.call(
                    after, TOOL_MUSIC, {"prompt": prompt, "style": style, "duration": seconds}
                )
                p._music(
                    call, duration, style, prompt, seconds, volume, bgm_seed, n=1, uploads=place
                )
                p.plan.memory.update(music_style=style, volume=volume, music=True)
            else:
                call = p.script.call(after, TOOL_EDIT, op.args)
                step = p.script.result(duration, call, {"status": "success", **op.args})
                assert op.edit is not None
                p._land(Change(at=step.at, draft=with_uploads(place, op.edit)))
            place = None
        p.plan.memory["seconds"] = drafts.duration_ms(p.draft) / 1000
        if not p.plan.silent:
            lines = [op.line for op in planned]
            what = p.voice.join(lines)
            if not p.voice.zh:
                what = what[:1].upper() + what[1:]
            text = self.say(
                "Done: {what}. {summary}.",
                "完成：{what}。{summary}。",
                what=what,
                summary=drafts.summary(p.draft),
            )
            if self.notes:
                text += " " + " ".join(self.notes)
            p.script.text(GAP, text)

    # -- one edit
    def operation(self, edit: Edit) -> Operation | None:
        handler = getattr(self, f"_{edit.kind}")
        result: Operation | None = handler(edit)
        return result

    @property
    def length(self) -> int:
        return drafts.duration_ms(self.p.draft)

    def _seconds(self, ms: float) -> str:
        return f"{ms / 1000:g}"

    def _trim(self, edit: Edit) -> Operation | None:
        total = self.length
        a, b = round(edit.a * 1000), round(edit.b * 1000)
        mode = edit.mode
        if mode == "to_length" and a > total:
            mode, a = "extend", a - total
        if mode == "extend":
            seg_id = self.p._seg_id()
            return Operation(
                {"action": "extend", "extend_ms": a},
                partial(drafts.extended, extra_ms=a, seg_id=seg_id),
                self.say(
                    "extended the video by {x}s to {t}s (the picture loops on with a crossfade)",
                    "已将视频延长 {x} 秒至 {t} 秒（画面循环并交叉淡化）",
                    x=self._seconds(a),
                    t=self._seconds(total + a),
                ),
            )
        if mode in ("to_length", "keep_first"):
            if a >= total:
                self.notes.append(
                    self.say(
                        "The video is already {t}s, so there was nothing to trim to {n}s.",
                        "视频只有 {t} 秒，无需剪到 {n} 秒。",
                        t=self._seconds(total),
                        n=self._seconds(a),
                    )
                )
                return None
            ranges, line = (
                [(0, a)],
                self.say(
                    "kept the first {n}s (was {t}s)",
                    "保留了前 {n} 秒（原 {t} 秒）",
                    n=self._seconds(a),
                    t=self._seconds(total),
                ),
            )
        elif mode == "halve":
            ranges = [(0, total // 2)]
            line = self.say(
                "shortened the video to {n}s", "已将视频缩短到 {n} 秒", n=self._seconds(total // 2)
            )
        elif mode in ("remove_first", "remove_last"):
            if a >= total:
                self.notes.append(
                    self.say(
                        "I can't remove {n}s from a {t}s video.",
                        "无法从 {t} 秒的视频中删除 {n} 秒。",
                        n=self._seconds(a),
                        t=self._seconds(total),
                    )
                )
                return None
            first = mode == "remove_first"
            ranges = [(a, total)] if first else [(0, total - a)]
            line = self.say(
                "removed the {which} {n}s ({t}s → {left}s)",
                "删除了{which} {n} 秒（{t} 秒 → {left} 秒）",
                which=self.say("first", "开头") if first else self.say("last", "最后"),
                n=self._seconds(a),
                t=self._seconds(total),
                left=self._seconds(total - a),
            )
        else:  # cut_range / keep_range
            b = min(b, total)
            if a >= total or b <= a:
                self.notes.append(
                    self.say(
                        "The video is only {t}s long, so {x}-{y}s is outside it.",
                        "视频只有 {t} 秒，{x}-{y} 秒超出了范围。",
                        t=self._seconds(total),
                        x=self._seconds(a),
                        y=self._seconds(round(edit.b * 1000)),
                    )
                )
                return None
            if mode == "keep_range":
                ranges = [(a, b)]
                line = self.say(
                    "kept {x}-{y}s ({n}s)", "保留了 {x}-{y} 秒（{n} 秒）",
                    x=self._seconds(a), y=self._seconds(b), n=self._seconds(b - a),
                )  # fmt: skip
            else:
                ranges = [(0, a), (b, total)]
                line = self.say(
                    "cut out {x}-{y}s ({t}s → {left}s)", "剪掉了 {x}-{y} 秒（{t} 秒 → {left} 秒）",
                    x=self._seconds(a), y=self._seconds(b), t=self._seconds(total),
                    left=self._seconds(total - (b - a)),
                )  # fmt: skip
        keep = [(int(x), int(y)) for x, y in ranges if y > x]
        args: dict[str, Any] = {"action": "trim", "duration_ms": sum(y - x for x, y in keep)}
        if keep != [(0, args["duration_ms"])]:
            args["keep_ms"] = [list(r) for r in keep]
        return Operation(
            args,
            partial(drafts.kept, ranges=keep),
            line,
        )

    def _speed(self, edit: Edit) -> Operation | None:
        factor = float(edit.factor or 1.5)
        total = self.length
        new_total = round(total / factor)
        return Operation(
            {"action": "speed", "factor": factor},
            partial(drafts.with_speed, factor=factor),
            self.say(
                "{how} to {f:g}x ({t}s → {n}s)",
                "{how}到 {f:g} 倍速（{t} 秒 → {n} 秒）",
                how=self.say("sped the video up", "已加速")
                if factor > 1
                else self.say("slowed the video down", "已放慢"),
                f=factor,
                t=self._seconds(total),
                n=self._seconds(new_total),
            ),
        )

    def _transition(self, edit: Edit) -> Operation | None:
        kind = edit.transition or "crossfade"
        video = next((t for t in self.p.draft.get("t") or [] if t.get("tt") == drafts.VIDEO), None)
        segments = len(video["sg"]) if video else 0
        if segments >= 2:
            return Operation(
                {"action": "transition", "type": kind, "duration_ms": TRANSITION_MS},
                partial(drafts.with_transitions, kind=kind, duration=TRANSITION_MS),
                self.say(
                    "added {k} transitions between the {n} clips",
                    "在 {n} 段之间添加了{k}转场",
                    k=kind,
                    n=segments,
                ),
            )
        return Operation(
            {"action": "fade", "fade_in_ms": FADE_MS, "fade_out_ms": FADE_MS},
            partial(drafts.with_fades, fade_in=FADE_MS, fade_out=FADE_MS),
            self.say(
                "the video is a single clip with no cut to transition, so it now fades in from and out to black ({s}s)",
                "视频只有一个片段，没有可转场的切点，所以改为从黑场淡入、淡出到黑场（{s} 秒）",
                s=self._seconds(FADE_MS),
            ),
        )

    def _fade(self, edit: Edit) -> Operation | None:
        fi = FADE_MS if edit.fade_in else None
        fo = FADE_MS if edit.fade_out else None
        which = [
            w
            for w, on in (
                (self.say("in from black", "淡入"), fi),
                (self.say("out to black", "淡出"), fo),
            )
            if on
        ]
        return Operation(
            {"action": "fade", "fade_in_ms": fi or 0, "fade_out_ms": fo or 0, "audio": edit.audio},
            partial(drafts.with_fades, fade_in=fi, fade_out=fo, audio=edit.audio),
            self.say(
                "added a {s}s fade {which}{music}",
                "添加了 {s} 秒{which}{music}",
                s=self._seconds(FADE_MS),
                which=self.say(" and ", "和").join(which),
                music=self.say(" (music too)", "（音乐同步）") if edit.audio else "",
            ),
        )

    def _filter(self, edit: Edit) -> Operation | None:
        names = list(edit.filters)
        return Operation(
            {"action": "apply_filter", "filters": names},
            partial(drafts.with_fx, names=names),
            self.say(
                "applied the {f} filter{s}",
                "应用了 {f} 滤镜",
                f=", ".join(names),
                s="s" if len(names) > 1 else "",
            ),
        )

    def _clear_filters(self, edit: Edit) -> Operation | None:
        return Operation(
            {"action": "clear_filters"},
            drafts.without_fx,
            self.say("removed the filters", "已移除滤镜"),
        )

    def _music(self, edit: Edit) -> Operation | None:
        memory = self.p.inp.memory
        style = edit.style or memory.get("music_style") or "Lo-fi"
        volume = edit.volume or memory.get("volume") or drafts.DEFAULT_BGM_VOLUME
        had = _has_track(self.p.draft, drafts.AUDIO)
        bgm = partial(drafts.with_bgm, seg_id="planned", src="planned", name=style, volume=volume)
        return Operation(
            {},
            bgm,
            self.say(
                "{verb} {style} background music at {vol}%",
                "{verb}{style}背景音乐（音量 {vol}%）",
                verb=self.say("replaced the music with", "已替换为")
                if had
                else self.say("added", "已添加"),
                style=style,
                vol=round(volume * 100),
            ),
            music=(style, volume),
        )

    def _remove_music(self, edit: Edit) -> Operation | None:
        if not _has_track(self.p.draft, drafts.AUDIO):
            self.notes.append(self.say("There was no music to remove.", "视频没有背景音乐。"))
            return None
        self.p.plan.memory["music"] = False
        return Operation(
            {"action": "remove_track", "track_type": drafts.AUDIO},
            drafts.without_bgm,
            self.say("removed the background music", "已移除背景音乐"),
        )

    def _volume(self, edit: Edit) -> Operation | None:
        volume = float(edit.volume if edit.volume is not None else drafts.DEFAULT_BGM_VOLUME)
        if not _has_track(self.p.draft, drafts.AUDIO):
            return self._music(Edit("music", volume=volume))
        self.p.plan.memory["volume"] = volume
        return Operation(
            {"action": "set_volume", "track_type": drafts.AUDIO, "volume": volume},
            partial(drafts.with_volume, volume=volume),
            self.say(
                "set the music volume to {v}%", "已将音乐音量调到 {v}%", v=round(volume * 100)
            ),
        )

    def _subtitles(self, edit: Edit) -> Operation | None:
        memory = self.p.inp.memory
        total = self.length
        source = str(memory.get("prompt") or memory.get("title") or "")
        cues_text = _cue_lines(source) or [self.say("(no speech)", "（无对白）")]
        cues: list[tuple[int, int, str]] = []
        start, i = 0, 0
        while start < total:
            d = min(CUE_MS, total - start)
            cues.append((start, d, cues_text[i % len(cues_text)]))
            start, i = start + d, i + 1
        ids = [self.p._seg_id() for _ in cues]
        color = edit.color or "#ffffff"
        size = None
        if edit.bold:
            meta = self.p.draft.get("m") or {}
            size = max(
                14,
                round(min(int(meta.get("width") or 1920), int(meta.get("height") or 1080)) * 0.065),
            )
        language = f" ({edit.language})" if edit.language else ""
        self.notes.append(
            self.say(
                "The generated clip has no speech, so the subtitles describe the scene.",
                "生成的视频没有对白，字幕内容描述的是画面。",
            )
            if memory.get("prompt")
            else ""
        )
        return Operation(
            {"action": "add_subtitles", "cues": len(cues), "language": edit.language or "auto"},
            partial(drafts.with_subtitles, cues=cues, seg_ids=ids, color=color, size=size),
            self.say(
                "added subtitles{lang}: {n} timed cues at the bottom{style}",
                "已添加字幕{lang}：底部 {n} 条定时字幕{style}",
                lang=language,
                n=len(cues),
                style=self.say(", bold white", "，白色粗体") if edit.bold else "",
            ),
        )

    def _overlay(self, edit: Edit) -> Operation | None:
        memory = self.p.inp.memory
        total = self.length
        text = edit.text or memory.get("title") or title_from(str(memory.get("prompt") or ""))
        start, duration = _span(edit.where, total, OVERLAY_MS)
        return Operation(
            {"action": "add_text", "text": text, "start_ms": start, "duration_ms": duration},
            partial(
                drafts.with_overlay,
                seg_id=self.p._seg_id(),
                text=text,
                start=start,
                duration=duration,
                color=edit.color or "#ffffff",
            ),
            self.say(
                'added the text "{t}" ({a}-{b}s)',
                "已添加文字“{t}”（{a}-{b} 秒）",
                t=text,
                a=self._seconds(start),
                b=self._seconds(start + duration),
            ),
        )

    def _title(self, edit: Edit) -> Operation | None:
        memory = self.p.inp.memory
        text = edit.text or memory.get("title") or title_from(str(memory.get("prompt") or ""))
        length = round((edit.seconds or drafts.TITLE_MS / 1000) * 1000)
        self.p.plan.memory.update(title=text, text=True)
        return Operation(
            title_args(text, length),
            partial(
                drafts.with_title,
                seg_id=self.p._seg_id(),
                text=text,
                duration=length,
                color=edit.color or "#ffffff",
            ),
            self.say(
                'added the title "{t}" (0-{s}s)',
                "已添加标题“{t}”（0-{s} 秒）",
                t=text,
                s=self._seconds(min(length, self.length)),
            ),
        )

    def _remove_text(self, edit: Edit) -> Operation | None:
        roles = edit.roles
        present = [
            t
            for t in self.p.draft.get("t") or []
            if t.get("tt") == drafts.TEXT
            and t.get("sg")
            and (not roles or drafts.text_role(t) in roles)
        ]
        if not present:
            self.notes.append(self.say("There was no text to remove.", "视频中没有文字。"))
            return None
        if not roles or "title" in roles:
            self.p.plan.memory["text"] = False
        return Operation(
            {"action": "remove_text", "roles": list(roles) or ["all"]},
            partial(drafts.without_text, roles=roles),
            self.say(
                "removed {what} ({n} track{s})",
                "已移除{what}（{n} 条轨道）",
                what=self.say("all text", "所有文字") if not roles else ", ".join(roles),
                n=len(present),
                s="s" if len(present) != 1 else "",
            ),
        )

    def _aspect(self, edit: Edit) -> Operation | None:  # handled before the loop
        return None


def _silent(p: Planner) -> bool:
    return silent_close(p.inp.seed, p.inp.session_id, p.inp.turn, p.cfg.silent_close_rate)


def _has_track(draft: dict[str, Any], tt: int) -> bool:
    return any(t.get("tt") == tt and t.get("sg") for t in draft.get("t") or [])


def _laid(draft: dict[str, Any], uploads: list[dict[str, Any]] | None) -> dict[str, Any]:
    if uploads and not drafts.has_video(draft):
        return drafts.with_video(draft, uploads)
    return draft


def _span(where: tuple[str, float, float] | None, total: int, default: int) -> tuple[int, int]:
    """(start, duration) ms of a text placed "in the last 10 seconds", "at the end"..."""
    if where is None:
        return 0, min(default, total)
    kind, a, b = where
    if kind == "last":
        d = min(round(a * 1000), total)
        return total - d, d
    if kind == "first":
        return 0, min(round(a * 1000), total)
    if kind == "range":
        start = min(round(a * 1000), max(0, total - 1))
        return start, max(1, min(round(b * 1000), total) - start)
    if kind == "end":
        d = min(default, total)
        return total - d, d
    return 0, total


def _cue_lines(description: str) -> list[str]:
    """Short subtitle lines from a scene description: its clauses, each a few words."""
    parts = [
        p.strip()
        for p in re.split(r"[,;.!?，。；！？]|\s+(?:and|with|while)\s+", description)
        if p.strip()
    ]
    lines: list[str] = []
    for part in parts:
        words = part.split()
        for i in range(0, len(words), 7):
            chunk = " ".join(words[i : i + 7])
            lines.append(chunk[:1].upper() + chunk[1:])
    return lines[:20]
