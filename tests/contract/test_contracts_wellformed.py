"""The contracts in contracts/ are well-formed, loadable, and agree with the documented API.

- openapi.yaml is OpenAPI 3.1 (meta-schema), every schema in it is a valid 2020-12 schema,
  every $ref resolves, schemathesis loads it and builds its state machine from the links.
- events.schema.json and cassette.schema.json are valid 2020-12 schemas.
- Every example embedded in the documents validates against its schema.
- The payloads documented in ../shared/nemovideo-api.md validate (elided `…` parts filled
  in), and so do events made by google-adk's own models.
- Every schema uses only known keywords (a typo or a YAML slip is otherwise silently valid).
- The admin schemas (config, faults, journal) and the draft schema match the Python models
  they describe, so the contract and the fake cannot drift apart unnoticed.
"""

from __future__ import annotations

import copy
import json
import typing
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

ROOT = Path(__file__).resolve().parents[2]
CONTRACTS = ROOT / "contracts"
OPENAPI_PATH = CONTRACTS / "openapi.yaml"
EVENTS_PATH = CONTRACTS / "events.schema.json"
CASSETTE_PATH = CONTRACTS / "cassette.schema.json"
OPENAPI_URI = "urn:nemo-fake:contracts:openapi"

OPENAPI: dict[str, Any] = yaml.safe_load(OPENAPI_PATH.read_text(encoding="utf-8"))
EVENTS: dict[str, Any] = json.loads(EVENTS_PATH.read_text(encoding="utf-8"))
CASSETTE: dict[str, Any] = json.loads(CASSETTE_PATH.read_text(encoding="utf-8"))

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

# --------------------------------------------------------------------------- helpers

FORMATS = FormatChecker()


@FORMATS.checks("date-time", raises=ValueError)
def _is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    return "T" in value and datetime.fromisoformat(value).tzinfo is not None


@FORMATS.checks("uri", raises=ValueError)
def _is_uri(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    return bool(parts.scheme) and bool(parts.netloc or parts.path) and " " not in value


REGISTRY: Registry = Registry().with_resources(
    [
        (OPENAPI_URI, Resource.from_contents(OPENAPI, default_specification=DRAFT202012)),
        (EVENTS["$id"], Resource.from_contents(EVENTS)),
        (CASSETTE["$id"], Resource.from_contents(CASSETTE)),
    ]
)


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _pointer(*tokens: str | int) -> str:
    return "".join(f"/{_escape(str(t))}" for t in tokens)


def _resolve(document: dict[str, Any], pointer: str) -> Any:
    node: Any = document
    for raw in pointer.lstrip("/").split("/") if pointer else []:
        token = raw.replace("~1", "/").replace("~0", "~")
        node = node[int(token)] if isinstance(node, list) else node[token]
    return node


def _deref(node: Any) -> Any:
    """Follow local $refs of the OpenAPI document (parameters, responses, examples)."""
    while isinstance(node, dict) and "$ref" in node and node["$ref"].startswith("#"):
        node = _resolve(OPENAPI, node["$ref"][1:])
    return node


def validator_for(uri: str, pointer: str = "") -> Draft202012Validator:
    """A validator for the schema at `uri#pointer`, with every document's refs resolvable."""
    return Draft202012Validator(
        {"$ref": f"{uri}#{pointer}"}, registry=REGISTRY, format_checker=FORMATS
    )


def openapi_schema(name: str) -> Draft202012Validator:
    return validator_for(OPENAPI_URI, _pointer("components", "schemas", name))


def event_schema(name: str | None = None) -> Draft202012Validator:
    return validator_for(EVENTS["$id"], _pointer("$defs", name) if name else "")


def cassette_schema() -> Draft202012Validator:
    return validator_for(CASSETTE["$id"])


def errors_of(validator: Draft202012Validator, instance: Any) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
        for e in validator.iter_errors(instance)
    ]


def assert_valid(validator: Draft202012Validator, instance: Any) -> None:
    problems = errors_of(validator, instance)
    assert not problems, "\n".join(problems)


def assert_invalid(validator: Draft202012Validator, instance: Any) -> None:
    assert not validator.is_valid(instance), f"unexpectedly valid: {instance!r}"


def _walk(
    node: Any, path: tuple[str | int, ...] = ()
) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    yield path, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _walk(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, (*path, index))


def _operations() -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in OPENAPI["paths"].items():
        for method in HTTP_METHODS:
            if method in item:
                yield method, path, item[method]


