"""Record, replay and drift-check NemoVideo sessions (cassettes).

    from mock_server.recording import Cassette, RecordingProxy, replay_app, verify_cassette

- `Cassette` (cassette.py): load/save/validate one session file (contracts/cassette.schema.json).
- `Redactor` (redact.py): secrets -> stable placeholders (`<TOKEN_1>`, `<CLIENT_ID_1>`, ...).
- `RecordingProxy` (record.py): the ASGI reverse proxy behind `nemo-fake record`.
- `import_har` (har.py): a browser HAR 1.2 export -> a cassette.
- `replay_app` / `ReplayApp` (replay.py): the ASGI app behind `nemo-fake replay`.
- `verify_cassette` (verify.py) + pure comparisons (drift.py): `nemo-fake verify`.
- `nemo_replay` (pytest_fixtures.py): the pytest fixture.
"""

from mock_server.recording.cassette import (
    Cassette,
    CassetteError,
    Interaction,
    RecordedRequest,
    RecordedResponse,
    SSEChunk,
)
from mock_server.recording.har import import_har
from mock_server.recording.record import RecordingProxy
from mock_server.recording.redact import Redactor
from mock_server.recording.replay import ReplayApp, replay_app
from mock_server.recording.verify import CassetteReport, print_reports, verify_cassette

__all__ = [
    "Cassette",
    "CassetteError",
    "CassetteReport",
    "Interaction",
    "RecordedRequest",
    "RecordedResponse",
    "RecordingProxy",
    "Redactor",
    "ReplayApp",
    "SSEChunk",
    "import_har",
    "print_reports",
    "replay_app",
    "verify_cassette",
]
