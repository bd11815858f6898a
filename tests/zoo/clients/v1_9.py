"""SKILL v1.9: nemovideo/nemovideo_skills @7d8899f (2026-03-19, claim tokens). As v1.5,
version 1.9, plus POST /api/auth/claim-token {task_id, session_id} after the session (the
browser link uses the `clm_` token, never NEMO_TOKEN).
"""

from tests.zoo.clients.common import main
from tests.zoo.clients.skill import EVERY_STEP, Skill, attribution

SKILL = Skill(
    message="generate a 10-second video of a city timelapse",
    attribution=attribution("nemo-video", "1.9", "unknown"),
    attributed=EVERY_STEP,
    claim=True,
)
run = SKILL.run

if __name__ == "__main__":
    main(run)