def _schema_positions(document: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """Every place in the OpenAPI document that holds a Schema Object."""
    for name, schema in document["components"]["schemas"].items():
        yield _pointer("components", "schemas", name), schema
    for path, node in _walk(document):
        if (
            not isinstance(node, dict)
            or "schema" not in node
            or not isinstance(node["schema"], dict)
        ):
            continue
        if "components" in path[:1] and len(path) > 1 and path[1] == "schemas":
            continue  # a property that happens to be called `schema`
        yield _pointer(*path, "schema"), node["schema"]


# --------------------------------------------------------------------------- OpenAPI: form


def test_openapi_is_plain_json_data_of_the_right_version() -> None:
    # YAML turns unquoted dates into datetime and `off` into False; JSON round-trip catches it.
    assert json.loads(json.dumps(OPENAPI)) == OPENAPI
    assert OPENAPI["openapi"] == "3.1.0"
    assert OPENAPI["info"]["version"] == "0.1.0"
    for dialect in ("ok200", "mapped", "legacy", "compat", "typed"):
        assert dialect in OPENAPI["info"]["description"]


def test_openapi_validates_against_the_3_1_meta_schema() -> None:
    try:
        from openapi_spec_validator import validate  # type: ignore[import-not-found]
    except ImportError:
        validate = None
    if validate is not None:
        validate(copy.deepcopy(OPENAPI))
        return
    # openapi-spec-validator is not a dependency; schemathesis ships the official 3.1
    # meta-schema (which leaves Schema Objects alone: the next tests check those).
    definitions = pytest.importorskip("schemathesis.specs.openapi.definitions")
    meta = Draft202012Validator(definitions.OPENAPI_31)
    problems = [f"{list(e.absolute_path)}: {e.message}" for e in meta.iter_errors(OPENAPI)]
    assert not problems, "\n".join(problems)


def test_every_schema_is_a_valid_2020_12_schema() -> None:
    positions = list(_schema_positions(OPENAPI))
    assert len(positions) > 100
    for pointer, schema in positions:
        try:
            Draft202012Validator.check_schema(schema)
        except Exception as exc:  # pragma: no cover - the message is the point
            pytest.fail(f"{pointer}: {exc}")


# JSON Schema 2020-12 keywords, plus the OpenAPI 3.1 base dialect's own.
KEYWORDS = {
    *("$schema", "$id", "$ref", "$defs", "$comment", "$anchor", "$dynamicRef", "$dynamicAnchor"),
    *("type", "enum", "const", "title", "description", "default", "examples", "deprecated"),
    *("readOnly", "writeOnly", "format", "contentEncoding", "contentMediaType"),
    *("allOf", "anyOf", "oneOf", "not", "if", "then", "else"),
    *("properties", "patternProperties", "additionalProperties", "unevaluatedProperties"),
    *("propertyNames", "required", "dependentRequired", "dependentSchemas"),
    *("minProperties", "maxProperties", "items", "prefixItems", "contains"),
    *("unevaluatedItems", "minItems", "maxItems", "uniqueItems", "minContains", "maxContains"),
    *("minLength", "maxLength", "pattern", "minimum", "maximum"),
    *("exclusiveMinimum", "exclusiveMaximum", "multipleOf"),
    *("discriminator", "xml", "externalDocs", "example"),
}
_SCHEMA_MAPS = ("properties", "patternProperties", "$defs", "dependentSchemas")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
_SCHEMA_ONE = ("not", "if", "then", "else", "items", "contains", "additionalProperties")
_SCHEMA_ONE_MORE = ("unevaluatedProperties", "unevaluatedItems", "propertyNames")


def _keyword_problems(schema: Any, where: str) -> Iterator[str]:
    if isinstance(schema, bool):
        return
    if not isinstance(schema, dict):
        yield f"{where}: not a schema"
        return
    for key, value in schema.items():
        if key not in KEYWORDS and not key.startswith("x-"):
            yield f"{where}: unknown keyword {key!r}"
        if value is None and key not in ("default", "const"):
            yield f"{where}/{key}: null (a comma in an unquoted YAML flow mapping?)"
    for key in _SCHEMA_MAPS:
        for name, sub in schema.get(key, {}).items():
            yield from _keyword_problems(sub, f"{where}/{key}/{name}")
    for key in _SCHEMA_LISTS:
        for index, sub in enumerate(schema.get(key, [])):
            yield from _keyword_problems(sub, f"{where}/{key}/{index}")
    for key in (*_SCHEMA_ONE, *_SCHEMA_ONE_MORE):
        if key in schema:
            yield from _keyword_problems(schema[key], f"{where}/{key}")


@pytest.mark.parametrize(
    "document", [OPENAPI, EVENTS, CASSETTE], ids=["openapi", "events", "cassette"]
)
def test_schemas_use_only_known_keywords(document: dict[str, Any]) -> None:
    """Valid 2020-12 allows any unknown key, so a typo or a YAML slip passes silently."""
    positions = list(_schema_positions(OPENAPI)) if document is OPENAPI else [("", document)]
    problems = [p for where, schema in positions for p in _keyword_problems(schema, where)]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    "document", [OPENAPI, EVENTS, CASSETTE], ids=["openapi", "events", "cassette"]
)
def test_every_ref_resolves(document: dict[str, Any]) -> None:
    refs = [
        (path, node["$ref"])
        for path, node in _walk(document)
        if isinstance(node, dict) and isinstance(node.get("$ref"), str)
    ]
    assert refs
    for path, ref in refs:
        assert ref.startswith("#/"), f"{_pointer(*path)}: only local refs, got {ref}"
        try:
            _resolve(document, ref[1:])
        except (KeyError, IndexError, ValueError):
            pytest.fail(f"{_pointer(*path)}: unresolvable $ref {ref}")


EXPECTED_OPERATIONS = {
    ("post", "/api/auth/anonymous-token"): "createAnonymousToken",
    ("post", "/api/auth/claim-token"): "createClaimToken",
    ("post", "/api/tasks/me/with-session/nemo_agent"): "createSession",
    ("post", "/api/upload-video/nemo_agent/me/{session_id}"): "uploadMedia",
    ("post", "/api/upload-video/nemo_agent/{user}/{session_id}"): "uploadMediaAsUser",
    ("get", "/api/credits/balance/simple"): "getCreditsBalance",
    ("get", "/api/state/nemo_agent/me/{session_id}/latest"): "getSessionState",
    ("get", "/api/state/nemo_agent/{user}/{session_id}/latest"): "getSessionStateAsUser",
    ("post", "/api/render/proxy/lambda"): "submitRender",
    ("post", "/api/render/proxy/draft"): "submitRenderDraft",
    ("get", "/api/render/proxy/lambda/{render_id}"): "getRender",
    ("get", "/api/render/proxy/{render_id}"): "getRenderTask",
    ("post", "/api/render/proxy/lambda/{render_id}/cancel"): "cancelRender",
    ("get", "/api/render/proxy/{render_id}/download"): "downloadRender",
    ("head", "/api/render/proxy/{render_id}/download"): "headRenderDownload",
    ("get", "/render-result/{result_file}"): "getRenderResult",
    ("head", "/render-result/{result_file}"): "headRenderResult",
    ("get", "/media/{media_id}/{filename}"): "getMediaFile",
    ("head", "/media/{media_id}/{filename}"): "headMediaFile",
    ("post", "/run_sse"): "runAgent",
    ("get", "/_fake/health"): "fakeHealth",
    ("post", "/_fake/reset"): "fakeReset",
    ("get", "/_fake/clock"): "fakeGetClock",
    ("post", "/_fake/clock/advance"): "fakeAdvanceClock",
    ("get", "/_fake/config"): "fakeGetConfig",
    ("patch", "/_fake/config"): "fakePatchConfig",
    ("post", "/_fake/faults"): "fakeAddFault",
    ("get", "/_fake/faults"): "fakeListFaults",
    ("delete", "/_fake/faults"): "fakeClearFaults",
    ("delete", "/_fake/faults/{fault_id}"): "fakeDeleteFault",
    ("get", "/_fake/requests"): "fakeListRequests",
    ("delete", "/_fake/requests"): "fakeClearRequests",
    ("post", "/_fake/accounts"): "fakeCreateAccount",
}


def test_operations_and_their_ids() -> None:
    found = {(method, path): op.get("operationId") for method, path, op in _operations()}
    assert found == EXPECTED_OPERATIONS
    assert len(set(found.values())) == len(found)


def test_admin_operations_are_tagged_admin_and_need_no_token() -> None:
    for _method, path, op in _operations():
        is_admin = path.startswith("/_fake/")
        assert ("admin" in op.get("tags", [])) == is_admin, path
        if is_admin:
            assert op.get("security") == [], path


