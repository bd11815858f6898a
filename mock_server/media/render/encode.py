"""The encoding pipeline: pictures composed on one worker thread, the audio mixed and
AAC-encoded on another, while the calling thread feeds x264 and muxes.

PyAV, numpy and x264 release the GIL, so on two cores that work overlaps the encoder's
own threads instead of running between its calls. Audio blocks are cut and muxed in the
same order as they would be inline, so the file is the same byte for byte.

A render therefore keeps about two cores busy by itself (the calling thread, these two
workers, x264's `ENCODER_THREADS`, one decoder thread per open clip): a scheduler running
renders side by side on 2 cores gains no throughput from more than one at a time.

The encoder is the critical path: x264's frame threads wait on one another and on the
calling thread, and leave part of the cores idle in between. The two workers run at idle
priority (Linux `SCHED_IDLE`), so they take those idle cycles instead of delaying x264 when
it wants both cores; a queue several pictures deep carries them over the busy moments.
"""

from __future__ import annotations

import os
import queue
import threading
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import av.container
from av.video.frame import PictureType

from mock_server.media.frames import F32, Yuv420
from mock_server.media.render.audio import SAMPLE_RATE, AudioFeed, mix_block
from mock_server.media.render.video import Compositor

# x264 `ultrafast` at CRF 23 with 3 frame threads (x264's own rule, 1.5 per core, on the
# 2-core reference machine): in benchmarks/render_bench.py's encoder table the same CPU as
# 2 threads and less wall time when other processes share the cores. `superfast` costs
# twice the CPU. A fixed thread count keeps the output deterministic.
ENCODER_THREADS = 3
VIDEO_OPTIONS = {"preset": "ultrafast", "crf": "23"}
AUDIO_BIT_RATE = 128_000
# FFmpeg's AAC encoder with its "fast" coder: half the CPU of the default "twoloop" on
# music (0.28 s vs 0.55 s for 30 s stereo, measured), at a few % fewer bytes. Mid/side
# stereo off: its per-band search was 40 % of what was left (the benchmark's 30 s BGM:
# 0.50 s -> 0.31 s of CPU, medians of 3; 0.4 % fewer bytes at the same bit rate).
AUDIO_OPTIONS = {"aac_coder": "fast", "aac_ms": "0"}
# Audio is mixed and handed to the AAC encoder half a second at a time: PyAV cuts it into
# the encoder's 1024-sample frames, so per-block Python work is paid 47 times less often.
AUDIO_CHUNK = SAMPLE_RATE // 2
PREFETCH = 4  # pictures composed ahead of the encoder


def add_video_stream(
    container: av.container.OutputContainer, canvas: tuple[int, int], fps: int
) -> av.VideoStream:
    """The H.264 stream every render (and the benchmark's encoder floor) writes."""
    stream = container.add_stream("libx264", rate=fps)
    stream.width, stream.height = canvas
    stream.pix_fmt = "yuv420p"
    stream.codec_context.thread_count = ENCODER_THREADS
    stream.codec_context.gop_size = 2 * fps
    stream.options = dict(VIDEO_OPTIONS)
    return stream


def add_audio_stream(container: av.container.OutputContainer) -> av.AudioStream:
    """The AAC stream every render (and the benchmark's audio floor) writes."""
    stream = container.add_stream("aac", rate=SAMPLE_RATE, layout="stereo")
    stream.bit_rate = AUDIO_BIT_RATE
    stream.options = dict(AUDIO_OPTIONS)
    return stream


def audio_frame(block: F32, pos: int) -> av.AudioFrame:
    """Planar (2, n) float32 samples starting at timeline sample `pos`, for the encoder."""
    frame = av.AudioFrame.from_ndarray(block, format="fltp", layout="stereo")
    frame.sample_rate = SAMPLE_RATE
    frame.pts = pos
    frame.time_base = Fraction(1, SAMPLE_RATE)
    return frame


def encode_frame(stream: av.VideoStream, picture: Yuv420, i: int, fps: int) -> list[av.Packet]:
    frame = picture.to_frame()
    frame.pict_type = PictureType.NONE  # decoded frames carry theirs: x264 would obey
    frame.pts = i
    frame.time_base = Fraction(1, fps)
    return stream.encode(frame)  # x264 has copied the picture on return


