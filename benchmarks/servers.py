"""The four servers, as their users run them, on 127.0.0.1:

- nemo-fake: `nemo-fake serve` from the venv (uvicorn with uvloop + httptools, log level
  warning, so no access log), journal on as always;
- WireMock: `java -jar wiremock-standalone.jar` (the jar the `wiremock` npm package ships)
  with two stub mappings that return the fake's exact bytes (`base64Body`); defaults
  otherwise (request journal on, no verbose logging);
- Prism: `prism mock contracts/openapi.yaml` (static examples from the contract), request
  logging lowered to `warn` so it does not log every request;
- Mockoon: `mockoon-cli start` on an environment generated here with two routes returning
  the fake's exact bytes; `-X` (no log file; it still logs each transaction to stdout,
  which goes to /dev/null: written to a file, 10,000 lines a second stalled it here).
"""

from __future__ import annotations

import base64
import json
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from benchmarks.common import HOST, ROOT, VENV_BIN, WORK, Proc
from benchmarks.install import npm_bin, npm_version, wiremock_jar

CONTRACT = ROOT / "contracts" / "openapi.yaml"
CREDITS_PATH = "/api/credits/balance/simple"
MOCKOON_MIGRATION = 33  # the data-file format @mockoon/cli 9.x writes (HighestMigrationId)


@dataclass
class Captured:
    """The fake's real responses, which the stub servers are configured to return."""

    token: str
    state_path: str
    credits: bytes
    state: bytes

    @classmethod
    def example(cls) -> Captured:
        """Stand-ins for when the fake has not run (start-up section alone)."""
        credits = b'{"code":0,"message":"success","data":{"available":100,"frozen":0,"total":100}}'
        return cls("nmv_usr_benchmark", "/api/state/nemo_agent/me/1/latest", credits, credits)

    def routes(self) -> dict[str, bytes]:
        return {CREDITS_PATH: self.credits, self.state_path: self.state}


@dataclass
class Server:
    name: str
    version: str
    argv: list[str]
    port: int
    env: dict[str, str] = field(default_factory=dict)
    note: str = ""
    quiet_stdout: bool = False  # its stdout (a line per request) goes to /dev/null

    def start(self, tag: str = "") -> Proc:
        return Proc(
            self.name,
            self.argv,
            env=self.env,
            log_name=f"{self.name}{tag}.log",
            quiet_stdout=self.quiet_stdout,
        )


def fake(port: int, *, scaled: bool = False) -> Server:
    argv = [str(VENV_BIN / "nemo-fake"), "serve", "--host", HOST, "--port", str(port)]
    argv += ["--log-level", "warning"]
    if scaled:  # a generation turn builds the state in ~2 s: 0.01 real s per API s
        argv += ["--clock", "scaled", "--time-scale", "0.01"]
    from mock_server import __version__

    note = "nemo-fake serve (uvloop + httptools, log level warning: no access log), journal on"
    return Server("nemo-fake", __version__, argv, port, note=note)


def wiremock(port: int, captured: Captured) -> Server:
    root = WORK / "peers" / "wiremock"
    mappings = root / "mappings"
    mappings.mkdir(parents=True, exist_ok=True)
    for old in mappings.glob("*.json"):
        old.unlink()
    for i, (path, body) in enumerate(captured.routes().items()):
        stub = {
            "request": {"method": "GET", "url": path},
            "response": {
                "status": 200,
                "headers": {"Content-Type": "application/json"},
                "base64Body": base64.b64encode(body).decode(),
            },
        }
        (mappings / f"stub{i}.json").write_text(json.dumps(stub, indent=1))
    argv = ["java", "-jar", wiremock_jar(), "--port", str(port), "--bind-address", HOST]
    argv += ["--root-dir", str(root), "--disable-banner"]
    return Server(
        "wiremock", npm_version("wiremock") or "?", argv, port, note="stub mappings, defaults"
    )


def prism(port: int, document: Path = CONTRACT) -> Server:
    argv = [npm_bin("prism"), "mock", str(document), "-h", HOST, "-p", str(port)]
    argv += ["-v", "warn"]
    return Server(
        "prism",
        npm_version("@stoplight/prism-cli") or "?",
        argv,
        port,
        note=f"mock mode, static examples of {document.relative_to(ROOT)}",
    )


