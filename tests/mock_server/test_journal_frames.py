"""The journal keeps a stream's writes with their API times, masked and bounded."""

from __future__ import annotations

from mock_server.journal import MAX_FRAME_BYTES, JournalEntry, add_frame


def entry() -> JournalEntry:
    return JournalEntry(
        seq=1, time=0.0, method="POST", path="/run_sse", query="", headers={}, body=None
    )


def test_frames_keep_api_times_and_mask_tokens() -> None:
    e = entry()
    add_frame(e, 1.5, b'data: {"token":"nmv_usr_abcdefghijklmnop"}\n\n')
    add_frame(e, 16.5, b"data: \n\n")
    assert e.frames == [(1.5, 'data: {"token":"nmv_usr_…mnop"}\n\n'), (16.5, "data: \n\n")]
    assert "frames_truncated" not in e.extra


def test_frames_are_bounded_per_stream() -> None:
    e = entry()
    chunk = b"data: " + b"x" * 1000 + b"\n\n"
    for i in range(MAX_FRAME_BYTES // len(chunk) + 10):
        add_frame(e, float(i), chunk)
    assert e.frames is not None and e.frame_bytes <= MAX_FRAME_BYTES
    assert len(e.frames) == MAX_FRAME_BYTES // len(chunk) and e.extra["frames_truncated"]
