"""SKILL v4.5.1: nemovideo/nemovideo_skills @9e7f2a5 (2026-03-16, "X-Client-Id support,
and corrected render API response format"). X-Client-Id on anonymous-token;
`X-Skill-Source: nemo-video` on session and chat only; `<uid>` in upload/state paths and
the /run_sse body; poll every 30 s, at most 10, "Status at top-level `status`", "Download
URL at `output.url`". No attribution on export: 402 for anonymous users (CHANGELOG 1.5).
"""

from tests.zoo.clients.common import main
from tests.zoo.clients.skill import Skill, attribution

SKILL = Skill(
    message="generate a 10-second video of a city timelapse",  # its timeline example
    attribution=attribution("nemo-video"),
    attributed=frozenset(("session", "chat")),
    user_segment="user_id",
    sse_user_id="user_id",
)
run = SKILL.run

if __name__ == "__main__":
    main(run)
