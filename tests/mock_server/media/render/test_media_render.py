from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mock_server.media.render import SUPPORTED_FORMATS, render_draft
from tests.mock_server.media.render.helpers import (
    FPS,
    MAGENTA,
    TEAL,
    H,
    W,
    black,
    check_output,
    close,
    diff,
    render,
    video,
)


def test_title_card(tmp_path: Path, media: dict[str, Path], decode: Any) -> None:
    draft = {
        "d": 2000,
        "t": [
            video("magenta.mp4", 0, 2000),
            {
                "tt": 7,
                "sg": [{"tx": "URBAN DREAMS", "s": 500, "d": 500, "pos": "center", "size": 32}],
            },
        ],
    }
    info, d = render(tmp_path, media, draft, decode)
    check_output(info, d, W, H, 2.0)
    before, during, after = d.frame_at(0.25), d.frame_at(0.75), d.frame_at(1.25)
    assert diff(during[70:110], before[70:110]) > 12  # the title is on screen
    assert diff(before, after) < 1  # and gone again
    assert close(before, MAGENTA)
    # White glyphs in the middle rows while the title shows.
    assert (during[70:110].min(axis=2) > 200).sum() > 100
    assert (before[70:110].min(axis=2) > 200).sum() == 0


def test_uploaded_clip_appears_at_its_time(
    tmp_path: Path, media: dict[str, Path], decode: Any
) -> None:
    draft = {"d": 3000, "t": [video("magenta.mp4", 1000, 1000)]}
    info, d = render(tmp_path, media, draft, decode)
    check_output(info, d, W, H, 3.0)
    assert black(d.frame_at(0.5))
    for t in (1.05, 1.5, 1.95):
        assert close(d.frame_at(t), MAGENTA), t
    assert black(d.frame_at(2.5))


def test_source_offset_is_honoured(tmp_path: Path, media: dict[str, Path], decode: Any) -> None:
    """two.mp4 is magenta for 1 s then teal for 1 s; so=1000 starts on teal."""
    draft = {"t": [video("two.mp4", 0, 500, so=1000), video("two.mp4", 500, 500)]}
    info, d = render(tmp_path, media, draft, decode)
    check_output(info, d, W, H, 1.0)  # no `d`: the latest segment end
    assert close(d.frame_at(0.2), TEAL)
    assert close(d.frame_at(0.7), MAGENTA)


def test_short_source_holds_its_last_frame(
    tmp_path: Path, media: dict[str, Path], decode: Any
) -> None:
    draft = {"d": 2000, "t": [video("magenta.mp4", 0, 2000)]}
    _, d = render(tmp_path, media, draft, decode)
    assert close(d.frame_at(1.8), MAGENTA)


def test_letterbox_on_portrait_canvas(tmp_path: Path, media: dict[str, Path], decode: Any) -> None:
    draft = {"d": 500, "m": {"width": 180, "height": 320}, "t": [video("magenta.mp4", 0, 500)]}
    info, d = render(tmp_path, media, draft, decode, width=None, height=None)
    check_output(info, d, 180, 320, 0.5)  # canvas from draft.m
    frame = d.frame_at(0.2)
    # 160x90 scaled to 180x~100, centred: bars above and below.
    assert black(frame[:100]) and black(frame[-100:])
    assert close(frame[115:205], MAGENTA)


def test_image_segment(tmp_path: Path, media: dict[str, Path], decode: Any) -> None:
    draft = {"d": 1000, "t": [video("teal.png", 0, 1000)]}
    info, d = render(tmp_path, media, draft, decode)
    check_output(info, d, W, H, 1.0)
    frame = d.frame_at(0.5)
    # A portrait still on a landscape canvas: pillarboxed, centre column teal.
    assert close(frame[:, 130:190], TEAL)
    assert black(frame[:, :60]) and black(frame[:, -60:])