def test_api_operations_take_the_optional_attribution_headers() -> None:
    wanted = {
        "#/components/parameters/XSkillSource",
        "#/components/parameters/XSkillVersion",
        "#/components/parameters/XSkillPlatform",
    }
    for _method, path, op in _operations():
        if not (path.startswith("/api/") or path == "/run_sse"):
            continue
        refs = {p.get("$ref") for p in op.get("parameters", [])}
        assert wanted <= refs, path
    for name in ("XSkillSource", "XSkillVersion", "XSkillPlatform"):
        assert OPENAPI["components"]["parameters"][name]["required"] is False


def _json_200_schema(op: dict[str, Any]) -> dict[str, Any]:
    return _deref(op["responses"]["200"])["content"]["application/json"]["schema"]


def test_rest_operations_answer_200_with_success_or_error_envelope() -> None:
    """`error_status=ok200` puts business errors on HTTP 200: every 200 is oneOf."""
    schemas = OPENAPI["components"]["schemas"]
    checked = 0
    for _method, path, op in _operations():
        if not path.startswith("/api/") or path.startswith("/api/render/proxy/"):
            continue
        branches = [b["$ref"].rsplit("/", 1)[1] for b in _json_200_schema(op)["oneOf"]]
        assert len(branches) == 2 and branches[1] == "ErrorEnvelope", path
        success = schemas[branches[0]]
        assert success["properties"]["code"] == {"const": 0}, path
        assert success["additionalProperties"] is False, path
        checked += 1
    assert checked == 8
    assert schemas["ErrorEnvelope"]["properties"]["code"]["not"] == {"const": 0}


def test_render_proxy_json_operations_can_answer_200_with_a_proxy_error() -> None:
    for op_id in (
        "submitRender",
        "submitRenderDraft",
        "getRender",
        "getRenderTask",
        "cancelRender",
    ):
        op = next(op for _m, _p, op in _operations() if op["operationId"] == op_id)
        refs = [b["$ref"] for b in _json_200_schema(op)["oneOf"]]
        assert refs[-1] == "#/components/schemas/ProxyError", op_id


def test_authenticated_operations_document_mapped_1001() -> None:
    for _method, path, op in _operations():
        if op.get("security") == []:
            continue
        assert "401" in op["responses"], f"{path}: `mapped` sends 1001 as 401"


# --------------------------------------------------------------------------- OpenAPI: links


def _schema_has_path(schema: Any, tokens: list[str], depth: int = 0) -> bool:
    """Whether some branch of `schema` declares the property path `tokens`."""
    if depth > 20 or not isinstance(schema, dict):
        return False
    if "$ref" in schema:
        return _schema_has_path(_resolve(OPENAPI, schema["$ref"][1:]), tokens, depth + 1)
    if not tokens:
        return True
    for key in ("allOf", "oneOf", "anyOf"):
        if any(_schema_has_path(s, tokens, depth + 1) for s in schema.get(key, [])):
            return True
    head, rest = tokens[0], tokens[1:]
    props = schema.get("properties", {})
    return head in props and _schema_has_path(props[head], rest, depth + 1)


def _expression_target(expression: str, source: dict[str, Any], status: str) -> None:
    if expression.startswith("$response.body#"):
        tokens = expression.split("#", 1)[1].strip("/").split("/")
        content = _deref(source["responses"][status])["content"]["application/json"]
        assert _schema_has_path(content["schema"], tokens), expression
    elif expression.startswith("$request.path."):
        name = expression.removeprefix("$request.path.")
        params = [_deref(p) for p in source.get("parameters", [])]
        assert any(p["in"] == "path" and p["name"] == name for p in params), expression
    else:  # pragma: no cover
        pytest.fail(f"unexpected runtime expression {expression}")


def test_links_point_at_real_operations_parameters_and_fields() -> None:
    by_id = {op["operationId"]: op for _m, _p, op in _operations()}
    links = []
    for _method, _path, op in _operations():
        for status, response in op["responses"].items():
            for name, link in _deref(response).get("links", {}).items():
                links.append((op["operationId"], name, link["operationId"]))
                target = by_id[link["operationId"]]
                target_params = {_deref(p)["name"] for p in target.get("parameters", [])}
                for param, expression in link.get("parameters", {}).items():
                    assert param in target_params, (op["operationId"], name, param)
                    _expression_target(expression, op, status)
                if "requestBody" in link:
                    body = target["requestBody"]["content"]["application/json"]["schema"]
                    for key, expression in link["requestBody"].items():
                        assert _schema_has_path(body, [key]), (op["operationId"], name, key)
                        _expression_target(expression, op, status)
    chain = {(src, dst) for src, _name, dst in links}
    assert {
        ("createSession", "getSessionState"),
        ("createSession", "uploadMedia"),
        ("createSession", "submitRender"),
        ("createSession", "runAgent"),
        ("getSessionState", "submitRender"),
        ("submitRender", "getRender"),
        ("submitRender", "cancelRender"),
        ("submitRender", "downloadRender"),
    } <= chain


def test_schemathesis_loads_the_document_and_builds_its_state_machine() -> None:
    schemathesis = pytest.importorskip("schemathesis")
    schema = schemathesis.openapi.from_path(OPENAPI_PATH)
    schema.validate()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.label for op in operations} == {
        f"{method.upper()} {path}" for method, path in EXPECTED_OPERATIONS
    }
    state_machine = schema.as_state_machine()
    assert state_machine is not None


# --------------------------------------------------------------------------- examples


def _embedded_examples() -> Iterator[tuple[str, str, Any]]:
    """(where, schema pointer, instance) for every JSON example in the OpenAPI document."""
    for path, node in _walk(OPENAPI):
        if not isinstance(node, dict):
            continue
        where = _pointer(*path)
        examples = node.get("examples")
        if isinstance(examples, list) and path[:2] == ("components", "schemas"):
            for index, value in enumerate(examples):
                yield f"{where}/examples/{index}", where, value
            continue
        if not isinstance(node.get("schema"), dict):
            continue
        is_media = len(path) >= 2 and path[-2] == "content"
        if is_media and "json" not in str(path[-1]):
            continue  # SSE and binary examples are checked elsewhere
        schema_ptr = f"{where}/schema"
        if "example" in node:
            yield f"{where}/example", schema_ptr, node["example"]
        for name, example in (node.get("examples") or {}).items():
            yield f"{where}/examples/{name}", schema_ptr, _deref(example)["value"]


EMBEDDED = list(_embedded_examples())


