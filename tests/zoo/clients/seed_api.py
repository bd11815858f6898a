"""The seed "free-video-generation-api" (a clawhub derivative skill, bwbernardweston18;
/work/shared/seeds/004): X-Client-Id on anonymous-token; Bearer plus the three
attribution headers (free-video-generation-api / frontmatter version / unknown) on every
call; `me` paths; body `{"task_name":"project","language":"<detected>"}`; poll
`/api/render/proxy/lambda/<id>` every 30 s "until status = completed. Download URL at
output.url" (no poll limit given: 10 here, as its parent skill).
"""

from tests.zoo.clients.common import main
from tests.zoo.clients.skill import EVERY_STEP, Skill, attribution

SKILL = Skill(
    message="generate a short video clip from a text description using the free API tier",
    attribution=attribution("free-video-generation-api", "1.0.0", "unknown"),
    attributed=EVERY_STEP,
)
run = SKILL.run

if __name__ == "__main__":
    main(run)
