"""`nemo-fake verify --html FILE`: the drift report as one self-contained page in the
inspector's style (CSS inlined, no script, nothing fetched)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from mock_server.inspector.web import render, stylesheet

if TYPE_CHECKING:
    from mock_server.recording.verify import CassetteReport


def drift_html(reports: list[CassetteReport]) -> str:
    return render(
        "verify.html",
        reports=reports,
        inline_css=stylesheet(),
        mode="report",
        drifted=sum(1 for r in reports if r.drift),
    )


def write_drift_html(reports: list[CassetteReport], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(drift_html(reports), encoding="utf-8")
    return path