def test_there_are_many_embedded_examples() -> None:
    assert len(EMBEDDED) > 60


@pytest.mark.parametrize(
    ("where", "schema_ptr", "instance"), EMBEDDED, ids=[e[0] for e in EMBEDDED]
)
def test_embedded_example_validates(where: str, schema_ptr: str, instance: Any) -> None:
    assert_valid(validator_for(OPENAPI_URI, schema_ptr), instance)


def test_sse_example_lines_validate_against_the_event_schema() -> None:
    media = OPENAPI["paths"]["/run_sse"]["post"]["responses"]["200"]["content"]["text/event-stream"]
    assert media["x-event-schema"] == EVENTS_PATH.name
    payloads = [line[len("data:") :].strip() for line in media["example"].splitlines()]
    events = [json.loads(p) for p in payloads if p]
    assert len(events) == 3
    assert "" in payloads, "the example shows an empty-data heartbeat"
    for event in events:
        assert_valid(event_schema("AdkStreamPayload"), event)


def test_every_business_error_has_an_example() -> None:
    codes = {
        example["value"]["code"]
        for example in OPENAPI["components"]["examples"].values()
        if "code" in example["value"]
    }
    assert {1001, 1002, 2001, 4001, 4002, 400} <= codes


# --------------------------------------------------------------------------- the documented payloads

# From ../shared/nemovideo-api.md. Placeholders that contradict a documented pattern are
# replaced and say so; `…` / `{...}` elisions are filled in.
SID = "5529798706024415232"  # §2's example session id

DOCUMENTED = [
    (
        "§1 anonymous-token (S3/S4)",
        "AnonymousTokenResponse",
        {
            "code": 0,
            "data": {
                "token": "nmv_usr_xxxxxx",
                "user_id": "anon_abc123",
                "expires_at": "2026-03-18T00:00:00Z",
                "credits": 100,
            },
        },
    ),
    (
        "§2 create session (S3/S4)",
        "CreateSessionResponse",
        {"code": 0, "data": {"task_id": "task_xxx", "session_id": SID, "user_id": "anon_abc123"}},
    ),
    (
        "§3 claim token",
        "ClaimTokenResponse",
        {"code": 0, "data": {"claim_token": "clm_xxx", "expires_in": 604800}},
    ),
    (
        "§5 upload (S3/S4)",
        "UploadResponse",
        {
            "code": 0,
            "data": {
                "files": [
                    {
                        "filename": "video.mp4",
                        "file_type": "video",
                        "cdn_url": "https://cdn.example.com/videos/xxx/video.mp4",
                        "duration": 30.5,
                        "width": 1920,
                        "height": 1080,
                        "fps": 30,
                        "hash": "abc123",
                    }
                ],
                "session_state_applied": True,
            },
        },
    ),
    (
        "§6 credits",
        "CreditsResponse",
        {"code": 0, "data": {"available": 25000, "frozen": 40, "total": 25040}},
    ),
    (
        "§6 state (S4; `session_xxx` -> digits, elisions filled)",
        "SessionStateResponse",
        {
            "code": 0,
            "data": {
                "session_id": SID,
                "task_id": "task_yyy",
                "task_name": "My Video Project",
                "state": {
                    "video_infos": [],
                    "draft": {
                        "t": [
                            {"tt": 0, "sg": [{"s": 0, "d": 10000, "src": "/mnt/userdata/x/a.mp4"}]}
                        ],
                        "d": 10000,
                        "m": {"title": "...", "width": 1920, "height": 1080},
                    },
                    "canvas_config": {"width": 1920, "height": 1080, "aspect_ratio": "16:9"},
                    "video_analyses": {},
                    "generated_media": [],
                },
            },
        },
    ),
    (
        "§7 render submit response (S3)",
        "RenderAcceptedResponse",
        {"success": True, "data": {"id": "render_xxx", "status": "pending", "progress": 5}},
    ),
    (
        "§7 poll (a) data form, v4.4 (S3)",
        "RenderPollData",
        {
            "success": True,
            "data": {
                "id": "render_xxx",
                "status": "completed",
                "progress": 100,
                "outputUrl": "https://static1.nemovideo.ai/render-result/render_xxx.mp4",
                "createdAt": 1773423613616,
                "completedAt": 1773423641222,
            },
        },
    ),
    (
        "§7 poll (b) legacy form, v1.9 (S4/S1; `…` in the url filled)",
        "RenderPollLegacy",
        {
            "taskId": "render_xxx",
            "status": "completed",
            "progress": 100,
            "output": {
                "url": "https://static1.nemovideo.ai/render-result/output.mp4",
                "duration": 30.5,
                "size": 15728640,
            },
        },
    ),
    (
        "§7 poll (c) compat form (ARCHITECTURE.md)",
        "RenderPollCompat",
        {
            "success": True,
            "data": {
                "id": "render_xxx",
                "status": "completed",
                "progress": 100,
                "outputUrl": "https://static1.nemovideo.ai/render-result/render_xxx.mp4",
                "createdAt": 1773423613616,
                "completedAt": 1773423641222,
                "output": {
                    "url": "https://static1.nemovideo.ai/render-result/render_xxx.mp4",
                    "duration": 30.5,
                    "size": 15728640,
                },
            },
            "taskId": "render_xxx",
            "status": "completed",
            "progress": 100,
            "output": {
                "url": "https://static1.nemovideo.ai/render-result/render_xxx.mp4",
                "duration": 30.5,
                "size": 15728640,
            },
        },
    ),
    (
        "§7 poll failure (S6 test mock, in the data form)",
        "RenderPollData",
        {
            "success": True,
            "data": {
                "id": "render_xxx",
                "status": "failed",
                "progress": 30,
                "createdAt": 1773423613616,
                "error": "invalid draft",
            },
        },
    ),
    (
        "§10 registration URL in a 2001",
        "InsufficientCreditsError",
        {
            "code": 2001,
            "message": "Insufficient credits",
            "data": {
                "registration_url": "https://nemovideo.com/register?bind=anon_abc123def4567890"
            },
        },
    ),
    # request bodies
    (
        "§2 create session body",
        "CreateSessionRequest",
        {"task_name": "project", "language": "zh-CN"},
    ),
    ("§2 create session body, no language (S8)", "CreateSessionRequest", {"task_name": "project"}),
    (
        "§3 claim-token body",
        "ClaimTokenRequest",
        {"task_id": "task_xxx", "session_id": SID},
    ),
    (
        "§4 run_sse body (S1)",
        "RunAgentRequest",
        {
            "app_name": "nemo_agent",
            "user_id": "me",
            "session_id": SID,
            "new_message": {"parts": [{"text": "make a video"}]},
        },
    ),
    (
        "§8 run_sse body, camelCase (ADK)",
        "RunAgentRequest",
        {
            "appName": "nemo_agent",
            "userId": "me",
            "sessionId": SID,
            "newMessage": {"role": "user", "parts": [{"text": "hi"}]},
            "streaming": True,
            "stateDelta": {"k": 1},
            "invocationId": None,
        },
    ),
    (
        "§5 URL upload body",
        "UploadUrlsRequest",
        {"urls": ["https://example.com/a.mp4"], "source_type": "url"},
    ),
    (
        "§7 render submit body (S1)",
        "RenderSubmitRequest",
        {
            "id": "render_1773423613616",
            "sessionId": SID,
            "draft": {"t": [{"tt": 0, "sg": [{"s": 0, "d": 10000}]}], "d": 10000},
            "output": {"format": "mp4", "quality": "high"},
        },
    ),
    (
        "§7 render submit body (S6 CLI)",
        "RenderSubmitRequest",
        {
            "id": "draft-cli-1773423613616",
            "sessionId": SID,
            "draft": {"t": [{"tt": 0, "sg": [{"s": 0, "d": 1000}]}]},
            "output": {"format": "mp4", "codec": "h264", "crf": 23},
        },
    ),
]


