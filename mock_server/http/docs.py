"""`/docs`: Swagger UI for the contract, served offline. The page and every asset it loads
come from the fake itself (Swagger UI 5 ships in the `swagger-ui-bundle-v2` package):
no CDN, no favicon from another host, no validator badge.

| method | path | handler |
|---|---|---|
| GET | `/docs` | `docs` |
| GET | `/docs/assets/{name}` | `docs_asset` |
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from starlette.exceptions import HTTPException
from starlette.responses import Response

router = APIRouter()

ASSETS = "/docs/assets"
# the files the page names, and their types (nothing else of the bundle is served)
ASSET_TYPES = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "favicon-32x32.png": "image/png",
}


@router.get("/docs")
async def docs(request: Request) -> Response:
    return get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="nemo-fake: NemoVideo API contract",
        swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
        swagger_css_url=f"{ASSETS}/swagger-ui.css",
        swagger_favicon_url=f"{ASSETS}/favicon-32x32.png",
        oauth2_redirect_url=None,
        swagger_ui_parameters={"validatorUrl": None},  # the badge would call a remote host
    )


@router.get("/docs/assets/{name}")
async def docs_asset(request: Request, name: str) -> Response:
    from swagger_ui_bundle import swagger_ui_path  # imported only when the page is opened

    media_type = ASSET_TYPES.get(name)
    if media_type is None:
        raise HTTPException(404)
    body = (swagger_ui_path / name).read_bytes()
    return Response(body, media_type=media_type, headers={"Cache-Control": "max-age=86400"})
