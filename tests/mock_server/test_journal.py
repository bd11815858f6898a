"""Journal entries keep the request as given and mask it when first read."""

from __future__ import annotations

from mock_server.journal import Journal

TOKEN = "nmv_usr_" + "A" * 43


def test_raw_request_fields_are_masked_when_read() -> None:
    journal = Journal()
    entry = journal.open(
        time=0.0,
        method="GET",
        raw_path=f"/api/x/{TOKEN}",
        raw_query=f"token={TOKEN}&a=1".encode(),
        raw_headers=[(b"authorization", f"Bearer {TOKEN}".encode()), (b"x-a", b"1")],
    )
    assert "_headers" not in vars(entry)  # nothing decoded or masked yet
    record = entry.to_dict()
    assert TOKEN not in repr(record)
    assert record["headers"]["x-a"] == "1"
    assert record["headers"]["authorization"].startswith("Bearer nmv_usr_")
    assert "token=" in record["query"] and record["path"].startswith("/api/x/nmv_usr_")


def test_response_headers_decode_on_read_and_one_can_be_looked_up() -> None:
    entry = Journal().open(time=0.0, method="GET", raw_path="/", raw_headers=[])
    entry.set_raw_response_headers([(b"content-type", b"application/json"), (b"x-b", b"2")])
    assert entry.response_header("content-type") == "application/json"
    assert entry.response_headers == {"content-type": "application/json", "x-b": "2"}
    entry.response_headers = {"x": "y"}
    assert entry.response_header("x") == "y"