@pytest.mark.parametrize(("name", "schema", "payload"), DOCUMENTED, ids=[d[0] for d in DOCUMENTED])
def test_documented_payload_validates(name: str, schema: str, payload: Any) -> None:
    assert_valid(openapi_schema(schema), payload)


def test_the_three_poll_shapes_are_told_apart() -> None:
    poll = openapi_schema("RenderPollResponse")
    shapes = {d[1]: d[2] for d in DOCUMENTED if d[0].startswith("§7 poll (")}
    assert set(shapes) == {"RenderPollData", "RenderPollLegacy", "RenderPollCompat"}
    for name, payload in shapes.items():
        assert_valid(poll, payload)
        others = set(shapes) - {name}
        assert all(not openapi_schema(o).is_valid(payload) for o in others), name


_DRAFT = {"t": [{"tt": 0, "sg": [{"s": 0, "d": 1000}]}]}


@pytest.mark.parametrize(
    ("schema", "payload"),
    [
        # success and error envelopes do not overlap
        ("ErrorEnvelope", {"code": 0, "message": "success", "data": None}),
        ("CreditsResponse", {"code": 1001, "message": "x", "data": None}),
        # drift: an unknown key in a fully known object
        ("CreditsResponse", {"code": 0, "data": {"available": 1, "frozen": 0, "total": 1, "x": 1}}),
        # documented details must be there
        ("ErrorEnvelope", {"code": 4001, "message": "Unsupported file type", "data": None}),
        ("ErrorEnvelope", {"code": 4002, "message": "File too large", "data": {}}),
        ("ErrorEnvelope", {"code": 1001, "message": "", "data": None}),
        # session ids are digits; token expiry is a date-time or null
        ("CreatedSession", {"task_id": "task_1", "session_id": "session_xxx", "user_id": "anon_1"}),
        (
            "AnonymousToken",
            {"token": "nmv_usr_x", "user_id": "anon_1", "expires_at": "soon", "credits": 1},
        ),
        # status inside `data`, not top-level (S3)
        (
            "RenderPollData",
            {
                "success": True,
                "status": "completed",
                "data": {"id": "r", "status": "completed", "progress": 100, "createdAt": 1},
            },
        ),
        # the state machine
        (
            "RenderPollData",
            {
                "success": True,
                "data": {"id": "r", "status": "completed", "progress": 100, "createdAt": 1},
            },
        ),
        (
            "RenderPollData",
            {
                "success": True,
                "data": {"id": "r", "status": "processing", "progress": 100, "createdAt": 1},
            },
        ),
        (
            "RenderPollData",
            {
                "success": True,
                "data": {"id": "r", "status": "failed", "progress": 10, "createdAt": 1},
            },
        ),
        (
            "RenderPollData",
            {
                "success": True,
                "data": {
                    "id": "r",
                    "status": "pending",
                    "progress": 5,
                    "createdAt": 1,
                    "error": "x",
                },
            },
        ),
        ("RenderPollLegacy", {"taskId": "r", "status": "completed", "progress": 100}),
        (
            "RenderAcceptedResponse",
            {"success": True, "data": {"id": "r", "status": "completed", "progress": 100}},
        ),
        ("ProxyError", {"success": False, "error": "x", "code": 0}),
        # per-file-type nulls
        (
            "UploadedFile",
            {
                "filename": "a.mp3",
                "file_type": "audio",
                "cdn_url": "http://h/a.mp3",
                "duration": 3,
                "width": 10,
                "height": 10,
                "fps": None,
                "hash": "ab",
            },
        ),
        (
            "UploadedFile",
            {
                "filename": "a.mp4",
                "file_type": "video",
                "cdn_url": "http://h/a.mp4",
                "duration": 3,
                "width": 10,
                "height": 10,
                "fps": 30,
                "hash": "ab",
                "id": "med_1",
            },
        ),
        (
            "GeneratedMedia",
            {
                "id": "med_1",
                "type": "video",
                "tool": "t",
                "prompt": "p",
                "cdn_url": "http://h/a",
                "duration": 1,
                "created_at": "2026-01-01T00:00:00Z",
            },
        ),
        # ADK request: camelCase or snake_case, but the four fields are needed
        ("RunAgentRequest", {"app_name": "nemo_agent", "user_id": "me", "session_id": "1"}),
        (
            "RunAgentRequest",
            {
                "app_name": "other",
                "user_id": "me",
                "session_id": "1",
                "new_message": {"parts": [{"text": "x"}]},
            },
        ),
        ("MessageContent", {"parts": [{"text": "x", "bogus": 1}]}),
        ("RenderSubmitRequest", {"id": "has space", "sessionId": "1", "draft": _DRAFT}),
        # not exportable: no track with segments (DOC S4)
        ("RenderSubmitRequest", {"id": "r", "sessionId": "1", "draft": {}}),
        (
            "RenderSubmitRequest",
            {"id": "r", "sessionId": "1", "draft": {"t": [{"tt": 0, "sg": []}]}},
        ),
        (
            "RenderSubmitRequest",
            {"id": "r", "sessionId": "1", "draft": _DRAFT, "output": {"format": "avi"}},
        ),
        ("Segment", {"s": -1}),
        ("FakeConfigPatch", {"colour": "blue"}),
        ("FakeConfigPatch", {"render_seconds": [1, 2, 3]}),
    ],
)
def test_schema_rejects(schema: str, payload: Any) -> None:
    assert_invalid(openapi_schema(schema), payload)


