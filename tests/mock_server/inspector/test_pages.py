"""The inspector's pages in process (no browser): what each page says about a fake that
ran the seeds' flow, the journal filter and masking, every asset from the fake itself,
the replay pages and the drift report page."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
import pytest

from mock_server.inspector.frames import block_events, stream_events
from mock_server.inspector.report import drift_html
from mock_server.inspector.timeline import timeline
from mock_server.recording.drift import Difference
from mock_server.recording.replay import ReplayApp
from mock_server.recording.verify import CassetteReport, InteractionReport
from mock_server.testing import StreamingTransport
from tests.examples.raw_client import RawNemoClient

UI = "/_fake/ui"
pytestmark = pytest.mark.nemo(starting_credits=1000)  # a generation and an edit turn


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src", "action") and value:
                self.urls.append(value)


def links(html: str) -> list[str]:
    parser = Links()
    parser.feed(html)
    return parser.urls


@pytest.fixture
def flow(nemo_fake: Any) -> tuple[Any, RawNemoClient]:
    with nemo_fake.mock():
        client = RawNemoClient(sleep=nemo_fake.advance)
        client.start()
        client.send("make a 2-second video of a red fox")
        client.send('add a title "Fox"')
        client.credits()
    return nemo_fake, client


@pytest.mark.nemo(silent_close_rate=1.0, temporary_issue_rate=1.0, starting_credits=1000)
def test_session_page_lists_turn_events_marks_and_charges(flow: tuple[Any, RawNemoClient]) -> None:
    fake, client = flow
    overview = fake.client.get(UI)
    assert overview.status_code == 200
    assert client.session_id in overview.text and "2 tracks" not in overview.text
    page = fake.client.get(f"{UI}/sessions/{client.session_id}").text
    assert page.count('class="card turn"') == 2
    assert "generate_video_with_seedance" in page and "edit_multitrack" in page
    assert "silent close" in page  # the edit turn ended with no text
    assert "temporary issue" in page  # the stray reply, marked
    assert "100 credits charged" in page and "50 credits charged" in page
    assert re.search(r"♥ \d+ heartbeats?", page)
    assert page.count('class="lane lane-') == 3 and "Fox" in page
    missing = fake.client.get(f"{UI}/sessions/0000")
    assert missing.status_code == 404 and "No session 0000" in missing.text


def test_journal_filter_and_masked_request(flow: tuple[Any, RawNemoClient]) -> None:
    fake, client = flow
    everything = fake.client.get(f"{UI}/journal").text
    streams = fake.client.get(f"{UI}/journal", params={"path": "/run_sse", "method": "POST"}).text
    posts = everything.count('class="journal-row"')
    assert 0 < streams.count('class="journal-row"') == 2 < posts
    assert (
        fake.client.get(f"{UI}/journal", params={"code": "1001"}).text.count('class="journal-row"')
        == 0
    )
    seq = fake.requests(path="/api/credits/*")[-1].seq
    detail = fake.client.get(f"{UI}/journal/{seq}").text
    assert client.token is not None and client.token not in detail  # masked...
    assert f"nmv_usr_…{client.token[-4:]}" in detail  # ...as in /_fake/requests
    stream_seq = fake.requests(path="/run_sse")[0].seq
    frames = fake.client.get(f"{UI}/journal/{stream_seq}").text
    assert 'class="frame frame-heartbeat"' in frames and 'class="frame frame-call"' in frames
    assert fake.client.get(f"{UI}/journal/999999").status_code == 404


def test_every_asset_comes_from_the_fake(flow: tuple[Any, RawNemoClient]) -> None:
    fake, client = flow
    pages = [
        UI,
        f"{UI}/sessions/{client.session_id}",
        f"{UI}/journal",
        f"{UI}/control",
        f"{UI}/renders",
    ]
    seen: dict[str, str] = {}
    for path in pages:
        response = fake.client.get(path)
        assert response.status_code == 200, path
        seen[path] = response.text
        for url in links(response.text):
            if url.startswith(("#", "data:")):
                continue
            assert url.startswith("/") or url.startswith(fake.url), f"{path} names {url}"
            if url.startswith(f"{UI}/static/"):
                asset = fake.client.get(url)
                assert asset.status_code == 200
                seen[url] = asset.text
    assert {f"{UI}/static/inspector.css", f"{UI}/static/inspector.js"} <= seen.keys()
    for where, text in seen.items():
        # web addresses: http(s)://host, or //host where a URL goes (attribute, url(), string)
        hosts = set(re.findall(r"https?://([\w.-]+(?::\d+)?)", text))
        hosts |= set(re.findall(r"""["'(=]\s*//([\w.-]+(?::\d+)?)""", text))
        assert hosts <= {httpx.URL(fake.url).netloc.decode()}, f"{where} names {hosts}"


