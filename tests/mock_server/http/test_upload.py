from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from fixtures.media.make_samples import write_image, write_video
from mock_server.fake import Fake
from tests.conftest import User, new_user


def upload_path(user: User) -> str:
    return f"/api/upload-video/nemo_agent/me/{user.session_id}"


def state(http: httpx.Client, user: User) -> dict:
    return http.get(f"/api/state/nemo_agent/me/{user.session_id}/latest", headers=user.auth).json()[
        "data"
    ]["state"]


@pytest.fixture
def clip(tmp_path: Path) -> Path:
    return write_video(tmp_path / "clip.mp4", width=320, height=180, seconds=1.0, fps=24)


def test_multipart_upload_probes_and_adds_to_video_infos(
    http: httpx.Client, user: User, clip: Path, tmp_path: Path
) -> None:
    image = write_image(tmp_path / "still.png", width=64, height=48)
    files = [
        ("files", ("clip.mp4", clip.read_bytes(), "video/mp4")),
        ("files", ("still.png", image.read_bytes(), "image/png")),
    ]
    body = http.post(upload_path(user), headers=user.auth, files=files).json()
    assert body["code"] == 0 and body["data"]["session_state_applied"] is True
    video, still = body["data"]["files"]
    assert (video["file_type"], video["width"], video["height"]) == ("video", 320, 180)
    assert video["duration"] == pytest.approx(1.0, abs=0.1) and video["fps"] == pytest.approx(
        24, abs=1
    )
    assert (still["file_type"], still["width"], still["height"]) == ("image", 64, 48)
    infos = state(http, user)["video_infos"]
    assert [i["filename"] for i in infos] == ["clip.mp4", "still.png"]
    assert infos[0]["source"] == "upload" and infos[0]["id"].startswith("med_")
    # the cdn_url serves the very bytes uploaded
    served = http.get(video["cdn_url"])
    assert served.status_code == 200 and served.content == clip.read_bytes()


def test_url_upload_records_what_the_url_declares(http: httpx.Client, user: User) -> None:
    body = http.post(
        upload_path(user),
        headers=user.auth,
        json={"urls": ["https://cdn.example.com/a/b/movie.mov?sig=1"], "source_type": "url"},
    ).json()
    info = body["data"]["files"][0]
    assert info["filename"] == "movie.mov" and info["file_type"] == "video"
    assert state(http, user)["video_infos"][0]["source"] == "url"


@pytest.mark.fake_config(file_url_root="{tmp}")
def test_file_url_is_probed(http: httpx.Client, user: User, clip: Path) -> None:
    info = http.post(
        upload_path(user), headers=user.auth, json={"urls": [clip.as_uri()], "source_type": "url"}
    ).json()["data"]["files"][0]
    assert (info["width"], info["height"]) == (320, 180)


@pytest.mark.parametrize(
    ("name", "mime"),
    [
        ("notes.txt", "text/plain"),
        ("clip", "video/mp4"),
        ("clip.mp4", "audio/mpeg"),
        ("movie.flv", "video/x-flv"),
    ],
)
def test_disallowed_types_are_4001(
    http: httpx.Client, user: User, clip: Path, name: str, mime: str
) -> None:
    body = http.post(
        upload_path(user), headers=user.auth, files=[("files", (name, clip.read_bytes(), mime))]
    ).json()
    assert body["code"] == 4001
    assert "mp4" in str(body["data"]["accepted_formats"])
    assert state(http, user)["video_infos"] == []


def test_undecodable_media_is_4001(http: httpx.Client, user: User) -> None:
    body = http.post(
        upload_path(user),
        headers=user.auth,
        files=[("files", ("x.mp4", b"\x00garbage" * 100, "video/mp4"))],
    ).json()
    assert body["code"] == 4001


def test_one_bad_file_adds_nothing(http: httpx.Client, user: User, clip: Path) -> None:
    files = [
        ("files", ("good.mp4", clip.read_bytes(), "video/mp4")),
        ("files", ("bad.txt", b"x", "text/plain")),
    ]
    assert http.post(upload_path(user), headers=user.auth, files=files).json()["code"] == 4001
    assert state(http, user)["video_infos"] == []


def test_size_limit_is_4002_and_enforced_while_streaming(
    http: httpx.Client, fake: Fake, user: User
) -> None:
    fake.configure(upload_max_bytes=64 * 1024)
    sent = 0

    def body() -> Iterator[bytes]:
        # a multipart body streamed in chunks, far larger than the limit
        nonlocal sent
        yield b'--b\r\nContent-Disposition: form-data; name="files"; filename="big.mp4"\r\nContent-Type: video/mp4\r\n\r\n'
        for _ in range(4096):
            sent += 16 * 1024
            yield b"\x00" * 16 * 1024
        yield b"\r\n--b--\r\n"

    response = http.post(
        upload_path(user),
        headers={**user.auth, "Content-Type": "multipart/form-data; boundary=b"},
        content=body(),
    )
    assert response.json()["code"] == 4002
    assert response.json()["data"] == {"max_bytes": 64 * 1024}
    assert list((fake.data_dir / "tmp").iterdir()) == []  # the partial file is gone


def test_declared_huge_body_is_refused_before_reading(
    http: httpx.Client, fake: Fake, user: User
) -> None:
    fake.configure(upload_max_bytes=1024)
    response = http.post(
        upload_path(user),
        headers={
            **user.auth,
            "Content-Type": "multipart/form-data; boundary=b",
            "Content-Length": str(10**10),
        },
        content=b"",
    )
    assert response.json()["code"] == 4002


