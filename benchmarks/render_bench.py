"""Render: wall seconds per second of video for two drafts, against the encoder floor.

Drafts (sources generated once with mock_server.media.synth, outside the timings):
- `title_card`: 10 s, 1080x1920 — one generated video segment + a title (0-3 s);
- `three_track`: 30 s, 1920x1080 — generated video + BGM (35 %) + title.

`render` times `render_draft` (the module imported first) in a fresh process and reads
its peak RSS (ru_maxrss). `floor` builds the very frames render_draft hands the encoder
(its own compositing code, every frame copied into memory first), then times PyAV
encoding only those frames with the same settings (libx264, ultrafast, CRF 23, yuv420p,
the same fps, encoder threads and GOP, MP4 +faststart): nothing else around it — no
source decoding, no compositing, no audio. Runs alternate render/floor; medians.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from benchmarks.common import ROOT, WORK, log, median

MEDIA = WORK / "render-media"
FPS = 30


def _title(duration_ms: int) -> dict[str, Any]:
    segment = {"id": "t1", "s": 0, "d": 3000, "tx": "Sunset", "pos": "center", "size": 76}
    segment["color"] = "#ffffff"
    return {"id": "track_title", "tt": 7, "sg": [segment]} if duration_ms else {}


DRAFTS: dict[str, dict[str, Any]] = {
    "title_card": {
        "t": [
            {"id": "track_video", "tt": 0, "sg": [{"id": "v1", "s": 0, "d": 10000, "src": "v"}]},
            _title(10000),
        ],
        "d": 10000,
        "m": {"title": "Sunset", "width": 1080, "height": 1920},
    },
    "three_track": {
        "t": [
            {"id": "track_video", "tt": 0, "sg": [{"id": "v1", "s": 0, "d": 30000, "src": "h"}]},
            {
                "id": "track_bgm",
                "tt": 1,
                "sg": [{"id": "b1", "s": 0, "d": 30000, "src": "b", "vol": 0.35}],
            },
            _title(30000),
        ],
        "d": 30000,
        "m": {"title": "City", "width": 1920, "height": 1080},
    },
}
SOURCES = {"v": "clip_1080x1920_10s.mp4", "h": "clip_1920x1080_30s.mp4", "b": "bgm_30s.m4a"}


def _resolve(src: str) -> Path | None:
    name = SOURCES.get(src)
    return MEDIA / name if name else None


# How each source is synthesized: the synth function and its arguments.
_SYNTH: dict[str, tuple[str, dict[str, Any]]] = {
    "v": (
        "make_clip",
        {
            "prompt": "a sunset over the sea",
            "seed": 1,
            "width": 1080,
            "height": 1920,
            "seconds": 10,
        },
    ),
    "h": (
        "make_clip",
        {
            "prompt": "city timelapse at night",
            "seed": 2,
            "width": 1920,
            "height": 1080,
            "seconds": 30,
        },
    ),
    "b": ("make_bgm", {"seed": 3, "seconds": 30}),
}


def prepare() -> dict[str, Any]:
    """Generate the sources (cached in .work/render-media, keyed by synth.py's source)."""
    from mock_server.media import synth

    key = hashlib.sha256(Path(synth.__file__).read_bytes()).hexdigest()[:16]
    stamp = MEDIA / f"sources-{key}"
    if stamp.exists() and all((MEDIA / n).exists() for n in SOURCES.values()):
        return {"cached": True}
    MEDIA.mkdir(parents=True, exist_ok=True)
    took: dict[str, Any] = {"cached": False}
    for src, (maker, kwargs) in _SYNTH.items():
        started = time.perf_counter()
        getattr(synth, maker)(MEDIA / SOURCES[src], **kwargs)
        took[f"synth_{Path(SOURCES[src]).stem}_s"] = round(time.perf_counter() - started, 2)
    for old in MEDIA.glob("sources-*"):
        old.unlink()
    stamp.touch()
    return took


# --- workers (each in a fresh process) ------------------------------------------------------


def _peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _cpu_s() -> float:
    """User + system CPU of this process, all threads."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class _ThreadCpu:
    """CPU seconds of this process's threads by role, sampled from /proc every 20 ms while
    a render runs (a thread that ends between two samples loses at most that much): the
    renderer's named worker threads, the main thread (x264 calls, muxing) and x264's own
    unnamed threads. `own_s` is the sampler's own CPU, to take out of the process's."""

    ROLES = {"render-compose": "decode_composite", "render-audio": "audio", "MainThread": "main"}

    def __init__(self) -> None:
        self._cpu: dict[int, float] = {}
        self._names: dict[int, str] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="bench-sampler", daemon=True)
        self._tick = os.sysconf("SC_CLK_TCK")
        self.own_s = 0.0

    def _sample(self) -> None:
        for t in threading.enumerate():
            if t.native_id is not None:
                self._names.setdefault(t.native_id, t.name)
        for tid in os.listdir("/proc/self/task"):
            try:
                stat = Path(f"/proc/self/task/{tid}/stat").read_text()
            except OSError:  # the thread ended meanwhile
                continue
            fields = stat.rsplit(")", 1)[1].split()
            self._cpu[int(tid)] = (int(fields[11]) + int(fields[12])) / self._tick

    def _loop(self) -> None:
        while not self._stop.wait(0.02):
            self._sample()
        self.own_s = time.thread_time()

    def __enter__(self) -> _ThreadCpu:
        self._sample()
        self._base = dict(self._cpu)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()

    def by_role(self) -> dict[str, float]:
        roles: dict[str, float] = {}
        for tid, cpu in self._cpu.items():
            name = self._names.get(tid, "")
            if name == "bench-sampler":
                continue
            role = self.ROLES.get(name, "x264_threads")
            roles[role] = roles.get(role, 0.0) + cpu - self._base.get(tid, 0.0)
        return {role: round(cpu, 2) for role, cpu in sorted(roles.items())}


class _DecodeCpu:
    """CPU seconds spent decoding video sources (the renderer's `Clip._pull`, wrapped while
    the block runs), on whichever thread decodes: the decode+composite thread's split."""

    def __init__(self) -> None:
        self.cpu_s = 0.0

    def __enter__(self) -> _DecodeCpu:
        from mock_server.media.render import sources

        self._original = pull = sources.Clip._pull

        def timed(clip: Any) -> Any:
            at = time.thread_time()
            try:
                return pull(clip)
            finally:
                self.cpu_s += time.thread_time() - at

        sources.Clip._pull = timed  # type: ignore[method-assign,assignment]
        return self

    def __exit__(self, *exc: object) -> None:
        from mock_server.media.render import sources

        sources.Clip._pull = self._original  # type: ignore[method-assign]


def worker_render(name: str) -> dict[str, Any]:
    from mock_server.media.render import render_draft

    out = WORK / f"render-{name}.mp4"
    with _ThreadCpu() as threads, _DecodeCpu() as decode:
        cpu, started = _cpu_s(), time.perf_counter()
        info = render_draft(DRAFTS[name], out, resolve=_resolve, fps=FPS)
        wall = time.perf_counter() - started
        cpu = _cpu_s() - cpu
    cpu -= threads.own_s
    return {
        "wall_s": round(wall, 3),
        "cpu_s": round(cpu, 3),
        "cpu_by_thread_s": threads.by_role(),
        "decode_cpu_s": round(decode.cpu_s, 3),
        "video_s": info.duration,
        "size": f"{info.width}x{info.height}",
        "bytes": info.size,
        "peak_rss_mb": _peak_rss_mb(),
    }


def worker_floor(name: str) -> dict[str, Any]:
    """The encoder floor, and what the render does besides encoding, each measured alone."""
    import av

    from mock_server.draft import Draft
    from mock_server.media.frames import Yuv420
    from mock_server.media.render import encode as enc
    from mock_server.media.render.audio import SAMPLE_RATE, audio_feeds, mix_block
    from mock_server.media.render.text import TextLayers
    from mock_server.media.render.timeline import canvas_size
    from mock_server.media.render.video import Compositor, video_layers

    started = time.perf_counter()
    draft = Draft.parse(DRAFTS[name])
    canvas = canvas_size(draft, None, None)
    n_frames = max(1, round(draft.duration_ms * FPS / 1000))
    compositor = Compositor(
        video_layers(draft, _resolve, canvas, FPS, n_frames),
        TextLayers(draft, canvas, FPS, n_frames),
        canvas,
        ring=enc.PREFETCH + 2,
    )
    frames, composed_cpu = [], 0.0  # the copies' page faults are not the renderer's work
    with _DecodeCpu() as decode:
        for i in range(n_frames):
            copy = Yuv420.new(*canvas)
            at = time.thread_time()
            picture = compositor.picture(i)
            composed_cpu += time.thread_time() - at
            copy.copy_from(picture)
            frames.append(copy)
    compositor.close()
    built = time.perf_counter() - started

    cpu = _cpu_s()
    n_samples = round(n_frames * SAMPLE_RATE / FPS)
    feeds = audio_feeds(draft, _resolve, n_samples)
    starts = range(0, n_samples, enc.AUDIO_CHUNK)
    blocks = [mix_block(feeds, a, min(n_samples, a + enc.AUDIO_CHUNK)) for a in starts]
    mixed_cpu = _cpu_s() - cpu

    out = WORK / f"floor-{name}.mp4"
    cpu, started = _cpu_s(), time.perf_counter()
    with av.open(str(out), "w", format="mp4", options={"movflags": "+faststart"}) as container:
        stream = enc.add_video_stream(container, canvas, FPS)
        for i, picture in enumerate(frames):
            container.mux(enc.encode_frame(stream, picture, i, FPS))
        container.mux(stream.encode(None))
    wall, floor_cpu = time.perf_counter() - started, _cpu_s() - cpu

    # The AAC encode of the very samples the render mixes: encoder work the output's
    # audio track needs, outside the (video) floor.
    cpu = _cpu_s()
    with av.open(str(WORK / f"floor-{name}.m4a"), "w", format="mp4") as container:
        astream = enc.add_audio_stream(container)
        for a, block in zip(starts, blocks, strict=True):
            container.mux(astream.encode(enc.audio_frame(block, a)))
        container.mux(astream.encode(None))
    aac_cpu = _cpu_s() - cpu
    return {
        "wall_s": round(wall, 3),
        "cpu_s": round(floor_cpu, 3),
        "frames": n_frames,
        "frames_built_s": round(built, 2),
        "alone_cpu_s": {
            "decode_composite": round(composed_cpu, 3),
            "decode": round(decode.cpu_s, 3),
            "audio_mix": round(mixed_cpu, 3),
            "aac_encode": round(aac_cpu, 3),
        },
        "peak_rss_mb": _peak_rss_mb(),
    }


ENCODER_CHOICES = [(p, t) for p in ("ultrafast", "superfast") for t in (1, 2, 3, 4)]


def worker_encoders(name: str) -> dict[str, Any]:
    """The x264 presets and thread counts the renderer could use, on the draft's first
    90 frames (pre-built), encode only: CPU, wall and bytes of each, twice, alternating."""
    import av
    from av.video.frame import PictureType

    from mock_server.media.frames import Yuv420

    with av.open(str(_resolve(str(DRAFTS[name]["t"][0]["sg"][0]["src"])))) as source:
        frames = []
        for decoded in source.decode(video=0):
            copy = Yuv420.new(decoded.width, decoded.height)
            copy.copy_from(Yuv420.from_frame(decoded))
            frames.append(copy.frame)
            if len(frames) == 90:
                break
    out = WORK / f"enc-{name}.mp4"
    runs: dict[str, list[tuple[float, float, int]]] = {}
    for _ in range(2):
        for preset, threads in ENCODER_CHOICES:
            cpu, started = _cpu_s(), time.perf_counter()
            with av.open(str(out), "w", format="mp4") as container:
                stream = container.add_stream("libx264", rate=FPS)
                stream.width, stream.height = frames[0].width, frames[0].height
                stream.pix_fmt = "yuv420p"
                stream.codec_context.thread_count = threads
                stream.codec_context.gop_size = 2 * FPS
                stream.options = {"preset": preset, "crf": "23"}
                for i, frame in enumerate(frames):
                    frame.pict_type = PictureType.NONE
                    frame.pts = i
                    container.mux(stream.encode(frame))
                container.mux(stream.encode(None))
            wall = time.perf_counter() - started
            runs.setdefault(f"{preset}/{threads}", []).append(
                (round(_cpu_s() - cpu, 3), round(wall, 3), out.stat().st_size)
            )
    return {
        key: {
            "cpu_s": median([r[0] for r in rs]),
            "wall_s": median([r[1] for r in rs]),
            "bytes": rs[0][2],
        }
        for key, rs in runs.items()
    }


def _spawn(kind: str, name: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.render_bench", "--worker", kind, "--draft", name],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{kind} {name} failed:\n{done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _medians(runs: list[dict[str, float]]) -> dict[str, float]:
    """Per key, the median over runs."""
    return {key: median([run.get(key, 0.0) for run in runs]) or 0.0 for key in runs[0]}


def run(reps: dict[str, int] | None = None) -> dict[str, Any]:
    reps = reps or {"title_card": 5, "three_track": 3}
    out: dict[str, Any] = {"fps": FPS, "sources": prepare(), "drafts": {}}
    for name, count in reps.items():
        renders, floors = [], []
        for _ in range(count):
            renders.append(_spawn("render", name))
            floors.append(_spawn("floor", name))
        render_s = median([r["wall_s"] for r in renders]) or 0.0
        floor_s = median([f["wall_s"] for f in floors]) or 0.0
        video_s = renders[0]["video_s"]
        out["drafts"][name] = {
            "size": renders[0]["size"],
            "video_s": video_s,
            "render_wall_s": [r["wall_s"] for r in renders],
            "floor_wall_s": [f["wall_s"] for f in floors],
            "render_median_s": render_s,
            "floor_median_s": floor_s,
            "render_s_per_video_s": round(render_s / video_s, 3),
            "floor_s_per_video_s": round(floor_s / video_s, 3),
            "ratio": round(render_s / floor_s, 2) if floor_s else None,
            "render_cpu_s": median([r["cpu_s"] for r in renders]),
            "floor_cpu_s": median([f["cpu_s"] for f in floors]),
            "cpu_ratio": round(
                (median([r["cpu_s"] for r in renders]) or 0.0)
                / (median([f["cpu_s"] for f in floors]) or 1.0),
                2,
            ),
            "render_cpu_by_thread_s": _medians([r["cpu_by_thread_s"] for r in renders]),
            # Of the decode+composite thread: the sources' H.264 decoding.
            "render_decode_cpu_s": median([r["decode_cpu_s"] for r in renders]),
            "alone_cpu_s": _medians([f["alone_cpu_s"] for f in floors]),
            "render_peak_rss_mb": max(r["peak_rss_mb"] for r in renders),
            "floor_peak_rss_mb": max(f["peak_rss_mb"] for f in floors),
            "bytes": renders[0]["bytes"],
        }
        drafted = out["drafts"][name]
        # Encoder work the output needs: the video floor plus the AAC encode of its audio.
        drafted["av_floor_cpu_s"] = round(
            drafted["floor_cpu_s"] + drafted["alone_cpu_s"]["aac_encode"], 3
        )
        drafted["cpu_ratio_av"] = round(drafted["render_cpu_s"] / drafted["av_floor_cpu_s"], 2)
        log(f"render {name}: {drafted['render_wall_s']} vs floor {drafted['floor_wall_s']}")
    from mock_server.media.render import encode

    out["encoder"] = {"threads": encode.ENCODER_THREADS, **encode.VIDEO_OPTIONS}
    out["encoders"] = _spawn("encoders", "title_card")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--worker", choices=("render", "floor", "encoders"))
    parser.add_argument("--draft", choices=sorted(DRAFTS))
    args = parser.parse_args()
    if args.worker:
        fn = {"render": worker_render, "floor": worker_floor, "encoders": worker_encoders}[
            args.worker
        ]
        print(json.dumps(fn(args.draft)))
        return
    print(json.dumps(run(), indent=2))


if __name__ == "__main__":
    main()
