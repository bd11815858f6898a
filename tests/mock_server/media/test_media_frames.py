from __future__ import annotations

import numpy as np
import pytest

from mock_server.media.frames import (
    Overlay,
    Yuv420,
    fit_box,
    parse_color,
    render_text,
    text_overlay,
)


def _solid(width: int, height: int, rgb: tuple[int, int, int]) -> Yuv420:
    arr = np.empty((height, width, 3), np.uint8)
    arr[:] = rgb
    return Yuv420.from_rgb(arr)


def _near(actual: np.ndarray, rgb: tuple[int, int, int], tol: int = 6) -> bool:
    return bool(np.all(np.abs(actual.reshape(-1, 3).mean(axis=0) - np.asarray(rgb)) <= tol))


def test_black_and_colour_round_trip() -> None:
    assert _near(Yuv420.black(8, 6).to_rgb(), (0, 0, 0), 2)
    assert _near(_solid(8, 6, (200, 40, 90)).to_rgb(), (200, 40, 90))


def test_odd_sizes_are_refused() -> None:
    with pytest.raises(ValueError, match="even"):
        Yuv420.new(7, 6)


def test_paste_clips_at_the_edges() -> None:
    canvas = Yuv420.black(16, 16)
    canvas.paste(_solid(8, 8, (255, 255, 255)), 12, -4)  # mostly off the top-right corner
    rgb = canvas.to_rgb()
    assert _near(rgb[0:4, 12:16], (255, 255, 255))
    assert _near(rgb[4:, :], (0, 0, 0), 2) and _near(rgb[:, :12], (0, 0, 0), 2)
    canvas.paste(_solid(8, 8, (255, 255, 255)), 40, 40)  # fully outside: no-op, no error
    assert _near(canvas.to_rgb()[4:, :], (0, 0, 0), 2)


@pytest.mark.parametrize(
    ("alpha", "expected"), [(255, (255, 0, 0)), (0, (0, 0, 255)), (128, (128, 0, 127))]
)
def test_overlay_alpha_blends(alpha: int, expected: tuple[int, int, int]) -> None:
    canvas = _solid(16, 16, (0, 0, 255))
    patch = np.zeros((8, 8, 4), np.uint8)
    patch[..., 0] = 255
    patch[..., 3] = alpha
    Overlay(patch, 4, 4).apply(canvas)
    rgb = canvas.to_rgb()
    assert _near(rgb[6:10, 6:10], expected, 12)
    assert _near(rgb[:2, :], (0, 0, 255))  # outside the patch untouched


def test_overlay_moves_and_clips() -> None:
    canvas = Yuv420.black(16, 16)
    patch = np.full((6, 6, 4), 255, np.uint8)
    Overlay(patch).apply(canvas, -2, 12)
    rgb = canvas.to_rgb()
    assert _near(rgb[12:16, 0:4], (255, 255, 255), 10)
    assert _near(rgb[:10, 6:], (0, 0, 0), 2)


def test_fit_box_letterboxes_and_pillarboxes() -> None:
    assert fit_box(1920, 1080, 1080, 1920) == (0, 656, 1080, 608)
    assert fit_box(1080, 1920, 1920, 1080) == (656, 0, 608, 1080)
    assert fit_box(320, 180, 320, 180) == (0, 0, 320, 180)


def test_parse_color() -> None:
    assert parse_color("#ff8000") == (255, 128, 0)
    assert parse_color("#0f0") == (0, 255, 0)
    assert parse_color("red") == (255, 0, 0)
    assert parse_color("not-a-colour") == (255, 255, 255)
    assert parse_color(None, (1, 2, 3)) == (1, 2, 3)


def test_text_wraps_to_the_width() -> None:
    one_line = render_text("short", size=20, max_width=300)
    wrapped = render_text("a much longer title that cannot fit on one line", size=20, max_width=150)
    assert wrapped.shape[1] <= 150
    assert wrapped.shape[0] > 2 * one_line.shape[0]
    assert one_line[..., 3].max() == 255


def test_text_positions() -> None:
    top = text_overlay("Hi", (200, 400), size=20, pos="top")
    center = text_overlay("Hi", (200, 400), size=20, pos="center")
    bottom = text_overlay("Hi", (200, 400), size=20, pos="bottom")
    assert top.y < center.y < bottom.y
    assert bottom.y + bottom.height <= 400
    assert top.x > 0 and top.x + top.width <= 200
