#!/usr/bin/env bash
# The seeds' curl flow against the fake: token -> session -> upload -> credits -> state
# -> chat -> export -> poll -> download. Usage: NEMO_API_URL=http://127.0.0.1:8000 \
#   examples/curl_walkthrough.sh VIDEO_FILE OUT_FILE
# Needs curl and jq. Against the fake the clock is moved with /_fake/clock/advance, so the
# poll loop never waits on real time.
set -euo pipefail
API="${NEMO_API_URL:-http://127.0.0.1:8000}"
VIDEO="${1:?usage: curl_walkthrough.sh VIDEO_FILE OUT_FILE}"
OUT="${2:?usage: curl_walkthrough.sh VIDEO_FILE OUT_FILE}"
CLIENT_ID="$(cat /proc/sys/kernel/random/uuid 2>/dev/null || python3 -c 'import uuid; print(uuid.uuid4())')"
ATTR=(-H "X-Skill-Source: curl-walkthrough" -H "X-Skill-Version: 1.0" -H "X-Skill-Platform: unknown")
check() { jq -e '.code == 0' >/dev/null <<<"$1" || { echo "failed: $1" >&2; exit 1; }; }

# 1. anonymous token (X-Client-Id required)
R=$(curl -sS -X POST "$API/api/auth/anonymous-token" -H "X-Client-Id: $CLIENT_ID"); check "$R"
TOKEN=$(jq -r .data.token <<<"$R")
AUTH=(-H "Authorization: Bearer $TOKEN")
echo "token: ok (credits $(jq .data.credits <<<"$R"))"

# 2. session
R=$(curl -sS -X POST "$API/api/tasks/me/with-session/nemo_agent" "${AUTH[@]}" "${ATTR[@]}" \
  -H "Content-Type: application/json" -d '{"task_name":"project","language":"en"}'); check "$R"
SID=$(jq -r .data.session_id <<<"$R")
echo "session: $SID"

# 3. upload (multipart field `files`)
R=$(curl -sS -X POST "$API/api/upload-video/nemo_agent/me/$SID" "${AUTH[@]}" "${ATTR[@]}" -F "files=@$VIDEO"); check "$R"
echo "upload: $(jq -r '.data.files[0] | "\(.filename) \(.file_type) \(.width)x\(.height) \(.duration)s"' <<<"$R")"

# 4. credits
R=$(curl -sS "$API/api/credits/balance/simple" "${AUTH[@]}" "${ATTR[@]}"); check "$R"
echo "credits: $(jq -c .data <<<"$R")"

# 5. chat (SSE; the stream ends when the turn ends)
curl -sS -N --max-time 60 -X POST "$API/run_sse" "${AUTH[@]}" "${ATTR[@]}" \
  -H "Content-Type: application/json" -H "Accept: text/event-stream" \
  -d "{\"app_name\":\"nemo_agent\",\"user_id\":\"me\",\"session_id\":\"$SID\",\"new_message\":{\"parts\":[{\"text\":\"add a title Hello World\"}]}}" \
  | grep -c '^data:' | xargs -I{} echo "chat: {} data lines"

# 6. state
R=$(curl -sS "$API/api/state/nemo_agent/me/$SID/latest" "${AUTH[@]}" "${ATTR[@]}"); check "$R"
echo "state: $(jq '.data.state.video_infos | length' <<<"$R") video_infos"
DRAFT=$(jq -c .data.state.draft <<<"$R")
if ! jq -e '.t and ([.t[] | select((.sg | length) > 0)] | length > 0)' >/dev/null <<<"$DRAFT"; then
  # not exportable yet: build a one-track draft from the upload, as a client may
  DRAFT=$(jq -c '{t:[{tt:0, sg:[{s:0, d:(.data.state.video_infos[0].duration*1000|floor), src:.data.state.video_infos[0].cdn_url}]}]}' <<<"$R")
fi

# 7. export: submit, poll, download
RID="render_$(date +%s%3N)"
R=$(curl -sS -X POST "$API/api/render/proxy/lambda" "${AUTH[@]}" "${ATTR[@]}" -H "Content-Type: application/json" \
  -d "{\"id\":\"$RID\",\"sessionId\":\"$SID\",\"draft\":$DRAFT,\"output\":{\"format\":\"mp4\",\"quality\":\"high\"}}")
jq -e '.success == true' >/dev/null <<<"$R" || { echo "export failed: $R" >&2; exit 1; }
echo "export: $RID submitted"
URL=""
for _ in $(seq 1 30); do
  curl -sS -X POST "$API/_fake/clock/advance" -H "Content-Type: application/json" -d '{"seconds":10}' >/dev/null
  R=$(curl -sS "$API/api/render/proxy/lambda/$RID" "${AUTH[@]}" "${ATTR[@]}")
  STATUS=$(jq -r '.data.status // .status' <<<"$R")
  echo "poll: $STATUS $(jq -r '.data.progress // .progress' <<<"$R")%"
  if [ "$STATUS" = completed ]; then URL=$(jq -r '.data.outputUrl // .output.url' <<<"$R"); break; fi
  if [ "$STATUS" = failed ]; then echo "render failed: $R" >&2; exit 1; fi
done
[ -n "$URL" ] || { echo "render did not complete" >&2; exit 1; }
curl -sS -f -o "$OUT" "$URL" || curl -sS -f -o "$OUT" "$API/api/render/proxy/$RID/download" "${AUTH[@]}"
echo "download: $(wc -c <"$OUT") bytes"
