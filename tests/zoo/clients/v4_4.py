"""SKILL v4.4 with references/api-reference.md: nemovideo/nemovideo_skills @7fe0b89
(2026-03-16; reverted by 79e38a5, but published). anonymous-token without X-Client-Id
(400 since v4.5) unless NEMO_TOKEN is set; `X-Skill-Source: nemo-video` on session and
chat only; the user id in upload/state paths and the /run_sse body; poll every 30 s, at
most 10, reading `data.status` ("NOT top-level") and `data.outputUrl`. No attribution on
export: 402 for anonymous users (CHANGELOG 1.5).
"""

from tests.zoo.clients.common import main
from tests.zoo.clients.skill import Skill, attribution

SKILL = Skill(
    message="generate a 10-second video of a city at night",  # its example, in English
    sends_client_id=False,
    attribution=attribution("nemo-video"),
    attributed=frozenset(("session", "chat")),
    user_segment="user_id",
    sse_user_id="user_id",
    poll_reads="data",
)
run = SKILL.run

if __name__ == "__main__":
    main(run)