def test_bgm_makes_the_audio_non_silent(
    tmp_path: Path, media: dict[str, Path], decode: Any
) -> None:
    bgm = {"tt": 1, "sg": [{"src": "https://cdn.test/bgm.m4a", "s": 0, "d": 2000, "vol": 1.0}]}
    quiet = {"tt": 1, "sg": [{"src": "https://cdn.test/bgm.m4a", "s": 0, "d": 2000, "vol": 0.2}]}
    base = [video("gen.mp4", 0, 2000)]
    info, loud = render(tmp_path, media, {"d": 2000, "t": [*base, bgm]}, decode, "loud.mp4")
    check_output(info, loud, W, H, 2.0)
    _, soft = render(tmp_path, media, {"d": 2000, "t": [*base, quiet]}, decode, "soft.mp4")
    _, silent = render(tmp_path, media, {"d": 2000, "t": base}, decode, "silent.mp4")
    assert loud.rms(0.6, 1.6) > 0.05
    assert 0.1 < soft.rms(0.6, 1.6) / loud.rms(0.6, 1.6) < 0.35
    assert silent.audio is not None and len(silent.audio) > 1.9 * 48000
    assert silent.rms() < 1e-3


def test_audio_segment_placement(tmp_path: Path, media: dict[str, Path], decode: Any) -> None:
    bgm = {"tt": 1, "sg": [{"src": "https://cdn.test/bgm.m4a", "s": 1000, "d": 500, "so": 1000}]}
    _, d = render(tmp_path, media, {"d": 2000, "t": [bgm]}, decode)
    assert d.rms(0.0, 0.95) < 1e-3
    assert d.rms(1.05, 1.45) > 0.05
    assert d.rms(1.55, 2.0) < 1e-3


def test_video_segment_audio_is_kept(tmp_path: Path, media: dict[str, Path], decode: Any) -> None:
    draft = {"d": 1000, "t": [video("tone.mp4", 0, 1000, vol=1.0)]}
    _, d = render(tmp_path, media, draft, decode)
    assert d.rms(0.1, 0.9) > 0.05  # the clip's 440 Hz tone


def test_missing_and_corrupt_sources_are_black_and_silent(
    tmp_path: Path, media: dict[str, Path], decode: Any
) -> None:
    draft = {
        "d": 1000,
        "t": [
            video("nowhere.mp4", 0, 500),
            video("corrupt.mp4", 500, 500),
            {"tt": 1, "sg": [{"src": "https://cdn.test/gone.m4a", "s": 0, "d": 1000}]},
            {"tt": 1, "sg": [{"src": "https://cdn.test/corrupt.mp4", "s": 0, "d": 1000}]},
        ],
    }
    info, d = render(tmp_path, media, draft, decode)
    check_output(info, d, W, H, 1.0)
    assert all(black(f) for f in d.frames)
    assert d.rms() < 1e-3


def test_resolver_returning_a_deleted_file(
    tmp_path: Path, media: dict[str, Path], decode: Any
) -> None:
    gone = tmp_path / "deleted.mp4"
    info = render_draft(
        {"d": 300, "t": [video("x.mp4", 0, 300)]},
        tmp_path / "o.mp4",
        resolve=lambda src: gone,
        width=W,
        height=H,
        fps=FPS,
    )
    assert all(black(f) for f in decode(info.path).frames)