# --------------------------------------------------------------------------- admin config and draft vs code


def test_fake_config_schema_matches_the_model() -> None:
    config = pytest.importorskip("mock_server.config")
    model = config.FakeConfig
    patch = OPENAPI["components"]["schemas"]["FakeConfigPatch"]["properties"]
    full = OPENAPI["components"]["schemas"]["FakeConfig"]
    assert set(patch) == set(model.model_fields)
    assert set(full["required"]) == set(model.model_fields)
    for name, field in model.model_fields.items():
        literal = [a for a in typing.get_args(field.annotation) if isinstance(a, str)]
        if typing.get_origin(field.annotation) is typing.Literal:
            assert set(patch[name]["enum"]) == set(literal), name
    assert_valid(openapi_schema("FakeConfig"), model().model_dump(mode="json"))
    assert_valid(
        openapi_schema("FakeConfig"),
        model(start_time=1767225600.0, public_url="http://x", data_dir="/tmp").model_dump(
            mode="json"
        ),
    )


def test_fault_and_journal_schemas_match_the_fake() -> None:
    faults = pytest.importorskip("mock_server.faults")
    journal = pytest.importorskip("mock_server.journal")
    schemas = OPENAPI["components"]["schemas"]
    assert set(schemas["FaultSpec"]["properties"]) == set(faults.FaultSpec.model_fields)
    fault = faults.Fault(id="flt_1", spec=faults.FaultSpec(path="/run_sse", cut_after_events=2))
    assert_valid(openapi_schema("Fault"), fault.to_dict())
    entry = journal.JournalEntry(
        seq=1, time=0.0, method="GET", path="/", query="", headers={}, body=None
    )
    assert set(entry.to_dict()) == set(schemas["JournalEntry"]["properties"])
    assert_valid(openapi_schema("JournalEntry"), entry.to_dict())


@pytest.mark.parametrize(
    ("spec", "ok"),
    [
        ({"error_code": 1001}, True),
        ({"latency": 1.5}, True),
        ({"error_code": 503, "latency": 2}, True),
        ({"drop": True, "times": None, "probability": 0.5}, True),
        ({}, False),  # no effect
        ({"error_code": 1001, "drop": True}, False),  # two effects
        ({"error_code": 418}, False),  # not injectable
        ({"cut_after_events": 1, "drop": True}, False),
    ],
)
def test_fault_spec_rules(spec: dict[str, Any], ok: bool) -> None:
    assert openapi_schema("FaultSpec").is_valid(spec) is ok
    faults = pytest.importorskip("mock_server.faults")
    try:
        faults.FaultSpec.model_validate(spec)
    except ValueError:
        accepted = False
    else:
        accepted = True
    assert accepted is ok, "the fake and the contract disagree"


def test_draft_schema_matches_the_client_model() -> None:
    draft = pytest.importorskip("client.draft")
    schemas = OPENAPI["components"]["schemas"]
    for model, name in ((draft.Draft, "Draft"), (draft.Track, "Track"), (draft.Segment, "Segment")):
        assert set(schemas[name]["properties"]) == set(model.model_fields), name
        assert "additionalProperties" not in schemas[name], f"{name} must stay open"
    built = draft.Draft(
        t=[
            draft.Track(tt=draft.VIDEO, sg=[draft.Segment(s=0, d=5000, src="/mnt/userdata/a.mp4")]),
            draft.Track(tt=draft.AUDIO, sg=[draft.Segment(d=5000, vol=0.35, n="Lo-fi")]),
            draft.Track(
                tt=draft.TEXT, sg=[draft.Segment(d=2000, tx="Hi", size=48, color="#fff000")]
            ),
        ],
        d=5000,
        m={"title": "T", "width": 1080, "height": 1920},
    )
    assert_valid(openapi_schema("Draft"), built.dump())
    live = {"t": [{"tt": 0, "sg": [{"s": 0, "d": 1, "fx": {"blur": 2}}], "zz": 1}], "v": 3}
    assert_valid(openapi_schema("Draft"), live)
    kept = draft.Draft.parse(live).dump()  # the client keeps the unknown keys the schema allows
    assert kept["v"] == 3 and kept["t"][0]["zz"] == 1 and kept["t"][0]["sg"][0]["fx"] == {"blur": 2}
    assert_valid(openapi_schema("Draft"), kept)


# --------------------------------------------------------------------------- events.schema.json


def test_events_and_cassette_schemas_are_valid_2020_12() -> None:
    for schema in (EVENTS, CASSETTE):
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        Draft202012Validator.check_schema(schema)
    for name in (
        "AdkEvent",
        "TypedEvent",
        "StreamError",
        "Heartbeat",
        "AdkStreamPayload",
        "TypedStreamPayload",
    ):
        assert name in EVENTS["$defs"]


CALL_ID = "af-f83f7a52-0b5c-4c55-9b3e-2d1c6a7e8f90"
INVOCATION = "e-3f6d0e1a-8a5b-4f1e-9c2d-7b6a5e4d3c2b"

# §8's documented stream (S12) verbatim, with the `…` elisions filled in: the ids
# (`af-f83f…`, `e-3f6d…`), the report text, and `actions` (the three 1.x dict defaults).
ADK_DOC_STREAM = [
    '{"content":{"parts":[{"functionCall":{"id":"af-f83f7a52-0b5c-4c55-9b3e-2d1c6a7e8f90",'
    '"args":{"city":"new york"},"name":"get_weather"}}],"role":"model"},'
    '"invocationId":"e-3f6d0e1a-8a5b-4f1e-9c2d-7b6a5e4d3c2b","author":"weather_time_agent",'
    '"actions":{"stateDelta":{},"artifactDelta":{},"requestedAuthConfigs":{}},'
    '"longRunningToolIds":[],"id":"ptcjaZBa","timestamp":1743712255.313043}',
    '{"content":{"parts":[{"functionResponse":{"id":"af-f83f7a52-0b5c-4c55-9b3e-2d1c6a7e8f90",'
    '"name":"get_weather","response":{"status":"success","report":"The weather in New York is '
    'sunny with a temperature of 25 degrees Celsius."}}}],"role":"user"},'
    '"invocationId":"e-3f6d0e1a-8a5b-4f1e-9c2d-7b6a5e4d3c2b","author":"weather_time_agent",'
    '"actions":{"stateDelta":{},"artifactDelta":{},"requestedAuthConfigs":{}},'
    '"id":"5aocxjaq","timestamp":1743712257.387306}',
    '{"content":{"parts":[{"text":"OK. The weather in New York is sunny with a temperature of '
    '25 degrees Celsius.\\n"}],"role":"model"},'
    '"invocationId":"e-3f6d0e1a-8a5b-4f1e-9c2d-7b6a5e4d3c2b","author":"weather_time_agent",'
    '"actions":{"stateDelta":{},"artifactDelta":{},"requestedAuthConfigs":{}},'
    '"id":"rAnWGSiV","timestamp":1743712257.391317}',
]