def run_pipeline(
    path: Path,
    container_format: str,
    canvas: tuple[int, int],
    fps: int,
    n_frames: int,
    compositor: Compositor,
    feeds: list[AudioFeed],
) -> None:
    n_samples = round(n_frames * SAMPLE_RATE / fps)
    with av.open(
        str(path), "w", format=container_format, options={"movflags": "+faststart"}
    ) as container:
        vstream = add_video_stream(container, canvas, fps)
        astream = add_audio_stream(container)
        # Audio is muxed about level with video, so the muxer interleaves with little
        # buffering: after video frame i, the audio blocks starting before marks[i].
        marks = [min(n_samples, round((i + 1) * SAMPLE_RATE / fps)) for i in range(n_frames)]
        pictures = _Pictures(n_frames, compositor)
        audio = _AudioTrack(astream, feeds, n_samples)
        try:
            for i in range(n_frames):
                container.mux(encode_frame(vstream, pictures.next(), i, fps))
                audio.mux_until(container, marks[i])
            container.mux(vstream.encode(None))
            audio.mux_until(container, n_samples)
            audio.mux_flush(container)
        finally:
            pictures.close()
            audio.close()


def run_at_idle_priority() -> bool:
    """Put the calling thread under the `SCHED_IDLE` policy: it runs when a core would
    otherwise idle, and any other thread waking up takes the core from it. False where
    that is not available (not Linux, or refused by a sandbox): it runs as before. A
    thread cannot come back from it without privileges, so call it only on a thread
    that ends with its job."""
    idle = getattr(os, "SCHED_IDLE", None)
    if idle is None:
        return False
    try:
        os.sched_setscheduler(0, idle, os.sched_param(0))  # 0: the calling thread
    except OSError:
        return False
    return True


class _Worker:
    """A daemon thread feeding a bounded queue; an exception it raises is handed over
    and raised on the consuming side. `close()` stops it and waits for it. It runs at
    idle priority (the encoder first)."""

    def __init__(self, name: str, depth: int) -> None:
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._guarded, name=name, daemon=True)

    def _guarded(self) -> None:
        run_at_idle_priority()
        try:
            self._run()
        except BaseException as exc:  # raised in the consuming thread by _get()
            self._put(exc)

    def _run(self) -> None:
        raise NotImplementedError

    def _put(self, item: Any) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _get(self) -> Any:
        item = self._queue.get()
        if isinstance(item, BaseException):
            raise item
        return item

    def close(self) -> None:
        self._stop.set()
        self._thread.join()


class _AudioTrack(_Worker):
    """The audio track, mixed and AAC-encoded on a worker thread ahead of the video, in
    blocks of `AUDIO_CHUNK` samples; the muxing thread takes each block's packets once
    the video has reached its start, so the file's interleaving is the same every run."""

    def __init__(self, stream: av.AudioStream, feeds: list[AudioFeed], n_samples: int) -> None:
        super().__init__("render-audio", depth=8)
        self._stream, self._feeds, self._n_samples = stream, feeds, n_samples
        self._muxed = 0  # samples whose packets have been muxed
        self._thread.start()

    def _run(self) -> None:
        pos = 0
        while pos < self._n_samples:
            stop = min(self._n_samples, pos + AUDIO_CHUNK)
            frame = audio_frame(mix_block(self._feeds, pos, stop), pos)
            if not self._put((stop, self._stream.encode(frame))):
                return
            pos = stop
        self._put((None, self._stream.encode(None)))

    def mux_until(self, container: av.container.OutputContainer, until: int) -> None:
        while self._muxed < until:
            stop, packets = self._get()
            container.mux(packets)
            self._muxed = stop

    def mux_flush(self, container: av.container.OutputContainer) -> None:
        stop, packets = self._get()
        assert stop is None, "audio blocks left before the flush"
        container.mux(packets)

    def close(self) -> None:
        super().close()
        for feed in self._feeds:
            feed.close()


class _Pictures(_Worker):
    """The output pictures, composed on a worker thread up to `PREFETCH` ahead of the
    encoder, in order."""

    def __init__(self, n_frames: int, compositor: Compositor) -> None:
        super().__init__("render-compose", depth=PREFETCH)
        self._n_frames, self._compositor = n_frames, compositor
        self._thread.start()

    def _run(self) -> None:
        for i in range(self._n_frames):
            if not self._put(self._compositor.picture(i)):
                return

    def next(self) -> Yuv420:
        picture: Yuv420 = self._get()
        return picture

    def close(self) -> None:
        super().close()
        self._compositor.close()