def test_text_position_and_colour(tmp_path: Path, media: dict[str, Path], decode: Any) -> None:
    text = {
        "tt": 7,
        "sg": [
            {"tx": "TOP", "s": 0, "d": 500, "pos": "top", "color": "#ff0000", "size": 40},
            {"tx": "BOTTOM", "s": 500, "d": 500, "pos": "bottom", "color": "#00ff00", "size": 40},
        ],
    }
    _, d = render(tmp_path, media, {"d": 1000, "t": [text]}, decode)
    top, bottom = d.frame_at(0.25), d.frame_at(0.75)
    red = (top[..., 0] > 180) & (top[..., 1] < 80)
    green = (bottom[..., 1] > 180) & (bottom[..., 0] < 80)
    assert red[: H // 2].sum() > 100 and red[H // 2 :].sum() == 0
    assert green[H // 2 :].sum() > 100 and green[: H // 2].sum() == 0


def test_later_video_track_is_on_top(tmp_path: Path, media: dict[str, Path], decode: Any) -> None:
    draft = {"d": 500, "t": [video("gen.mp4", 0, 500), video("magenta.mp4", 0, 500)]}
    _, d = render(tmp_path, media, draft, decode)
    assert close(d.frame_at(0.25), MAGENTA)


def test_mov_container(tmp_path: Path, media: dict[str, Path], decode: Any) -> None:
    draft = {"d": 1000, "t": [video("gen.mp4", 0, 1000)]}
    info, d = render(tmp_path, media, draft, decode, name="out.mov", fmt="mov")
    check_output(info, d, W, H, 1.0)
    assert "mov" in d.container_format
    assert info.path.read_bytes()[4:12] == b"ftypqt  "  # QuickTime brand, not an MP4 one


@pytest.mark.parametrize("fmt", ["webm", "gif", "mkv", ""])
def test_unsupported_format(fmt: str, tmp_path: Path, media: dict[str, Path]) -> None:
    with pytest.raises(ValueError) as info:
        render_draft({"d": 500, "t": []}, tmp_path / "x", resolve=lambda s: None, fmt=fmt)
    assert all(name in str(info.value) for name in SUPPORTED_FORMATS)
    assert not list(tmp_path.iterdir())


def test_empty_draft_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="empty timeline"):
        render_draft({"t": []}, tmp_path / "x.mp4", resolve=lambda s: None)


def test_invalid_draft_is_a_value_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="invalid draft"):
        render_draft(
            {"t": [{"tt": 0, "sg": [{"s": -5, "d": 10}]}]},
            tmp_path / "x.mp4",
            resolve=lambda s: None,
        )


def test_canvas_is_clamped(tmp_path: Path, media: dict[str, Path], decode: Any) -> None:
    draft = {"d": 100, "m": {"width": 320, "height": 180}, "t": [video("magenta.mp4", 0, 100)]}
    info, d = render(tmp_path, media, draft, decode, width=3840, height=2160)
    check_output(info, d, 1920, 1080, 0.1)  # the arguments beat draft.m, then the clamp
    assert close(d.frame_at(0.05), MAGENTA)


def test_default_canvas(tmp_path: Path, media: dict[str, Path], decode: Any) -> None:
    info = render_draft(
        {"d": 100, "t": [video("magenta.mp4", 0, 100)]},
        tmp_path / "o.mp4",
        resolve=media.get,
    )
    assert (info.width, info.height) == (1920, 1080)


def test_no_partial_file_left_on_failure(tmp_path: Path, media: dict[str, Path]) -> None:
    with pytest.raises(ValueError):
        render_draft({"d": 100, "t": []}, tmp_path / "o.mp4", resolve=media.get, fps=0)
    assert not list(tmp_path.iterdir())


def test_many_short_segments(tmp_path: Path, media: dict[str, Path], decode: Any) -> None:
    """Sources open and close as segments come and go; every cut lands on its frame."""
    video = [
        {
            "src": f"https://cdn.test/{'magenta.mp4' if k % 2 else 'teal.png'}",
            "s": k * 100,
            "d": 100,
        }
        for k in range(20)
    ]
    subs = [{"tx": f"line {k}", "s": k * 100, "d": 100, "pos": "bottom"} for k in range(20)]
    info, d = render(
        tmp_path, media, {"t": [{"tt": 0, "sg": video}, {"tt": 7, "sg": subs}]}, decode
    )
    check_output(info, d, W, H, 2.0)
    for k in range(20):
        frame = d.frame_at(k * 0.1 + 0.05)[20:100, 140:180]  # above the subtitles
        assert close(frame, MAGENTA if k % 2 else TEAL), k


def test_audio_shorter_than_its_segment(
    tmp_path: Path, media: dict[str, Path], decode: Any
) -> None:
    clip_audio = {"tt": 1, "sg": [{"src": "https://cdn.test/tone.mp4", "s": 0, "d": 2000}]}
    _, d = render(tmp_path, media, {"d": 2000, "t": [clip_audio]}, decode)
    assert d.rms(0.1, 0.9) > 0.05
    assert d.rms(1.1, 2.0) < 1e-3
