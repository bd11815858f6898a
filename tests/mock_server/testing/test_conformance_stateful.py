"""schemathesis's stateful phase against the fake, from contracts/openapi.yaml's links:
createSession -> getSessionState / uploadMedia / runAgent / submitRender / createClaimToken,
getSessionState -> submitRender (with the state's draft), submitRender -> getRender /
cancelRender / downloadRender. The admin tag is excluded; requests carry a minted
token (declared to schemathesis as the `bearer` credentials, so its auth checks know it
is valid). schemathesis's inferred links are off: it infers links from the upload
response to session operations (the upload answer has no session id), which only adds
noise.

Two additions to the generated machine: it always starts with a createSession (the
dependency analysis ranks createSession as an unreliable root, so schemathesis would
start only from submitRender or uploadMedia with random session ids), and a rule sends a
documented message to a created session (a generated body almost always carries a
random camelCase `sessionId`, which wins over the linked `session_id`, so the stream is
rarely reached otherwise). Renders are configured to fail (see the test). Every response - each SSE event included - is also validated
by the ContractChecker (events.schema.json), and the test asserts streams were checked.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, initialize, rule
from schemathesis import checks
from schemathesis.generation.stateful.state_machine import StepInput

from mock_server.testing.conformance import ContractChecker
from mock_server.testing.handles import ServerHandle
from tests.conftest import run_body
from tests.mock_server.testing.machines import TEXTS, machine_settings

CONTRACT = Path(__file__).resolve().parents[3] / "contracts" / "openapi.yaml"
CREATED = "POST /api/tasks/me/with-session/nemo_agent -> 200"
# In `ok200` a bad token or body is documented as HTTP 200 with a non-zero code, so the
# checks that demand a 4xx run under `mapped` only (as in test_fuzz_schemathesis.py).
STATUS_CHECKS = [
    checks.ignored_auth,
    checks.missing_required_header,
    checks.negative_data_rejection,
]


def build_machine(url: str, token: str, dialect: str) -> type[Any]:
    config = schemathesis.config.SchemathesisConfig.from_dict(
        {
            "phases": {"stateful": {"inference": {"algorithms": []}}},
            "generation": {"mode": "positive"},
            "auth": {"openapi": {"bearer": {"bearer": token}}},
        }
    )
    schema = schemathesis.openapi.from_path(str(CONTRACT), config=config).exclude(tag="admin")
    base: Any = schema.as_state_machine()
    create = schema["/api/tasks/me/with-session/nemo_agent"]["POST"]
    run_agent = schema["/run_sse"]["POST"]
    upload = schema["/api/upload-video/nemo_agent/me/{session_id}"]["POST"]
    headers = {
        "Authorization": f"Bearer {token}",
        "X-Skill-Source": "stateful",
        "X-Skill-Version": "1",
        "X-Skill-Platform": "unknown",
    }

    class Workflow(base):  # type: ignore[misc, valid-type]
        documented = Bundle("documented_sessions")

        def _root(self, case: Any) -> Any:
            step = StepInput.initial(case)
            self.recorder.record_case(case=case)
            self.control.record_step(step, self.recorder)
            return self._step(step)

        @initialize(target=documented)
        def create_session(self) -> Any:
            body = {"task_name": "project", "language": "en"}
            output = self._root(create.Case(body=body, media_type="application/json"))
            self.send_documented_message(output, TEXTS[0])  # every scenario streams once
            return output

        @rule(output=documented, text=st.sampled_from(TEXTS[:3]))
        def send_documented_message(self, output: Any, text: str) -> None:
            data = output.response.json().get("data") or {}
            if "session_id" in data:
                body = run_body(data["session_id"], text)
                self._root(run_agent.Case(body=body, media_type="application/json"))

        @rule(output=documented)
        def upload_url(self, output: Any) -> None:
            data = output.response.json().get("data") or {}
            if "session_id" in data:
                body = {"urls": ["https://cdn.example.com/clip.mp4"], "source_type": "url"}
                self._root(
                    upload.Case(
                        path_parameters={"session_id": data["session_id"]},
                        body=body,
                        media_type="application/json",
                    )
                )

        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"base_url": url, "headers": headers, "timeout": 30}

        def validate_response(
            self, response: Any, case: Any, additional_checks: Any = None, **kwargs: Any
        ) -> None:
            excluded = list(STATUS_CHECKS) if dialect == "ok200" else []
            if case.operation.definition.raw.get("operationId") == "uploadMedia":
                # schema-valid bytes need not be media: the fake probes them (4001)
                excluded.append(checks.positive_data_acceptance)
            case.validate_response(
                response,
                additional_checks=additional_checks,
                excluded_checks=excluded,
                transport_kwargs=kwargs,
                recorder=self.recorder,
            )

    return Workflow


@pytest.mark.parametrize("dialect", ["mapped", "ok200"])
@pytest.mark.nemo(
    seed=23,
    media_max_side=64,
    # Generated drafts are schema-valid but may last hours: the fake would encode them
    # for real, in threads that outlive the test. Failed renders are never encoded and
    # still walk every render operation and poll shape.
    render_failure_rate=1.0,
)
def test_stateful_links_conform(
    nemo_fake_server: ServerHandle, nemo_contract_checker: ContractChecker, dialect: str
) -> None:
    """On the plugin's server: manual clock, auto-advanced while a stream plays, so API
    time only moves inside streams and every run of a scenario gets the same answers
    (hypothesis replays scenarios; a scaled clock's 409s and render states would not)."""
    server = nemo_fake_server
    server.dialect(error_status=dialect)
    token = server.new_account(kind="registered", credits=10**9, plan="pro").token
    machine = build_machine(server.url, token, dialect)
    machine.run(settings=machine_settings(max_examples=12, steps=8))
    seen = Counter(
        (e.method, e.path.split("/")[2] if e.path.startswith("/api/") else e.path)
        for e in server.requests()
    )
    streams = [e for e in server.requests(path="/run_sse") if e.events]
    assert streams and nemo_contract_checker.sse_events > 0, "no stream was validated"
    # the links were followed: more than the roots (createSession, the documented message)
    assert len(seen) >= 5, f"the stateful run stayed at its roots: {seen}"
