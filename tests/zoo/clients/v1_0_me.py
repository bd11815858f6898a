"""SKILL v1.0 after "use `me` in paths": nemovideo/nemovideo_skills @c74ec3b (2026-03-17;
also v1.1 @4a72843 and v1.2 @6049998, same requests). `me` in upload/state paths; the
/run_sse body has no user_id ("Only NEMO_TOKEN and session_id are required"); attribution
(nemo-video / 1.0 / github) on session and chat only; poll top-level `status` and
`output.url` every 30 s, at most 10. No attribution on export: 402 for anonymous users.
"""

from tests.zoo.clients.common import main
from tests.zoo.clients.skill import Skill, attribution

SKILL = Skill(
    message="generate a 10-second video of a city timelapse",
    attribution=attribution("nemo-video", "1.0", "github"),
    attributed=frozenset(("session", "chat")),
    sse_user_id="absent",
)
run = SKILL.run

if __name__ == "__main__":
    main(run)
