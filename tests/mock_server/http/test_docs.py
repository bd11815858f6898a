"""/docs works offline: the page names only the fake's own URLs, and each one answers
with the asset (Swagger UI 5 from the installed package) and the contract."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any


class References(HTMLParser):
    """Every URL the page loads: <script src>, <link href>, <img src>."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for key, value in attrs:
            if key in ("src", "href") and value:
                self.urls.append(value)


def test_docs_and_every_asset_it_references_come_from_the_fake(nemo_fake: Any) -> None:
    page = nemo_fake.client.get("/docs")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    parser = References()
    parser.feed(page.text)
    # the spec URL is in the inline script
    spec_urls = re.findall(r"url: '([^']+)'", page.text)
    urls = parser.urls + spec_urls
    assert spec_urls == ["/openapi.json"]
    assert len(parser.urls) == 3  # the bundle, its stylesheet, the favicon
    assert "://" not in page.text  # no other host named anywhere on the page
    assert '"validatorUrl": null' in page.text
    for url in urls:
        assert url.startswith("/") and not url.startswith("//"), url
        response = nemo_fake.client.get(url)
        assert response.status_code == 200, url
        assert len(response.content) > 100, url
    bundle = nemo_fake.client.get(next(u for u in urls if u.endswith(".js")))
    assert bundle.headers["content-type"].startswith("text/javascript")
    assert b"SwaggerUIBundle" in bundle.content
    css = nemo_fake.client.get(next(u for u in urls if u.endswith(".css")))
    assert css.headers["content-type"].startswith("text/css")
    assert b".swagger-ui" in css.content
    spec = nemo_fake.client.get("/openapi.json").json()
    assert spec["openapi"].startswith("3.1")  # Swagger UI 5 renders 3.1; 4.x could not


def test_only_the_named_assets_are_served(nemo_fake: Any) -> None:
    for name in ("index.html", "..%2Fswagger-ui.js", "swagger-ui-bundle.js.map"):
        assert nemo_fake.client.get(f"/docs/assets/{name}").status_code == 404
