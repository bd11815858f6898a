"""SKILL v1.0 as first numbered: nemovideo/nemovideo_skills @288c689 (2026-03-16; the
v4.6 text of @cdbcf03 with the version renumbered). X-Client-Id on anonymous-token; the
three attribution headers (nemo-video / 1.0 / github) on session and chat, as its curl
examples show them ("All API requests MUST include" them, but the examples for upload,
state and render do not: the fault CHANGELOG 1.5 fixed); `<uid>` in upload/state paths
and the /run_sse body; poll top-level `status`, `output.url` every 30 s, at most 10.
No attribution on export: 402 for anonymous users.
"""

from tests.zoo.clients.common import main
from tests.zoo.clients.skill import Skill, attribution

# Deliberately written out, not derived from v4_5_1 (the same requests but the full
# attribution): each module transcribes its own document.
SKILL = Skill(
    message="generate a 10-second video of a city timelapse",
    attribution=attribution("nemo-video", "1.0", "github"),
    attributed=frozenset(("session", "chat")),
    user_segment="user_id",
    sse_user_id="user_id",
)
run = SKILL.run

if __name__ == "__main__":
    main(run)