def test_mapped_dialect_statuses(http: httpx.Client, fake: Fake, user: User) -> None:
    fake.configure(error_status="mapped", upload_max_bytes=10)
    too_big = http.post(
        upload_path(user), headers=user.auth, files=[("files", ("a.mp4", b"x" * 100, "video/mp4"))]
    )
    assert too_big.status_code == 413
    bad_type = http.post(
        upload_path(user), headers=user.auth, files=[("files", ("a.txt", b"x", "text/plain"))]
    )
    assert bad_type.status_code == 415


@pytest.mark.parametrize(
    ("content_type", "content", "fragment"),
    [
        (
            "multipart/form-data; boundary=b",
            b'--b\r\nContent-Disposition: form-data; name="files"; filename="a.mp4"\r\n\r\npartial',
            "Truncated",
        ),
        ("multipart/form-data", b"--b--", "boundary"),
        ("text/plain", b"hello", "multipart/form-data"),
        ("application/json", b'{"urls": "nope"}', "urls"),
        ("application/json", b'{"urls": []}', "urls"),
        ("application/json", b'{"urls": ["ftp://x/a.mp4"]}', "http"),
        (
            "application/json",
            b'{"urls": ["https://x/a.mp4"], "source_type": "file"}',
            "source_type",
        ),
        ("application/json", b"{broken", "Malformed JSON"),
        ("multipart/form-data; boundary=b", b"--b--\r\n", "No files"),
    ],
)
def test_bad_upload_bodies_are_400(
    http: httpx.Client, user: User, content_type: str, content: bytes, fragment: str
) -> None:
    response = http.post(
        upload_path(user), headers={**user.auth, "Content-Type": content_type}, content=content
    )
    assert response.status_code == 400, response.text
    assert fragment in response.json()["message"]
    assert state(http, user)["video_infos"] == []


def test_unknown_session_is_refused_before_the_body(
    http: httpx.Client, user: User, clip: Path
) -> None:
    body = http.post(
        "/api/upload-video/nemo_agent/me/42",
        headers=user.auth,
        files=[("files", ("c.mp4", clip.read_bytes(), "video/mp4"))],
    ).json()
    assert body["code"] == 1002


def test_media_cdn_404(http: httpx.Client) -> None:
    assert http.get("/media/med_nope/x.mp4").status_code == 404


def _upload_url(http: httpx.Client, user: User, url: str) -> httpx.Response:
    return http.post(
        upload_path(user), headers=user.auth, json={"urls": [url], "source_type": "url"}
    )


def test_file_urls_are_off_by_default(http: httpx.Client, user: User, clip: Path) -> None:
    response = _upload_url(http, user, clip.as_uri())
    assert response.status_code == 400 and "--file-url-root" in response.json()["message"]
    assert state(http, user)["video_infos"] == []


@pytest.mark.fake_config(file_url_root="{tmp}/allowed")
def test_file_urls_outside_the_root_all_read_the_same(
    http: httpx.Client, user: User, clip: Path, tmp_path: Path
) -> None:
    (tmp_path / "allowed").mkdir()
    (tmp_path / "allowed" / "escape.mp4").symlink_to(clip)  # a link out of the root
    secret = tmp_path / "secret.mp4"
    secret.write_bytes(clip.read_bytes())
    messages = set()
    for url in (
        secret.as_uri(),  # exists, outside
        (tmp_path / "missing.mp4").as_uri(),  # does not exist
        (tmp_path / "allowed" / ".." / "secret.mp4").as_uri(),  # traversal
        (tmp_path / "allowed" / "escape.mp4").as_uri(),
        f"file://otherhost{secret}",
        "file:///etc/passwd.mp4",
    ):
        response = _upload_url(http, user, url)
        assert response.status_code == 400, url
        messages.add(response.json()["message"].replace(url, "<url>"))
    assert len(messages) == 1, messages  # nothing tells an existing path from a missing one
    assert state(http, user)["video_infos"] == []


@pytest.mark.fake_config(file_url_root="{tmp}")
def test_a_refused_url_in_a_list_adds_none_of_them(
    http: httpx.Client, user: User, clip: Path
) -> None:
    body = {"urls": [clip.as_uri(), "file:///etc/hostname.mp4"], "source_type": "url"}
    assert http.post(upload_path(user), headers=user.auth, json=body).status_code == 400
    assert state(http, user)["video_infos"] == []


def test_upload_with_the_callers_own_user_id_in_the_path(
    http: httpx.Client, user: User, clip: Path
) -> None:
    """The first version, v4.4 and v4.5.x upload to `.../nemo_agent/<user_id>/<sid>`."""
    files = [("files", ("clip.mp4", clip.read_bytes(), "video/mp4"))]
    path = f"/api/upload-video/nemo_agent/{user.user_id}/{user.session_id}"
    body = http.post(path, headers=user.auth, files=files).json()
    assert body["code"] == 0 and body["data"]["files"][0]["width"] == 320
    assert [i["filename"] for i in state(http, user)["video_infos"]] == ["clip.mp4"]


def test_upload_under_another_users_id_is_refused_before_the_body(
    http: httpx.Client, user: User
) -> None:
    other = new_user(http, "client-2")
    path = f"/api/upload-video/nemo_agent/{other.user_id}/{user.session_id}"
    files = [("files", ("clip.mp4", b"not even read", "video/mp4"))]
    body = http.post(path, headers=user.auth, files=files).json()
    assert body == {"code": 1002, "message": f"Session not found: {user.session_id}", "data": None}
    assert state(http, user)["video_infos"] == []
