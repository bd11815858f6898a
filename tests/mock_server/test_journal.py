"""Journal entries keep the request as given and mask it when first read."""

from __future__ import annotations

from mock_server.journal import Journal, JournalEntry

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


def test_an_entry_holds_only_what_its_request_set() -> None:
    """Fields a request never sets read as their defaults, and each entry gets its own
    mutable ones (response headers, extra) on first use."""
    journal = Journal()
    one = journal.open(time=1.0, method="GET", raw_path="/a", raw_headers=[])
    other = journal.open(time=2.0, method="GET", raw_path="/b", raw_headers=[])
    assert set(vars(one)) == {
        "seq",
        "time",
        "method",
        "body",
        "_raw_path",
        "_query",
        "_raw_headers",
    }
    record = one.to_dict()
    assert record["status"] == 0 and record["completed"] is False and record["query"] == ""
    assert record["response_headers"] == {} and record["frames"] is None
    one.response_headers["x"] = "1"
    one.extra["cut"] = True
    assert other.response_headers == {} and other.extra == {}
    assert one.response_headers == {"x": "1"} and one.extra == {"cut": True}
    assert [e.seq for e in journal.entries()] == [1, 2]


def test_an_entry_read_back_from_a_dict_is_the_same() -> None:
    entry = Journal().open(time=0.0, method="GET", raw_path=f"/x/{TOKEN}", raw_headers=[])
    entry.status, entry.completed = 200, True
    entry.set_raw_response_headers([(b"content-type", b"application/json")])
    entry.set_json_response(b'{"code":0,"message":"success","data":null}')
    assert JournalEntry.from_dict(entry.to_dict()).to_dict() == entry.to_dict()
