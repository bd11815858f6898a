"""Runs labelled user prompts through `/run_sse` on a fresh in-process fake and judges
each turn by what it did (made a clip, asked, edited the draft, asked for an upload,
answered in text) and by the `checks` on the draft afterwards.

The prompt files: `../shared/prompts/examples.jsonl` (beside the clone in CI, else
/work/shared) and this folder's `prompts_own.jsonl`; rows as described in the shared
README (`label`, optional `accept`, `checks`, `setup`).
"""

from __future__ import annotations

import json
import re
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mock_server.testing.handles import FakeHandle

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = [
    ROOT.parent / "shared" / "prompts" / "examples.jsonl",
    Path("/work/shared/prompts/examples.jsonl"),
]
OWN = Path(__file__).with_name("prompts_own.jsonl")
DEFAULT_SETUP = "generate a 10-second video of a city street at night"
EXPECTED = {
    "generate": ["generated"],
    "edit": ["edited"],
    "needs_upload": ["asked_upload"],
    "question": ["answered"],
    "export": ["answered"],
}
FORMATS = re.compile(r"MP4, MOV")
_STOP = frozenset(
    [
        "this",
        "that",
        "with",
        "from",
        "your",
        "what",
        "which",
        "have",
        "into",
        "make",
        "video",
        "videos",
        "clip",
        "clips",
        "should",
        "want",
        "need",
        "about",
        "there",
        "their",
        "them",
        "they",
        "would",
        "could",
        "like",
        "some",
        "more",
        "give",
        "help",
        "best",
        "good",
        "using",
        "when",
        "where",
        "will",
        "does",
        "just",
        "only",
        "than",
        "then",
        "also",
        "each",
        "every",
        "other",
    ]
)


def examples_file() -> Path | None:
    return next((p for p in EXAMPLES if p.is_file()), None)


