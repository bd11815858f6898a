"""`nemo-fake verify`: the shipped cassettes pass; a deliberate change is reported."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from mock_server.cli import app as cli
from mock_server.recording.cassette import Cassette, Interaction, RecordedRequest, RecordedResponse
from mock_server.recording.verify import CassetteReport, verify_cassette
from tests.mock_server.recording.helpers import CASSETTES

SHIPPED = sorted(CASSETTES.glob("*.json"))


def test_at_least_two_synthesized_cassettes_are_shipped() -> None:
    kinds = [Cassette.load(path).provenance["kind"] for path in SHIPPED]
    assert kinds.count("synthesized") >= 2
    names = {path.stem for path in SHIPPED}
    assert {"seed_flow", "render_poll_shapes"} <= names
    for path in SHIPPED:
        text = path.read_text()
        assert "nmv_usr_" not in text and "clm_" not in text and "anon_" not in text


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_verify_passes_on_the_shipped_cassettes(path: Path) -> None:
    # a recorded file is compared by its content type and being non-empty (drift.py),
    # so the export's real encode runs at the smallest frame, not at 1080p
    report = verify_cassette(path, config={"media_max_side": 16})
    problems = [f"#{i.index} {i.method} {i.path}: {d}" for i, d in report.differences] + [
        f"#{i.index}: {i.error}" for i in report.interactions if i.error
    ]
    assert not report.drift, "\n".join(problems)
    assert problems == []  # not even a timing note
    assert len(report.interactions) == len(Cassette.load(path).interactions)


def _copy(tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    """The seed flow up to its state after the turn (the export part costs a real encode)."""
    data = json.loads((CASSETTES / "seed_flow.json").read_text())
    turn = _index(data, "POST", "/run_sse")
    data["interactions"] = data["interactions"][: turn + 2]
    return tmp_path / "changed.json", data


def _index(data: dict[str, Any], method: str, path: str) -> int:
    interactions = data["interactions"]
    assert isinstance(interactions, list)
    return next(
        i
        for i, x in enumerate(interactions)
        if x["request"]["method"] == method and x["request"]["path"] == path
    )


def test_a_changed_field_type_is_drift(tmp_path: Path) -> None:
    target, data = _copy(tmp_path)
    credits = _index(data, "GET", "/api/credits/balance/simple")
    body = data["interactions"][credits]["response"]["body"]
    body["data"]["available"] = str(body["data"]["available"])
    target.write_text(json.dumps(data))
    report = verify_cassette(target)
    assert report.drift
    assert [(i.index, d.where, d.drift) for i, d in report.differences] == [
        (credits, "$.data.available", True)
    ]
    result = CliRunner().invoke(
        cli,
        [
            "verify",
            str(target),
            str(CASSETTES / "render_poll_shapes.json"),
            "--html",
            str(tmp_path / "drift.html"),
        ],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 1, result.output
    assert (
        "DRIFT" in result.output
        and "$.data.available" in result.output
        and "no drift" in result.output
    )
    page = (tmp_path / "drift.html").read_text()  # the same report as a page
    assert "1 with drift" in page and page.count('class="diff-drift"') == 1
    assert "$.data.available" in page and "render_poll_shapes.json" in page


def test_a_changed_stream_is_drift(tmp_path: Path) -> None:
    target, data = _copy(tmp_path)
    sse = data["interactions"][_index(data, "POST", "/run_sse")]["response"]["sse"]
    for chunk in sse:
        chunk["raw"] = chunk["raw"].replace(
            '"name":"generate_video_with_seedance"', '"name":"make_video"'
        )
    target.write_text(json.dumps(data))
    report = verify_cassette(target)
    where = [d.where for _, d in report.differences]
    assert "sse events" in where
    events = next(d for _, d in report.differences if d.where == "sse events")
    assert (
        "tool_call(make_video)" in events.recorded
        and "tool_call(generate_video_with_seedance)" in events.actual
    )


def test_a_token_the_cassette_never_issued_gets_a_minted_account() -> None:
    cassette = Cassette(
        Cassette.synthesized("by hand"),
        [
            Interaction(
                RecordedRequest(
                    "GET", "/api/credits/balance/simple", {}, {"authorization": "Bearer <TOKEN_1>"}
                ),
                RecordedResponse(
                    200,
                    {"content-type": "application/json"},
                    body={
                        "code": 0,
                        "message": "success",
                        "data": {"available": 100, "frozen": 0, "total": 100},
                    },
                ),
            ),
            Interaction(
                RecordedRequest(
                    "GET",
                    "/api/state/nemo_agent/me/123/latest",
                    {},
                    {"authorization": "Bearer <TOKEN_1>"},
                ),
                RecordedResponse(
                    200,
                    {"content-type": "application/json"},
                    body={"code": 1002, "message": "Session not found", "data": None},
                ),
            ),
        ],
        {"<TOKEN_1>": "token"},
    )
    report = verify_cassette(cassette)
    assert not report.drift, report.differences


def test_dialects_and_errors_on_the_command_line(tmp_path: Path) -> None:
    shapes = str(CASSETTES / "render_poll_shapes.json")
    strict = CliRunner().invoke(
        cli, ["verify", shapes, "--set", "render_poll=data"], env={"COLUMNS": "200"}
    )
    assert strict.exit_code == 1  # the strict v4.4 shape lacks the recorded compat top level
    assert "$.taskId" in strict.output
    assert CliRunner().invoke(cli, ["verify", shapes, "--set", "render_poll"]).exit_code == 2
    assert (
        CliRunner().invoke(cli, ["verify", shapes, "--set", "render_poll=sideways"]).exit_code == 2
    )
    missing = CliRunner().invoke(cli, ["verify", str(tmp_path / "nope.json")])
    assert missing.exit_code == 2
    assert "cannot read cassette" in missing.output
    assert CassetteReport("x", error="e").drift
