"""The seed "free-video-generation-ai-model" v1.0.0 (a clawhub derivative skill;
/work/shared/seeds/000): as the other seed, with its own attribution source; "Poll
GET /api/render/proxy/lambda/<id> every 30s for completed status and download URL" (the
fields are not named: top-level `status` and `output.url`, as its sibling seed says).
Its workflow is "Upload -> 'generate a 30-second video ...' -> Download MP4".
"""

from tests.zoo.clients.common import main
from tests.zoo.clients.skill import EVERY_STEP, Skill, attribution

SKILL = Skill(
    message="generate a 30-second video from my text prompt with cinematic style",
    attribution=attribution("free-video-generation-ai-model", "1.0.0", "unknown"),
    attributed=EVERY_STEP,
)
run = SKILL.run

if __name__ == "__main__":
    main(run)