def load(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


@dataclass
class Turn:
    tools: list[str]
    texts: list[str]
    state: dict[str, Any]
    credits_used: int


@dataclass
class Verdict:
    row: dict[str, Any]
    outcome: str
    passed: bool
    problems: list[str] = field(default_factory=list)
    reply: str = ""


class Session:
    """One user with one session on a fake."""

    def __init__(self, handle: FakeHandle) -> None:
        self.handle = handle
        account = handle.new_account(kind="registered", credits=100_000)
        self.headers = {"Authorization": f"Bearer {account.token}"}
        created = handle.client.post(
            "/api/tasks/me/with-session/nemo_agent",
            headers=self.headers,
            json={"task_name": "project", "language": "en"},
        )
        self.session_id = created.json()["data"]["session_id"]

    def credits(self) -> int:
        body = self.handle.client.get("/api/credits/balance/simple", headers=self.headers).json()
        return int(body["data"]["total"])

    def state(self) -> dict[str, Any]:
        body = self.handle.client.get(
            f"/api/state/nemo_agent/me/{self.session_id}/latest", headers=self.headers
        ).json()
        return dict(body["data"]["state"])

    def send(self, text: str) -> Turn:
        before = self.credits()
        payload = {
            "app_name": "nemo_agent",
            "user_id": "me",
            "session_id": self.session_id,
            "new_message": {"role": "user", "parts": [{"text": text}]},
        }
        tools: list[str] = []
        texts: list[str] = []
        with self.handle.client.stream(
            "POST",
            "/run_sse",
            json=payload,
            headers={**self.headers, "Accept": "text/event-stream"},
        ) as response:
            assert response.status_code == 200, response.read()
            for line in response.iter_lines():
                if not line.startswith("data: ") or not line[6:].strip():
                    continue
                event = json.loads(line[6:])
                if event.get("partial"):
                    continue
                for part in (event.get("content") or {}).get("parts") or []:
                    if "functionCall" in part:
                        tools.append(part["functionCall"]["name"])
                    elif "text" in part:
                        texts.append(part["text"])
        return Turn(tools, texts, self.state(), before - self.credits())


def _videos(state: dict[str, Any]) -> int:
    return sum(1 for m in state.get("generated_media") or [] if m.get("type") == "video")


def _tracks(draft: dict[str, Any], tt: int) -> list[dict[str, Any]]:
    return [t for t in draft.get("t") or [] if t.get("tt") == tt and t.get("sg")]


def outcome_of(before: dict[str, Any], turn: Turn) -> str:
    if _videos(turn.state) > _videos(before):
        return "generated"
    if "ask_question" in turn.tools:
        return "asked"
    if (turn.state.get("draft") or {}) != (before.get("draft") or {}):
        return "edited"
    text = " ".join(turn.texts)
    if FORMATS.search(text):
        return "asked_upload"
    return "answered" if text.strip() else "silent"


def _content_words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z][a-z'-]{3,}", text.lower()) if w not in _STOP}


def on_subject(prompt: str, reply: str) -> bool:
    """Whether a text answer is about the prompt: a shared content word (English) or a
    shared two-character word (Chinese); a balance question is answered with numbers."""
    if re.search(r"余额|积分|credits?\b|balance", prompt, re.I):
        return bool(re.search(r"\d", reply))
    if re.search(r"[\u3400-\u9fff]", prompt):
        grams = {prompt[i : i + 2] for i in range(len(prompt) - 1)}
        grams = {g for g in grams if re.fullmatch(r"[\u3400-\u9fff]{2}", g) and g != "视频"}
        return any(g in reply for g in grams)
    return bool(_content_words(prompt) & _content_words(reply))


def check_draft(checks: dict[str, Any], before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """The problems of the draft after the turn against the row's `checks`."""
    problems: list[str] = []
    draft, old = after.get("draft") or {}, before.get("draft") or {}
    length = int(draft.get("d") or 0)
    meta = draft.get("m") or {}
    width, height = int(meta.get("width") or 0), int(meta.get("height") or 0)
    video = _tracks(draft, 0)
    texts = [seg for t in _tracks(draft, 7) for seg in t["sg"]]
    for key, want in checks.items():
        if key == "seconds" and abs(length - want * 1000) > 1:
            problems.append(f"length {length} ms, want {want} s")
        elif key == "seconds_max" and length > want * 1000:
            problems.append(f"length {length} ms, want at most {want} s")
        elif key == "seconds_min" and length < want * 1000:
            problems.append(f"length {length} ms, want at least {want} s")
        elif key == "aspect":
            a, b = (int(x) for x in str(want).split(":"))
            if not width or abs(width / height - a / b) > 0.02:
                problems.append(f"canvas {width}x{height}, want {want}")
        elif key == "resolution" and min(width, height) != want:
            problems.append(f"canvas {width}x{height}, want {want}p")
        elif key == "audio" and _tracks(draft, 1) == _tracks(old, 1):
            problems.append("the audio track did not change")
        elif key == "text" and (not texts or _tracks(draft, 7) == _tracks(old, 7)):
            problems.append("the text tracks did not change")
        elif key == "text_contains" and not any(want in str(s.get("tx")) for s in texts):
            problems.append(f"no text segment contains {want!r}")
        elif key == "no_text" and texts:
            problems.append(f"text present: {[s.get('tx') for s in texts]}")
        elif key == "keep_video":
            old_src = {s.get("src") for t in _tracks(old, 0) for s in t["sg"]}
            new_src = {s.get("src") for t in video for s in t["sg"]}
            if not new_src or not new_src <= old_src:
                problems.append("the video was replaced")
        elif key == "subtitles" and not any(s.get("k") == "subtitle" for s in texts):
            problems.append("no subtitle cues")
        elif key == "fx" and not any(want in (s.get("fx") or []) for t in video for s in t["sg"]):
            problems.append(f"no {want} filter")
        elif key == "fade" and not any(s.get("fi") or s.get("fo") for t in video for s in t["sg"]):
            problems.append("no fade")
        elif key == "speed" and not any(float(s.get("sp", 1)) != 1 for t in video for s in t["sg"]):
            problems.append("no speed change")
    return problems


def judge(row: dict[str, Any], seed: int = 7) -> Verdict:
    """Run one row on a fresh fake and judge it."""
    with tempfile.TemporaryDirectory(prefix="nemo-prompt-") as tmp:
        handle = FakeHandle.create(
            {"clock": "manual", "seed": seed, "media_max_side": 320}, Path(tmp)
        )
        try:
            session = Session(handle)
            if row["label"] in ("edit", "export"):
                setup = session.send(row.get("setup") or DEFAULT_SETUP)
                assert _videos(setup.state) == 1, setup.texts
            before = session.state()
            turn = session.send(row["prompt"])
        finally:
            handle.close()
    outcome = outcome_of(before, turn)
    accept = row.get("accept") or EXPECTED[row["label"]]
    problems: list[str] = []
    reply = " ".join(turn.texts)
    if outcome not in accept:
        problems.append(f"{outcome}, want {' or '.join(accept)}")
    if outcome in ("answered", "asked", "asked_upload") and turn.credits_used:
        problems.append(f"a text turn cost {turn.credits_used} credits")
    if (
        outcome == "answered"
        and row["label"] == "question"
        and not on_subject(row["prompt"], reply)
    ):
        problems.append("the answer is not about the question")
    if (
        row["label"] == "export"
        and outcome == "answered"
        and not re.search(r"export|导出", reply, re.I)
    ):
        problems.append("the reply does not say how to export")
    if row.get("lang") == "zh" and turn.texts and not re.search(r"[\u3400-\u9fff]", reply):
        problems.append("a Chinese prompt answered in English")
    if outcome in ("generated", "edited") or row["label"] == "export":
        problems += check_draft(row.get("checks") or {}, before, turn.state)
    return Verdict(row, outcome, not problems, problems, reply)


def rates(verdicts: list[Verdict]) -> dict[str, tuple[int, int]]:
    total: Counter[str] = Counter()
    passed: Counter[str] = Counter()
    for v in verdicts:
        total[v.row["label"]] += 1
        passed[v.row["label"]] += v.passed
    return {label: (passed[label], total[label]) for label in sorted(total)}


def report(name: str, verdicts: list[Verdict]) -> str:
    lines = [f"{name}: pass rate per label"]
    for label, (ok, n) in rates(verdicts).items():
        lines.append(f"  {label:<13} {ok:>3}/{n:<3} {100 * ok / n:5.1f} %")
    for v in verdicts:
        if not v.passed:
            lines.append(
                f"  FAIL {v.row.get('id')} [{v.row['label']}] {v.row['prompt'][:80]!r}: {'; '.join(v.problems)}"
            )
    return "\n".join(lines)
