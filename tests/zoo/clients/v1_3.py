"""SKILL v1.3: nemovideo/nemovideo_skills @a82d4fd (2026-03-17; v1.4 @0f53a2e sends the
same requests). As v1.0-me, with `"user_id":"me"` in the /run_sse body; attribution
(nemo-video / 1.3 / github) on session and chat only. No attribution on export: 402 for
anonymous users (CHANGELOG 1.5).
"""

from tests.zoo.clients.common import main
from tests.zoo.clients.skill import Skill, attribution

SKILL = Skill(
    message="generate a 10-second video of a city timelapse",
    attribution=attribution("nemo-video", "1.3", "github"),
    attributed=frozenset(("session", "chat")),
)
run = SKILL.run

if __name__ == "__main__":
    main(run)