def mockoon_environment(port: int, captured: Captured) -> dict[str, Any]:
    def uid() -> str:
        return str(uuid.uuid4())

    routes = []
    for path, body in captured.routes().items():
        response = {
            "uuid": uid(),
            "body": body.decode(),
            "latency": 0,
            "statusCode": 200,
            "label": "",
            "headers": [{"key": "Content-Type", "value": "application/json"}],
            "bodyType": "INLINE",
            "filePath": "",
            "databucketID": "",
            "sendFileAsBody": False,
            "rules": [],
            "rulesOperator": "OR",
            "disableTemplating": False,
            "fallbackTo404": False,
            "default": True,
            "crudKey": "id",
            "callbacks": [],
        }
        routes.append(
            {
                "uuid": uid(),
                "type": "http",
                "documentation": "",
                "method": "get",
                "endpoint": path.lstrip("/"),
                "responses": [response],
                "responseMode": None,
                "streamingMode": None,
                "streamingInterval": 0,
            }
        )
    return {
        "uuid": uid(),
        "lastMigration": MOCKOON_MIGRATION,
        "name": "nemo-fake-bench",
        "endpointPrefix": "",
        "latency": 0,
        "port": port,
        "hostname": HOST,
        "folders": [],
        "routes": routes,
        "rootChildren": [{"type": "route", "uuid": r["uuid"]} for r in routes],
        "proxyMode": False,
        "proxyHost": "",
        "proxyRemovePrefix": False,
        "tlsOptions": {
            "enabled": False,
            "type": "CERT",
            "pfxPath": "",
            "certPath": "",
            "keyPath": "",
            "caPath": "",
            "passphrase": "",
        },
        "cors": True,
        "headers": [],
        "proxyReqHeaders": [{"key": "", "value": ""}],
        "proxyResHeaders": [{"key": "", "value": ""}],
        "data": [],
        "callbacks": [],
    }


def mockoon(port: int, captured: Captured) -> Server:
    path = WORK / "peers" / "mockoon.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(mockoon_environment(port, captured), indent=1))
    argv = [npm_bin("mockoon-cli"), "start", "-d", str(path), "-p", str(port), "-l", HOST, "-X"]
    return Server(
        "mockoon",
        npm_version("@mockoon/cli") or "?",
        argv,
        port,
        note="generated environment",
        quiet_stdout=True,
    )


def openapi_30_copy(source: Path = CONTRACT) -> Path:
    """The closest OpenAPI 3.0 reading of a 3.1 document, for a tool that cannot load 3.1:
    `jsonSchemaDialect`/`webhooks` dropped, `const` -> one-value `enum`, `type: [t, 'null']`
    -> `type: t` + `nullable`, schema `examples: [..]` -> `example`."""
    document = yaml.safe_load(source.read_text(encoding="utf-8"))

    def walk(node: Any) -> Any:
        if isinstance(node, list):
            return [walk(n) for n in node]
        if not isinstance(node, dict):
            return node
        out = {k: walk(v) for k, v in node.items()}
        if "const" in out:
            out["enum"] = [out.pop("const")]
        kinds = out.get("type")
        if isinstance(kinds, list):
            rest = [k for k in kinds if k != "null"]
            out["type"] = rest[0] if len(rest) == 1 else rest
            if "null" in kinds:
                out["nullable"] = True
        if isinstance(out.get("examples"), list) and "type" in out:
            examples = out.pop("examples")
            if examples:
                out["example"] = examples[0]
        return out

    document = walk(document)
    document["openapi"] = "3.0.3"
    document.pop("jsonSchemaDialect", None)
    document.pop("webhooks", None)
    out = WORK / "peers" / "openapi-3.0.yaml"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return out


def prism_log_problems(text: str) -> str:
    """The lines of a Prism log that say why it refused a document."""
    lines = [
        ln for ln in text.splitlines() if re.search(r"error|fatal|invalid|unsupport", ln, re.I)
    ]
    return "\n".join(lines[:10])