def test_control_page_forms_match_the_admin_api(nemo_fake: Any) -> None:
    nemo_fake.fault(path="/run_sse", cut_after_events=2)
    page = nemo_fake.client.get(f"{UI}/control").text
    assert 'data-api="POST /_fake/faults"' in page and 'data-api="PATCH /_fake/config"' in page
    for field in (
        "method",
        "path",
        "times",
        "probability",
        "error_code",
        "latency",
        "drop",
        "cut_after_events",
    ):
        assert f'name="{field}"' in page
    assert "cut after 2 events" in page and 'data-api="DELETE /_fake/faults/flt_1"' in page
    assert 'name="events"' in page and "<option selected>adk</option>" in page


def test_frames_read_both_dialects_and_heartbeats() -> None:
    typed = block_events(1.0, 'data: {"type":"tool_call","name":"edit","args":{"a":1}}')
    assert [(e.kind, e.tool, e.payload) for e in typed] == [("call", "edit", {"a": 1})]
    assert [e.kind for e in stream_events([(2.0, "data: \n\n: heartbeat\n\n")])] == [
        "heartbeat"
    ] * 2
    assert block_events(3.0, 'data: {"error": "boom"}')[0].text == "boom"


def test_timeline_places_segments_to_scale() -> None:
    view = timeline(
        {"t": [{"tt": 7, "sg": [{"s": 1000, "d": 1000, "tx": "Hi", "k": "subtitle"}]}], "d": 4000}
    )
    segment = view.lanes[0].segments[0]
    assert (segment.left, segment.width, segment.label, segment.role) == (
        25.0,
        25.0,
        "Hi",
        "subtitle",
    )
    assert timeline(None).empty


def test_replay_pages_step_through_the_cassette() -> None:
    replay = ReplayApp("fixtures/cassettes/seed_flow.json")
    with httpx.Client(transport=StreamingTransport(replay), base_url="http://replay") as http:
        http.post("/api/auth/anonymous-token", headers={"X-Client-Id": "x"})
        assert http.get("/api/credits/balance/simple").status_code == 404  # a miss
        page = http.get(UI).text
        assert "matched \u00d71" in page and "could not answer" in page and "#3 GET" in page
        step = http.get(f"{UI}/step/5").text  # the /run_sse turn
        assert "Frames" in step and 'rel="prev"' in step and "generate_video_with_seedance" in step
        assert http.get(f"{UI}/step/99").status_code == 404
        assert http.get(f"{UI}/static/inspector.css").status_code == 200


def test_drift_report_page_stands_alone() -> None:
    item = InteractionReport(1, "GET", "/api/x", [Difference("status", "200", "404")])
    html = drift_html([CassetteReport("a.json", [item]), CassetteReport("b.json", error="bad")])
    assert "<style>" in html and "<script" not in html and '<link rel="stylesheet"' not in html
    assert "diff-drift" in html and "bad" in html and "2 with drift" in html


def test_uploads_get_thumbnails(nemo_fake: Any, tmp_path: Path) -> None:
    from fixtures.media.make_samples import write_image, write_video

    with nemo_fake.mock():
        client = RawNemoClient(sleep=nemo_fake.advance)
        client.start()
        for sample in (write_video(tmp_path / "clip.mp4"), write_image(tmp_path / "still.png")):
            files = [("files", (sample.name, sample.read_bytes()))]
            upload = f"/api/upload-video/nemo_agent/me/{client.session_id}"
            assert client._call("POST", upload, files=files) is not None
    page = nemo_fake.client.get(f"{UI}/sessions/{client.session_id}").text
    thumbs = re.findall(r'src="(/_fake/ui/thumbs/med_\w+\.jpg)"', page)
    assert len(thumbs) == 2 and "clip.mp4" in page and "still.png" in page
    for url in thumbs:
        picture = nemo_fake.client.get(url)
        assert picture.headers["content-type"] == "image/jpeg"
        assert picture.content[:2] == b"\xff\xd8"  # a JPEG
    assert nemo_fake.client.get(f"{UI}/thumbs/med_none.jpg").status_code == 404


def test_a_shared_store_shows_sessions_and_turn_events(
    nemo_fake_factory: Any, tmp_path: Path
) -> None:
    fake = nemo_fake_factory(store=f"sqlite:///{tmp_path}/fake.db", starting_credits=1000)
    with fake.mock():
        client = RawNemoClient(sleep=fake.advance)
        client.start()
        client.send("make a 2-second video of a red fox")
    assert client.session_id in fake.client.get(UI).text
    page = fake.client.get(f"{UI}/sessions/{client.session_id}").text
    assert '<code class="tool-name">generate_video_with_seedance</code>' in page  # an event
    assert re.search(r"♥ \d+ heartbeats?", page)
