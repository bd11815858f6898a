"""Each documented rule tested one condition at a time, so a bug in any one condition
shows (the `make mutants` server mutants break them one by one): each attribution header
alone, each accepted extension in each upload form, each limit at its boundary, and
ownership of each id kind."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from fixtures.media.make_samples import make_sample
from mock_server.fake import Fake
from tests.conftest import ATTRIBUTION, SIMPLE_DRAFT, User, new_user

# the documented list (API notes: video, image, audio), written out rather than read from
# the code under test, so a code change that drops one is seen
EXTENSIONS = [
    "mp4",
    "mov",
    "avi",
    "webm",
    "mkv",
    "jpg",
    "jpeg",
    "png",
    "gif",
    "webp",
    "mp3",
    "wav",
    "m4a",
    "aac",
]


def export(http: httpx.Client, user: User, headers: dict[str, str]) -> httpx.Response:
    body = {"id": "render_1", "sessionId": user.session_id, "draft": SIMPLE_DRAFT}
    return http.post(
        "/api/render/proxy/lambda",
        headers={"Authorization": f"Bearer {user.token}", **headers},
        json=body,
    )


@pytest.mark.parametrize("missing", list(ATTRIBUTION))
def test_each_attribution_header_alone_is_required(
    http: httpx.Client, user: User, missing: str
) -> None:
    headers = {k: v for k, v in ATTRIBUTION.items() if k != missing}
    response = export(http, user, headers)
    assert response.status_code == 402 and missing in response.json()["error"]


def test_all_attribution_headers_export(http: httpx.Client, user: User) -> None:
    assert export(http, user, ATTRIBUTION).json()["success"] is True


def upload(http: httpx.Client, user: User, **kwargs: object) -> httpx.Response:
    return http.post(
        f"/api/upload-video/nemo_agent/me/{user.session_id}", headers=user.auth, **kwargs
    )


@pytest.mark.parametrize("ext", EXTENSIONS)
def test_each_accepted_extension_by_url(http: httpx.Client, user: User, ext: str) -> None:
    body = {"urls": [f"https://cdn.example.com/clip.{ext}"], "source_type": "url"}
    assert upload(http, user, json=body).json()["code"] == 0


@pytest.mark.parametrize("ext", EXTENSIONS)
def test_each_accepted_extension_by_multipart(
    http: httpx.Client, user: User, ext: str, tmp_path: Path
) -> None:
    sample = make_sample(tmp_path, ext)
    files = [("files", (sample.name, sample.read_bytes(), "application/octet-stream"))]
    answer = upload(http, user, files=files).json()
    assert answer["code"] == 0, answer


@pytest.mark.fake_config(file_url_root="{tmp}")
@pytest.mark.parametrize("ext", EXTENSIONS)
def test_each_accepted_extension_by_file_url(
    http: httpx.Client, user: User, ext: str, tmp_path: Path
) -> None:
    sample = make_sample(tmp_path, ext)
    body = {"urls": [sample.as_uri()], "source_type": "url"}
    assert upload(http, user, json=body).json()["code"] == 0


@pytest.mark.parametrize(("size", "code"), [(2048, 4001), (2049, 4002)])
def test_the_upload_limit_at_its_boundary(
    http: httpx.Client, fake: Fake, user: User, size: int, code: int
) -> None:
    fake.configure(upload_max_bytes=2048)
    files = [("files", ("clip.mp4", b"\0" * size, "video/mp4"))]
    assert upload(http, user, files=files).json()["code"] == code  # 4001: no media, not size


def test_a_session_id_is_its_owners(http: httpx.Client, user: User) -> None:
    other = new_user(http, "other")
    path = f"/api/state/nemo_agent/me/{user.session_id}/latest"
    assert http.get(path, headers=other.auth).json()["code"] == 1002
    assert http.get(path, headers=user.auth).json()["code"] == 0


def test_a_task_id_is_its_owners(http: httpx.Client, user: User) -> None:
    other = new_user(http, "other")
    body = {"task_id": user.task_id, "session_id": other.session_id}
    assert http.post("/api/auth/claim-token", headers=other.auth, json=body).json()["code"] == 1002


def test_a_render_id_is_its_owners(http: httpx.Client, fake: Fake, user: User) -> None:
    assert export(http, user, ATTRIBUTION).json()["success"] is True
    other = new_user(http, "other")
    path = "/api/render/proxy/lambda/render_1"
    assert http.get(path, headers=other.auth).status_code == 404
    assert http.get(path, headers=user.auth).status_code == 200
