from __future__ import annotations

import pytest

from nemo_protocol.sse import SSEMessage, SSEParser


def feed_all(chunks: list[bytes]) -> list[SSEMessage]:
    parser = SSEParser()
    out: list[SSEMessage] = []
    for chunk in chunks:
        out += parser.feed(chunk)
    return out + parser.close()


def split_every(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


BODY = (
    b'data: {"a":1}\n\n'
    b": keep-alive\n\n"
    b"data:\n\n"
    b"data: line one\ndata: line two\n\n"
    b"event: error\nid: 7\ndata: boom\n\n"
)
EXPECTED = [
    SSEMessage(data='{"a":1}'),
    SSEMessage(comment="keep-alive"),
    SSEMessage(data=""),
    SSEMessage(data="line one\nline two"),
    SSEMessage(data="boom", event="error", id="7"),
]


@pytest.mark.parametrize("size", [1, 2, 3, 7, 1000])
def test_any_chunking_gives_the_same_messages(size: int) -> None:
    assert feed_all(split_every(BODY, size)) == EXPECTED


@pytest.mark.parametrize("newline", [b"\r\n", b"\r"])
@pytest.mark.parametrize("size", [1, 5, 1000])
def test_crlf_and_cr_line_endings(newline: bytes, size: int) -> None:
    body = BODY.replace(b"\n", newline)
    assert feed_all(split_every(body, size)) == EXPECTED


def test_comment_without_space_and_blank_lines_alone() -> None:
    assert feed_all([b":ping\n\n\n\n"]) == [SSEMessage(comment="ping")]


def test_utf8_split_inside_a_character() -> None:
    data = 'data: "⏳ 你好"\n\n'.encode()
    assert feed_all(split_every(data, 1)) == [SSEMessage(data='"⏳ 你好"')]


def test_unterminated_last_event_is_dispatched_at_close() -> None:
    assert feed_all([b'data: {"x":1}']) == [SSEMessage(data='{"x":1}')]
    assert feed_all([b'data: {"x":1}\n']) == [SSEMessage(data='{"x":1}')]


def test_close_on_empty_stream() -> None:
    assert SSEParser().close() == []


def test_unknown_fields_and_retry_are_ignored() -> None:
    assert feed_all([b"retry: 10\nfoo: bar\ndata: x\n\n"]) == [SSEMessage(data="x")]