# §4's illustrative typed lines (S3), `{...}` filled in.
TYPED_DOC_STREAM = [
    '{"type":"text","content":"I\'ll generate your video now..."}',
    '{"type":"tool_call","name":"generate_video_with_seedance","args":{"prompt":"a sunset over a mountain lake","duration":10}}',
    '{"type":"tool_result","name":"generate_video_with_seedance","result":{"status":"success"}}',
    '{"type":"heartbeat"}',
]


@pytest.mark.parametrize("line", ADK_DOC_STREAM)
def test_documented_adk_events_validate(line: str) -> None:
    event = json.loads(line)
    assert_valid(event_schema("AdkEvent"), event)
    assert_valid(event_schema("AdkStreamPayload"), event)
    assert_valid(event_schema(), event)


@pytest.mark.parametrize("line", TYPED_DOC_STREAM)
def test_documented_typed_events_validate(line: str) -> None:
    event = json.loads(line)
    assert_valid(event_schema("TypedEvent"), event)
    assert_valid(event_schema("TypedStreamPayload"), event)
    assert_valid(event_schema(), event)


def test_in_stream_error_and_heartbeat_validate_in_both_dialects() -> None:
    for payload in ({"error": "boom"}, {"type": "heartbeat"}):
        assert_valid(event_schema("AdkStreamPayload"), payload)
        assert_valid(event_schema("TypedStreamPayload"), payload)
        assert_valid(event_schema(), payload)


def _adk() -> tuple[Any, Any]:
    events = pytest.importorskip("google.adk.events")
    genai = pytest.importorskip("google.genai")
    return events.Event, genai.types


def _dump(event: Any) -> dict[str, Any]:
    return json.loads(event.model_dump_json(exclude_none=True, by_alias=True))


def test_events_made_by_google_adk_validate() -> None:
    event_cls, types = _adk()
    made = [
        event_cls(
            author="nemo_agent",
            invocation_id=INVOCATION,
            content=types.Content(role="model", parts=[types.Part(text="Your video is ready.")]),
        ),
        event_cls(
            author="nemo_agent",
            invocation_id=INVOCATION,
            content=types.Content(
                role="model",
                parts=[
                    types.Part(
                        function_call=types.FunctionCall(
                            id=CALL_ID, name="edit_multitrack", args={"title": "Urban Dreams"}
                        )
                    )
                ],
            ),
            long_running_tool_ids=set(),
        ),
        event_cls(
            author="nemo_agent",
            invocation_id=INVOCATION,
            content=types.Content(
                role="user",
                parts=[
                    types.Part(
                        function_response=types.FunctionResponse(
                            id=CALL_ID, name="edit_multitrack", response={"status": "success"}
                        )
                    )
                ],
            ),
        ),
        event_cls(  # a streaming chunk, a thought, and a model-level error
            author="nemo_agent",
            invocation_id=INVOCATION,
            partial=True,
            content=types.Content(
                role="model",
                parts=[types.Part(text="thinking", thought=True, thought_signature=b"sig")],
            ),
            error_code="SAFETY",
            error_message="blocked",
            turn_complete=True,
            custom_metadata={"k": 1},
            usage_metadata=types.GenerateContentResponseUsageMetadata(total_token_count=7),
        ),
    ]
    for event in made:
        payload = _dump(event)
        assert_valid(event_schema("AdkEvent"), payload)
        assert_valid(event_schema(), payload)


def _alias_set(model: Any) -> set[str]:
    return set(model.model_json_schema(by_alias=True)["properties"])


def test_event_schema_lists_every_field_of_the_installed_adk_models() -> None:
    event_cls, types = _adk()
    from google.adk.events import EventActions

    defs = EVENTS["$defs"]
    pairs = [
        (event_cls, "AdkEvent"),
        (EventActions, "EventActions"),
        (types.Content, "Content"),
        (types.Part, "Part"),
        (types.FunctionCall, "FunctionCall"),
        (types.FunctionResponse, "FunctionResponse"),
        (types.Blob, "Blob"),
        (types.FileData, "FileData"),
        (types.GenerateContentResponseUsageMetadata, "UsageMetadata"),
    ]
    for model, name in pairs:
        missing = _alias_set(model) - set(defs[name]["properties"])
        assert not missing, f"{name} lacks {sorted(missing)}: update contracts/events.schema.json"
    # genai forbids unknown keys in these; Event (2.13) ignores them
    for name in ("Content", "Part", "FunctionCall", "FunctionResponse", "EventActions"):
        assert defs[name]["additionalProperties"] is False, name
    assert "additionalProperties" not in defs["AdkEvent"]


@pytest.mark.parametrize(
    ("schema", "payload"),
    [
        # genai Part forbids unknown keys
        (
            "AdkEvent",
            {
                "invocationId": "e",
                "author": "a",
                "id": "x",
                "timestamp": 1.0,
                "actions": {"stateDelta": {}, "artifactDelta": {}, "requestedAuthConfigs": {}},
                "content": {"parts": [{"text": "x", "kind": "text"}]},
            },
        ),
        # exclude_none: nothing is ever null
        (
            "AdkEvent",
            {
                "invocationId": "e",
                "author": "a",
                "id": "x",
                "timestamp": 1.0,
                "partial": None,
                "actions": {"stateDelta": {}, "artifactDelta": {}, "requestedAuthConfigs": {}},
            },
        ),
        # `actions` is always there, with its dict defaults
        ("AdkEvent", {"invocationId": "e", "author": "a", "id": "x", "timestamp": 1.0}),
        (
            "AdkEvent",
            {"invocationId": "e", "author": "a", "id": "x", "timestamp": 1.0, "actions": {}},
        ),
        # snake_case is not what ADK sends
        (
            "AdkEvent",
            {
                "invocation_id": "e",
                "author": "a",
                "id": "x",
                "timestamp": 1.0,
                "actions": {"stateDelta": {}, "artifactDelta": {}, "requestedAuthConfigs": {}},
            },
        ),
        (
            "AdkEvent",
            {
                "invocationId": "e",
                "author": "a",
                "id": "x",
                "timestamp": 1.0,
                "actions": {
                    "stateDelta": {},
                    "artifactDelta": {"a.mp4": "v1"},
                    "requestedAuthConfigs": {},
                },
            },
        ),
        ("StreamError", {"error": "x", "code": 1}),
        ("TypedEvent", {"type": "text"}),
        ("TypedEvent", {"type": "done"}),
        ("TypedStreamPayload", {"type": "heartbeat", "at": 1}),
        (None, {"text": "top-level text (S9's guess)"}),
        (None, {}),
    ],
)
def test_event_schema_rejects(schema: str | None, payload: Any) -> None:
    assert_invalid(event_schema(schema), payload)


