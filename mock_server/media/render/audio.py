"""The audio mix: audio-track segments (BGM, voice-over) and video segments' own sound,
each at its `vol` with its `fi`/`fo` fades (10 ms at least, so cuts do not click), a video
segment's sound at its `sp` speed; resampled to 48 kHz stereo, summed, clipped to
[-1, 1]. Sources are decoded on demand in blocks as the mix advances (bounded memory)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from fractions import Fraction
from pathlib import Path

import av
import av.container
import numpy as np

from mock_server.draft import AUDIO, VIDEO, Draft, Segment
from mock_server.media.frames import F32
from mock_server.media.render.sources import source_kind
from mock_server.media.render.timeline import options

log = logging.getLogger(__name__)

SAMPLE_RATE = 48000
_EDGE_FADE = SAMPLE_RATE // 100


class AudioFeed:
    """One segment's audio: `read(n)` returns its next n timeline samples (48 kHz stereo
    float32, planar (2, n), gain and fades applied; zeros past the source's end). The
    source is opened on the first read and closed after the last."""

    def __init__(self, seg: Segment, path: Path, at: int, want: int, gain: float) -> None:
        self.seg, self.path, self.at, self.want, self.gain = seg, path, at, want, gain
        self.end = at + want
        opts = options(seg)
        self.speed = opts.speed
        self.fade_in = max(1, min(max(_EDGE_FADE, opts.fade_in_ms * SAMPLE_RATE // 1000), want))
        self.fade_out = max(1, min(max(_EDGE_FADE, opts.fade_out_ms * SAMPLE_RATE // 1000), want))
        if not opts.fade_in_ms and not opts.fade_out_ms:  # edge fades only: never past half
            self.fade_in = self.fade_out = max(1, min(_EDGE_FADE, want // 2))
        self._pos = 0  # timeline samples handed out so far
        self._taken = 0  # source samples consumed so far
        # Decoded samples not handed out yet: planar chunks, joined only when read, so
        # a block costs one copy however many codec frames it spans.
        self._chunks: list[F32] = []
        self._buffered = 0
        self._container: av.container.InputContainer | None = None
        self._frames: Iterator[av.AudioFrame] | None = None
        self._resampler: av.AudioResampler | None = None
        self._origin = 0.0
        self._skip: int | None = None  # samples to drop before the offset, once known
        self._done = False

    def _open(self) -> None:
        container = av.open(str(self.path), metadata_errors="ignore")
        if not container.streams.audio:
            container.close()
            self._done = True
            return
        self._container = container
        stream = container.streams.audio[0]
        tb = stream.time_base or Fraction(1, SAMPLE_RATE)
        self._origin = float(stream.start_time * tb) if stream.start_time else 0.0
        start = self.seg.so / 1000
        if start > 0.5:
            container.seek(int((start + self._origin) / tb), stream=stream)
        # Planar float at 48 kHz stereo, the AAC encoder's input: a source already in that
        # format (the fake's own BGM and clips) passes through without a conversion.
        self._resampler = av.AudioResampler(format="fltp", layout="stereo", rate=SAMPLE_RATE)
        self._frames = container.decode(stream)

    def _push(self, chunk: F32) -> None:
        if chunk.shape[1]:
            self._chunks.append(chunk)
            self._buffered += chunk.shape[1]

    def _append(self, frames: list[av.AudioFrame]) -> None:
        for out in frames:
            chunk = out.to_ndarray().astype(np.float32, copy=False)
            if self._skip:
                dropped = min(self._skip, chunk.shape[1])
                chunk, self._skip = chunk[:, dropped:], self._skip - dropped
            self._push(chunk)

    def _fill(self, n: int) -> None:
        if self._frames is None and not self._done:
            self._open()
        while self._buffered < n and not self._done:
            assert self._frames is not None and self._resampler is not None
            frame = next(self._frames, None)
            if frame is None:
                self._append(self._resampler.resample(None))
                self._done = True
                break
            if self._skip is None:
                first_at = (frame.time - self._origin) if frame.time is not None else 0.0
                offset = round((self.seg.so / 1000 - first_at) * SAMPLE_RATE)
                self._skip = max(0, offset)
                if offset < 0:  # the stream starts after the offset: silence first
                    self._push(np.zeros((2, -offset), np.float32))
            self._append(self._resampler.resample(frame))

    def _take(self, n: int) -> F32:
        try:
            self._fill(n)
        except Exception as exc:  # a bad source goes silent, it does not fail the render
            log.warning("render: cannot decode audio of %r (%s); silence", self.seg.src, exc)
            self.close()
            self._done = True
        data = np.zeros((2, n), np.float32)
        filled = 0
        while filled < n and self._chunks:
            chunk = self._chunks[0]
            used = min(n - filled, chunk.shape[1])
            data[:, filled : filled + used] = chunk[:, :used]
            filled += used
            if used == chunk.shape[1]:
                self._chunks.pop(0)
            else:
                self._chunks[0] = chunk[:, used:]
        self._buffered -= filled
        return data

    def read(self, n: int) -> F32:
        if self.speed == 1.0:
            data = self._take(n)
        else:  # sped up or slowed down: resample the source span linearly (pitch follows)
            upto = round((self._pos + n) * self.speed)
            raw = self._take(max(1, upto - self._taken))
            at = np.arange(self._pos, self._pos + n, dtype=np.float64) * self.speed - self._taken
            idx = np.arange(raw.shape[1], dtype=np.float64)
            data = np.stack([np.interp(at, idx, raw[c]) for c in (0, 1)]).astype(np.float32)
            self._taken = upto
        start, self._pos = self._pos, self._pos + n
        if start >= self.fade_in and start + n <= self.want - self.fade_out:
            data *= np.float32(self.gain)  # the body of the segment: no fade to compute
            return data
        k = np.arange(start, start + n, dtype=np.float32)
        envelope = np.minimum(
            1.0, np.minimum((k + 1) / self.fade_in, (self.want - k) / self.fade_out)
        )
        data *= (self.gain * envelope).astype(np.float32)
        return data

    def close(self) -> None:
        if self._container is not None:
            self._container.close()
        self._container = self._frames = self._resampler = None
        self._done = True
        self._chunks, self._buffered = [], 0


def audio_feeds(
    draft: Draft, resolve: Callable[[str], Path | None], n_samples: int
) -> list[AudioFeed]:
    """Audio tracks' segments, then video segments' own sound, at their volumes."""
    feeds: list[AudioFeed] = []
    segments = [seg for track in draft.tracks_of(AUDIO) for seg in track.sg]
    segments += [seg for track in draft.tracks_of(VIDEO) for seg in track.sg]
    for seg in segments:
        gain = 1.0 if seg.vol is None else float(seg.vol)
        at = round(seg.s * SAMPLE_RATE / 1000)
        want = min(round(seg.end * SAMPLE_RATE / 1000), n_samples) - at
        if not seg.src or gain <= 0 or want <= 0:
            continue
        try:
            path = resolve(seg.src)
        except Exception as exc:
            log.warning("render: cannot resolve %r (%s); silence", seg.src, exc)
            continue
        if path is None or not Path(path).is_file() or source_kind(Path(path), seg.src) == "image":
            continue
        feeds.append(AudioFeed(seg, Path(path), at, want, gain))
    return feeds


def mix_block(feeds: list[AudioFeed], a: int, b: int) -> F32:
    """Timeline samples [a, b) as planar (2, n) float32, clipped to [-1, 1]."""
    mix = np.zeros((2, b - a), np.float32)
    for feed in feeds:
        lo, hi = max(a, feed.at), min(b, feed.end)
        if hi > lo:
            mix[:, lo - a : hi - a] += feed.read(hi - lo)
            if feed.end <= b:
                feed.close()
    np.clip(mix, -1.0, 1.0, out=mix)
    return mix
