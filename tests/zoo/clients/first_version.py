"""The first published skill: nemovideo/nemovideo_skills SKILL.md @27ce8fe ("init",
2026-03-13, Chinese). Only `Authorization` is ever sent: anonymous-token without
X-Client-Id (400 since v4.5) unless NEMO_TOKEN is set (its "manual token" path); the
user id from createSession in the upload/state paths and the /run_sse body; export at
POST /api/render/proxy/draft, poll GET /api/render/proxy/<id> reading top-level `status`
and `output.url` (no interval given: 10 s), download GET /api/render/proxy/<id>/download.
No attribution headers: export 402 for anonymous users (CHANGELOG 1.5).
"""

from tests.zoo.clients.common import main
from tests.zoo.clients.skill import Skill

SKILL = Skill(
    message="生成一段10秒的城市夜景视频",  # its own example is a placeholder
    sends_client_id=False,
    user_segment="user_id",
    sse_user_id="user_id",
    task_name="Video Project",
    language="zh-CN",
    submit_path="/api/render/proxy/draft",
    poll_path="/api/render/proxy/{id}",
    every=10,
    max_polls=60,
    download_via="proxy",
)
run = SKILL.run

if __name__ == "__main__":
    main(run)