# --------------------------------------------------------------------------- cassette.schema.json


def _cassette() -> dict[str, Any]:
    event = json.loads(ADK_DOC_STREAM[2])
    return {
        "version": 1,
        "description": "anonymous token, session, one turn, upload, download",
        "provenance": {
            "kind": "recorded",
            "base_url": "https://mega-api-prod.nemovideo.ai",
            "recorded_at": "2026-03-14T10:00:00Z",
            "client": "nemo 0.1.0",
        },
        "placeholders": {
            "<TOKEN_1>": "token",
            "<CLIENT_ID_1>": "client_id",
            "<USER_ID_1>": "user_id",
        },
        "interactions": [
            {
                "started_at_offset_ms": 0,
                "request": {
                    "method": "POST",
                    "path": "/api/auth/anonymous-token",
                    "query": {},
                    "headers": {"x-client-id": "<CLIENT_ID_1>", "x-skill-source": "nemo-video"},
                    "body": None,
                },
                "response": {
                    "status": 200,
                    "headers": {"content-type": "application/json"},
                    "body": {
                        "code": 0,
                        "data": {
                            "token": "<TOKEN_1>",
                            "user_id": "<USER_ID_1>",
                            "expires_at": "2026-03-21T10:00:00Z",
                            "credits": 100,
                        },
                    },
                },
            },
            {
                "started_at_offset_ms": 812.5,
                "request": {
                    "method": "POST",
                    "path": "/run_sse",
                    "query": {},
                    "headers": {"authorization": "Bearer <TOKEN_1>", "accept": "text/event-stream"},
                    "body": {
                        "app_name": "nemo_agent",
                        "user_id": "me",
                        "session_id": SID,
                        "new_message": {"parts": [{"text": "hi"}]},
                    },
                },
                "response": {
                    "status": 200,
                    "headers": {"content-type": "text/event-stream; charset=utf-8"},
                    "sse": [
                        {"offset_ms": 15000, "raw": "data: \n\n"},
                        {"offset_ms": 15210.25, "raw": f"data: {json.dumps(event)}\n\n"},
                    ],
                },
            },
            {
                "started_at_offset_ms": 30000,
                "request": {
                    "method": "POST",
                    "path": f"/api/upload-video/nemo_agent/me/{SID}",
                    "query": {},
                    "headers": {"authorization": "Bearer <TOKEN_1>"},
                    "body": {
                        "multipart": [
                            {
                                "name": "files",
                                "filename": "a.mp4",
                                "size": 1024,
                                "sha256": "0" * 64,
                                "content_type": "video/mp4",
                            }
                        ]
                    },
                },
                "response": {"status": 200, "headers": {}, "body": {"code": 0, "data": {}}},
            },
            {
                "started_at_offset_ms": 95000,
                "request": {
                    "method": "GET",
                    "path": "/api/render/proxy/render_1/download",
                    "query": {"x": ["1", "2"]},
                    "headers": {"authorization": "Bearer <TOKEN_1>", "range": "bytes=0-"},
                    "body": None,
                },
                "response": {
                    "status": 206,
                    "headers": {"content-range": "bytes 0-1023/1024"},
                    "binary": {"size": 1024, "sha256": "a" * 64, "content_type": "video/mp4"},
                },
            },
        ],
    }


def test_a_recorded_cassette_validates() -> None:
    cassette = _cassette()
    assert_valid(cassette_schema(), cassette)
    payload = cassette["interactions"][1]["response"]["sse"][1]["raw"].removeprefix("data: ")
    assert_valid(event_schema("AdkStreamPayload"), json.loads(payload))


def test_redacted_authorization_forms_validate() -> None:
    """What mock_server/recording/redact.py writes: Bearer placeholder, whole-value secret, empty."""
    for value in ("Bearer <TOKEN_1>", "<SECRET_1>", ""):
        cassette = _cassette()
        cassette["interactions"][0]["request"]["headers"]["authorization"] = value
        assert_valid(cassette_schema(), cassette)


def test_a_synthesized_cassette_validates() -> None:
    cassette = _cassette()
    cassette["provenance"] = {
        "kind": "synthesized",
        "how": "nemo-fake 0.1.0, seed 7, events=adk",
        "synthesized_at": "2026-01-01T00:00:00Z",
    }
    assert_valid(cassette_schema(), cassette)


def _broken(change: str) -> dict[str, Any]:
    cassette = _cassette()
    first = cassette["interactions"][0]
    if change == "raw token in authorization":
        first["request"]["headers"]["authorization"] = "Bearer nmv_usr_KGdwtlGw3hBDUpV"
    elif change == "basic credentials in authorization":
        first["request"]["headers"]["authorization"] = "Basic dXNlcjpwYXNz"
    elif change == "raw token in another header":
        first["request"]["headers"]["x-token"] = "nmv_usr_KGdwtlGw3hBDUpV"
    elif change == "body and sse":
        first["response"]["sse"] = []
    elif change == "no response payload":
        del first["response"]["body"]
    elif change == "version 2":
        cassette["version"] = 2
    elif change == "unknown provenance":
        cassette["provenance"] = {"kind": "imagined"}
    elif change == "bad placeholder name":
        cassette["placeholders"]["TOKEN_1"] = "token"
    elif change == "uppercase header":
        first["request"]["headers"]["X-Client-Id"] = "<CLIENT_ID_1>"
    elif change == "short sha256":
        cassette["interactions"][3]["response"]["binary"]["sha256"] = "abc"
    return cassette


@pytest.mark.parametrize(
    "change",
    [
        "raw token in authorization",
        "basic credentials in authorization",
        "raw token in another header",
        "body and sse",
        "no response payload",
        "version 2",
        "unknown provenance",
        "bad placeholder name",
        "uppercase header",
        "short sha256",
    ],
)
def test_cassette_schema_rejects(change: str) -> None:
    assert_invalid(cassette_schema(), _broken(change))
