"""SKILL v1.5: nemovideo/nemovideo_skills @7ab544f (2026-03-18, "fix curl examples ...
necessary headers for render, upload, credits, and state"; v1.6-v1.8.2 send the same
requests). The three attribution headers ($SKILL_NAME nemo-video, $SKILL_VERSION 1.5,
$SKILL_SOURCE detected, fallback `unknown`) on every request, `me` paths, `"user_id":"me"`;
poll top-level `status` and `output.url` every 30 s, at most 10; download `output.url`.
"""

from tests.zoo.clients.common import main
from tests.zoo.clients.skill import EVERY_STEP, Skill, attribution

SKILL = Skill(
    message="generate a 10-second video of a city timelapse",
    attribution=attribution("nemo-video", "1.5", "unknown"),
    attributed=EVERY_STEP,
)
run = SKILL.run

if __name__ == "__main__":
    main(run)
