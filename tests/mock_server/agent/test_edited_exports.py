"""Drafts the agent edited (cuts, speed, subtitles, overlays, filters, fades, looped
extensions) export through the render API to an MP4 as long as the draft says."""

from __future__ import annotations

import tempfile
from pathlib import Path

import av

from mock_server.testing.handles import FakeHandle
from tests.conftest import ATTRIBUTION
from tests.mock_server.agent.prompt_judge import Session


def test_an_edited_draft_exports_at_its_length() -> None:
    with tempfile.TemporaryDirectory(prefix="nemo-export-") as tmp:
        handle = FakeHandle.create(
            {"clock": "manual", "seed": 3, "media_max_side": 160}, Path(tmp) / "data"
        )
        try:
            session = Session(handle)
            session.send("generate a 6-second video of a lighthouse in a storm")
            for text in (
                "cut out the part between 2 and 3 seconds",
                "add subtitles and overlay 'Stay Safe' at the end",
                "speed it up 1.25x, make it black and white and fade out",
                "extend it by 2 seconds",
            ):
                assert session.send(text).tools, text
            draft = session.state()["draft"]
            video = next(t for t in draft["t"] if t["tt"] == 0)["sg"]
            assert any(s.get("sp") == 1.25 for s in video) and any(s.get("fo") for s in video)
            assert {t["n"] for t in draft["t"] if t["tt"] == 7} == {"Title", "Subtitles", "Text"}
            headers = {**session.headers, **ATTRIBUTION}
            body = {"id": "render_edit", "sessionId": session.session_id, "draft": draft}
            body["output"] = {"format": "mp4"}
            client = handle.client
            assert client.post("/api/render/proxy/lambda", headers=headers, json=body).json()[
                "success"
            ]
            for _ in range(200):  # API time moves 10 s a poll; a completed poll awaits the encoder
                data = client.get("/api/render/proxy/lambda/render_edit", headers=headers).json()
                if data["data"]["status"] in ("completed", "failed"):
                    break
                handle.advance(10)
            assert data["data"]["status"] == "completed", data
            out = Path(tmp) / "out.mp4"
            out.write_bytes(client.get(data["data"]["outputUrl"]).content)
            with av.open(str(out)) as container:
                seconds = (container.duration or 0) / 1_000_000
                kinds = {s.type for s in container.streams}
            assert abs(seconds - draft["d"] / 1000) < 0.15, (seconds, draft["d"])
            assert kinds == {"video", "audio"}
        finally:
            handle.close()
