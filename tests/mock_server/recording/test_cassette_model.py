"""The cassette model: (de)serialisation, schema validation, atomic saves, capture helpers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mock_server.recording import Cassette, CassetteError, Interaction, RecordedRequest
from mock_server.recording.capture import (
    MultipartSummary,
    filter_headers,
    sha256_hex,
    summarise_request_body,
)
from mock_server.recording.cassette import RecordedResponse, SSEChunk, encode_query, parse_query
from nemo_protocol.sse import SSEFramer, split_frames


def _cassette() -> Cassette:
    return Cassette(
        provenance=Cassette.synthesized("by a test"),
        interactions=[
            Interaction(
                RecordedRequest(
                    "GET",
                    "/api/credits/balance/simple",
                    {"a": "1"},
                    {"authorization": "Bearer <TOKEN_1>"},
                ),
                RecordedResponse(200, {"content-type": "application/json"}, body={"code": 0}),
            ),
            Interaction(
                RecordedRequest("POST", "/run_sse", {}, {}, {"session_id": "1"}),
                RecordedResponse(
                    200, {}, sse=[SSEChunk(0, "data: {}\n\n"), SSEChunk(12.5, "data: \n\n")]
                ),
                3.0,
            ),
            Interaction(
                RecordedRequest("GET", "/render-result/r.mp4"),
                RecordedResponse(
                    200,
                    {},
                    binary={"size": 3, "sha256": sha256_hex(b"abc"), "content_type": "video/mp4"},
                ),
                9.0,
            ),
        ],
        placeholders={"<TOKEN_1>": "token"},
        description="three kinds of responses",
    )


def test_round_trip_and_validation(tmp_path: Path) -> None:
    cassette = _cassette()
    assert cassette.validate() == []
    path = cassette.save(tmp_path / "deep" / "c.json")
    loaded = Cassette.load(path)
    assert loaded.to_dict() == cassette.to_dict()
    assert [i.response.kind for i in loaded.interactions] == ["json", "sse", "binary"]
    assert loaded.path == path
    assert sorted(p.name for p in path.parent.iterdir()) == ["c.json"]  # no temp file left
    assert oct(path.stat().st_mode & 0o777) == "0o644"


def test_a_cassette_that_breaks_the_schema_is_refused(tmp_path: Path) -> None:
    data = _cassette().to_dict()
    data["interactions"][0]["request"]["headers"]["authorization"] = (
        "Bearer nmv_usr_realtokenvalue123"
    )
    del data["interactions"][1]["response"]["sse"]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    with pytest.raises(CassetteError) as info:
        Cassette.load(path)
    message = str(info.value)
    assert "interactions/0/request/headers/authorization" in message
    assert "interactions/1/response" in message
    assert Cassette.load(path, validate=False).interactions[0].request.method == "GET"


@pytest.mark.parametrize("content", ["not json", "[1, 2]"])
def test_unreadable_files(tmp_path: Path, content: str) -> None:
    path = tmp_path / "x.json"
    path.write_text(content)
    with pytest.raises(CassetteError):
        Cassette.load(path)
    with pytest.raises(CassetteError, match="cannot read"):
        Cassette.load(tmp_path / "missing.json")


def test_query_forms() -> None:
    assert parse_query("a=1&b=2&b=3&c=") == {"a": "1", "b": ["2", "3"], "c": ""}
    assert parse_query(b"") == {}
    assert encode_query({"a": "1", "b": ["2", "3"]}) == "a=1&b=2&b=3"


def test_sse_framer_keeps_frames_whole_across_chunks() -> None:
    framer = SSEFramer()
    assert framer.feed(b'data: {"a"') == []
    assert framer.feed(b":1}\n\ndata: \n") == [b'data: {"a":1}\n\n']
    assert framer.feed(b"\n: ping\r\n\r\ndata: x") == [b"data: \n\n", b": ping\r\n\r\n"]
    assert framer.finish() == b"data: x"
    assert split_frames("data: 1\n\ndata: 2\n\n") == ["data: 1\n\n", "data: 2\n\n"]
    assert split_frames("data: 1\n\ntrailing") == ["data: 1\n\n", "trailing"]


def test_multipart_summary_streams_and_hashes() -> None:
    boundary = "xyzBOUNDARY"
    video = bytes(range(256)) * 40
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="a.mp4"\r\n'
            "Content-Type: video/mp4\r\n\r\n"
        ).encode()
        + video
        + (
            f'\r\n--{boundary}\r\nContent-Disposition: form-data; name="note"\r\n\r\nhello\r\n--{boundary}--\r\n'
        ).encode()
    )
    summary = MultipartSummary(f"multipart/form-data; boundary={boundary}")
    for i in range(0, len(body), 7):  # tiny chunks, as a network would deliver them
        summary.feed(body[i : i + 7])
    assert summary.parts() == [
        {
            "name": "files",
            "filename": "a.mp4",
            "size": len(video),
            "sha256": sha256_hex(video),
            "content_type": "video/mp4",
        },
        {
            "name": "note",
            "filename": None,
            "size": 5,
            "sha256": sha256_hex(b"hello"),
            "content_type": None,
        },
    ]
    assert MultipartSummary("multipart/form-data").error == "no multipart boundary"


def test_request_bodies_and_headers() -> None:
    assert summarise_request_body("application/json", b'{"a": 1}') == {"a": 1}
    assert summarise_request_body("application/x-www-form-urlencoded", b"a=1") == {"a": "1"}
    assert summarise_request_body("text/plain", b"hi") == "hi"
    assert summarise_request_body("application/octet-stream", b"\xff\xfe") == {
        "size": 2,
        "sha256": sha256_hex(b"\xff\xfe"),
        "content_type": "application/octet-stream",
    }
    assert summarise_request_body("application/json", b"") is None
    headers = filter_headers(
        [
            (b"Host", b"x"),
            (b"Set-Cookie", b"a=1"),
            (b"set-cookie", b"b=2"),
            (b"Accept", b"a"),
            (b"accept", b"b"),
            (b":authority", b"x"),
        ],
        {"host"},
    )
    assert headers == {"set-cookie": "a=1\nb=2", "accept": "a, b"}


def test_multipart_bodies_are_told_apart_by_content_type_or_shape() -> None:
    summary: dict[str, object] = {"multipart": []}
    assert RecordedRequest(
        "POST", "/u", {}, {"content-type": "multipart/form-data; boundary=x"}, summary
    ).is_multipart
    assert RecordedRequest("POST", "/u", {}, {}, summary).is_multipart
    assert not RecordedRequest(
        "POST", "/u", {}, {"content-type": "application/json"}, summary
    ).is_multipart
    assert (
        RecordedRequest("POST", "/u", {}, {"content-type": "application/json"}, summary).json
        == summary
    )
    assert not RecordedRequest("POST", "/u", {}, {}, {"multipart": [], "x": 1}).is_multipart
