"""openapi.yaml is OpenAPI 3.1 (meta-schema), every schema in it is a valid 2020-12 schema
using only known keywords (a typo or a YAML slip is otherwise silently valid), every $ref
resolves, the operations are the documented ones, and schemathesis loads it and builds its
state machine from the links."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from tests.contract.schemas import (
    CASSETTE,
    EVENTS,
    OPENAPI,
    OPENAPI_PATH,
    _deref,
    _operations,
    _pointer,
    _resolve,
    _schema_positions,
    _walk,
)

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
