"""The markdown report of one `make bench` run (the JSON beside it has every number)."""

from __future__ import annotations

from typing import Any

PEER_NAMES = {
    "wiremock": "WireMock",
    "prism": "Prism",
    "mockoon": "Mockoon",
    "nemo-fake": "nemo-fake",
}


def _f(value: Any, digits: int = 1, unit: str = "") -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        text = f"{value:,.{digits}f}"
    else:
        text = f"{value:,}" if isinstance(value, int) else str(value)
    return f"{text}{unit}"


def _x(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}x"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return [*lines, ""]


def goals(r: dict[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    http = r.get("http", {})
    prism = http.get("ratios", {}).get("prism")
    if prism:
        worst = min(prism[k]["rps_ratio"] or 0 for k in ("credits", "state"))
        out.append(
            {
                "goal": "fake ≥ 2.5x Prism's req/s (both GETs)",
                "measured": f"{prism['credits']['rps_ratio']:.2f}x credits, {prism['state']['rps_ratio']:.2f}x state",
                "met": worst >= 2.5,
            }
        )
    wiremock = http.get("ratios", {}).get("wiremock")
    if wiremock:
        worst = min(wiremock[k]["rps_ratio"] or 0 for k in ("credits", "state"))
        out.append(
            {
                "goal": "one process ≥ 1.0x WireMock's req/s (both GETs, same run)",
                "measured": f"{wiremock['credits']['rps_ratio']:.2f}x credits, {wiremock['state']['rps_ratio']:.2f}x state",
                "met": worst >= 1.0,
            }
        )
    best = r.get("stores", {}).get("ratios", {}).get("_best")
    if best and best["credits"]["ratio"] is not None and best["state"]["ratio"] is not None:
        out.append(
            {
                "goal": "the fake's best store and worker count ≥ WireMock's req/s (both GETs)",
                "measured": f"{best['credits']['ratio']:.2f}x credits ({best['credits']['variant']}), "
                f"{best['state']['ratio']:.2f}x state ({best['state']['variant']})",
                "met": min(best["credits"]["ratio"], best["state"]["ratio"]) >= 1.0,
            }
        )
    start = r.get("startup", {})
    if start.get("servers"):
        ranked = sorted(
            (v["median_s"], k) for k, v in start["servers"].items() if v["median_s"] is not None
        )
        out.append(
            {
                "goal": "start-up: the fake first",
                "measured": ", ".join(f"{PEER_NAMES.get(k, k)} {s:.2f} s" for s, k in ranked),
                "met": bool(start.get("fake_first")),
            }
        )
    inproc = r.get("inprocess")
    if inproc:
        cpu = inproc.get("ratio_cpu")
        out.append(
            {
                "goal": "in-process flow ≤ 2x the respx floor (encoding excluded)",
                "measured": f"{inproc['ratio_without_encoding']:.2f}x wall ({inproc['fake_without_encoding_ms']:.1f} ms vs {inproc['floor_ms']:.2f} ms)"
                + (f"; {cpu:.2f}x CPU" if cpu is not None else ""),
                "met": inproc["ratio_without_encoding"] <= 2,
            }
        )
        for name, call in (inproc.get("single_call") or {}).items():
            out.append(
                {
                    "goal": f"in process, a single REST call ({name}) ≤ 1.2x respx",
                    "measured": f"{call['ratio']:.2f}x wall ({call['fake_us']:.0f} µs vs {call['floor_us']:.0f} µs); {call['ratio_cpu']:.2f}x CPU",
                    "met": call["ratio"] <= 1.2,
                }
            )
    render = r.get("render", {}).get("drafts", {})
    for name, d in render.items():
        cpu_av = f"; {d['cpu_ratio_av']:.2f}x vs video + AAC" if "cpu_ratio_av" in d else ""
        out.append(
            {
                "goal": f"render {name} ≤ 1.15x the encoder floor",
                "measured": f"{d['ratio']:.2f}x wall ({d['render_median_s']:.2f} s vs {d['floor_median_s']:.2f} s); "
                f"CPU {d['cpu_ratio']:.2f}x ({d['render_cpu_s']:.2f} s vs {d['floor_cpu_s']:.2f} s){cpu_av}",
                "met": d["ratio"] is not None and d["ratio"] <= 1.15,
            }
        )
    if "title_card" in render:
        d = render["title_card"]
        out.append(
            {
                "goal": "10 s 1080x1920 export < 1.5 s wall",
                "measured": f"{d['render_median_s']:.2f} s",
                "met": d["render_median_s"] < 1.5,
            }
        )
    sse = r.get("sse")
    if sse:
        out.append(
            {
                "goal": "SSE: every stream completes, up to 2,000 at once",
                "measured": ", ".join(f"{x['streams']}: {x['dropped']} dropped" for x in sse),
                "met": all(x["dropped"] == 0 for x in sse),
            }
        )
    suite = r.get("suite")
    if suite:
        out.append(
            {
                "goal": "`make test` green",
                "measured": f"exit {suite['exit_code']} in {suite['wall_s']:.0f} s"
                + (
                    f" (failed: {', '.join(suite['failed_steps'])})"
                    if suite.get("failed_steps")
                    else ""
                ),
                "met": suite["exit_code"] == 0,
            }
        )
    return out


def markdown(r: dict[str, Any]) -> str:
    m, v = r["machine"], r.get("versions", {})
    lines = [
        f"# nemo-fake benchmark — {r['date']}",
        "",
        f"Machine: **{m['cores']} cores** ({m['cpu_model'] or 'unknown CPU'}), {m['memory_gb']} GB, "
        f"{m['os']}, Python {m['python']}.",
        f"Peers: WireMock {v.get('wiremock', '?')} (standalone jar on Java {v.get('java', '?')}), "
        f"Prism {v.get('prism', '?')}, Mockoon CLI {v.get('mockoon', '?')} (Node {v.get('node', '?')}). "
        f"Load generator: {v.get('wrk', '?')}; profiler: {v.get('py-spy', '?')}.",
        f"Sections: {', '.join(r['sections'])}{' — QUICK MODE, not for comparison' if r.get('quick') else ''}. "
        f"Wall time of the run: **{r.get('wall_s', 0):.0f} s** (installs {r.get('install', {}).get('seconds', 0)} s).",
        "Reproduce: `make bench` (see benchmarks/README.md for subsets and how to read this).",
        "",
    ]
    if r.get("errors"):
        lines += ["**Errors:**", ""]
        for name, text in r["errors"].items():
            lines += [f"- {name}: `{text.strip().splitlines()[-1][:300]}`"]
        lines.append("")
    lines += ["## Goals", ""]
    lines += _table(
        ["goal", "measured", "met"],
        [[g["goal"], g["measured"], "yes" if g["met"] else "**no**"] for g in goals(r)],
    )
    shares = r.get("cpu_share", {})
    if shares:
        lines += [
            "Machine share per section (CPU cores busy on average; *other* = processes that are "
            "not this bench — on a shared machine they slow every figure down):",
            "",
        ]
        lines += _table(
            ["section", "wall s", "bench cores", "other cores", "load avg before"],
            [
                [
                    k,
                    _f(s["wall_s"]),
                    _f(s["bench_cores"], 2),
                    _f(s["other_cores"], 2),
                    _f(s["load_before"][0], 2),
                ]
                for k, s in shares.items()
            ],
        )
    lines += _http(r.get("http"))
    lines += _startup(r.get("startup"))
    lines += _sse(r.get("sse"))
    lines += _inprocess(r.get("inprocess"))
    lines += _agent(r.get("agent"))
    lines += _render(r.get("render"))
    lines += _suite(r.get("suite"))
    lines += _stores(r.get("stores"))
    return "\n".join(lines).rstrip() + "\n"


def _stores(st: dict[str, Any] | None) -> list[str]:
    if not st:
        return []
    lines = [
        "## 7. Stores and workers",
        "",
        "`nemo-fake serve --store … --workers N`, the same wrk runs as section 1, each variant "
        "started fresh; WireMock serves the same bytes in the same run. Ratios are the "
        "variant's req/s over WireMock's.",
        "",
    ]
    wm = st.get("wiremock", {}).get("endpoints", {})
    rows = []
    for name, v in st.get("variants", {}).items():
        if "error" in v:
            rows.append([name, v["error"][:80], "", "", "", ""])
            continue
        e, r = v["endpoints"], st.get("ratios", {}).get(name, {})
        rows.append(
            [
                name,
                _f(e["credits"]["median_rps"]),
                _f(r.get("credits"), 2, "x"),
                _f(e["state"]["median_rps"]),
                _f(r.get("state"), 2, "x"),
                _f(e["create_session"]["median_rps"]),
            ]
        )
    rows.append(
        [
            "WireMock",
            _f(wm.get("credits", {}).get("median_rps")),
            "1x",
            _f(wm.get("state", {}).get("median_rps")),
            "1x",
            "—",
        ]
    )
    lines += _table(
        [
            "variant",
            "credits req/s",
            "vs WireMock",
            "state req/s",
            "vs WireMock",
            "POST session req/s",
        ],
        rows,
    )
    return lines


def _http(h: dict[str, Any] | None) -> list[str]:
    if not h:
        return []
    lines = [
        "## 1. Throughput and latency",
        "",
        f"`{h['config']['wrk']}`, {h['config']['runs']} runs, median req/s and median p99 "
        f"(every endpoint warmed up first: {h['config']['warmup_s']:g} s each, WireMock {h['config']['wiremock_warmup_s']:g} s), "
        "one server at a time on 127.0.0.1, the fake's bearer token in every request. "
        "`state` is a session with a generated 3-track draft (video, BGM, title), built through the "
        "fake's API; WireMock and Mockoon return the fake's exact bytes, Prism the contract's example.",
        "",
    ]
    rows = []
    for name, s in h["servers"].items():
        if "endpoints" not in s:
            rows.append(
                [
                    PEER_NAMES.get(name, name),
                    "—",
                    f"error: {s.get('error', '?')[:80]}",
                    "",
                    "",
                    "",
                    "",
                    "",
                ]
            )
            continue
        c, st = s["endpoints"]["credits"], s["endpoints"]["state"]
        rows.append(
            [
                PEER_NAMES.get(name, name),
                s["version"],
                _f(c["median_rps"], 0),
                _f(c["median_p99_ms"], 1, " ms"),
                _f(st["median_rps"], 0),
                _f(st["median_p99_ms"], 1, " ms"),
                f"{c['bytes']} / {st['bytes']}"
                + ("" if st.get("same_bytes_as_fake") else " (own example)"),
                _f(s.get("peak_rss_mb"), 0, " MB"),
            ]
        )
    lines += _table(
        [
            "server",
            "version",
            "credits req/s",
            "credits p99",
            "state req/s",
            "state p99",
            "bytes (credits / state)",
            "peak RSS",
        ],
        rows,
    )
    ratios = h.get("ratios", {})
    if ratios:
        lines += [
            "The fake's figure ÷ the peer's (req/s: higher is better for the fake; p99: lower is better):",
            "",
        ]
        lines += _table(
            ["vs", "credits req/s", "state req/s", "credits p99", "state p99"],
            [
                [
                    PEER_NAMES.get(n, n),
                    _x(x["credits"]["rps_ratio"]),
                    _x(x["state"]["rps_ratio"]),
                    _x(x["credits"]["p99_ratio"]),
                    _x(x["state"]["p99_ratio"]),
                ]
                for n, x in ratios.items()
            ],
        )
    fake_run = h["servers"].get("nemo-fake", {})
    if "log_lines" in fake_run:
        lines += [
            f"The fake: {fake_run['note']}; it printed {fake_run['log_lines']} log lines in the "
            "whole section (its start-up banner), so no access log.",
            "",
        ]
    prism = h["servers"].get("prism", {})
    if "loads_contract_unchanged" in prism:
        if prism["loads_contract_unchanged"]:
            lines += [
                "Prism loads `contracts/openapi.yaml` (OpenAPI 3.1.0) unchanged and serves its examples.",
                "",
            ]
        else:
            lines += [
                f"Prism could not load the 3.1 contract: `{prism.get('why_not')}`; it ran on {prism.get('input')}.",
                "",
            ]
    fake = h["servers"].get("nemo-fake", {})
    post = fake.get("endpoints", {}).get("create_session")
    if post:
        lines += [
            f"Stateful `POST /api/tasks/me/with-session/nemo_agent` on the fake (wrk Lua script): "
            f"**{_f(post['median_rps'], 0)} req/s**, p99 {_f(post['median_p99_ms'], 1, ' ms')}, "
            f"{post['non_2xx']} non-2xx.",
            "",
        ]
    lines += _bounds(fake.get("profile"))
    return lines


def _bounds(p: dict[str, Any] | None) -> list[str]:
    if not p or "layers" not in p:
        return []
    lines = [
        "### What bounds the fake",
        "",
        f"py-spy, 100 Hz, {p['samples']} samples of the fake serving `state` under the same wrk load "
        f"({_f(p.get('rps_while_sampled'), 0)} req/s while sampled). Own time by layer:",
        "",
    ]
    lines += _table(
        ["layer", "share"], [[x["layer"], f"{x['share_pct']:.1f} %"] for x in p["layers"]]
    )
    lines += ["Top frames by own time:", ""]
    lines += _table(
        ["frame", "share"],
        [[f"`{x['frame']}`", f"{x['share_pct']:.1f} %"] for x in p["top_own"][:12]],
    )
    lines += [
        f"The request journal + fault middleware (on, as always) costs **{p['journal_middleware_pct']:.1f} %** "
        "of the fake's CPU on this endpoint (its own frames, excluding the app it wraps and the socket writes).",
        "",
        "One Python process serves everything (its state lives in it), on one core, while "
        "WireMock's JVM spreads over both (wrk takes its share of the same two cores). Per "
        "request the fake pays uvicorn's HTTP layer (httptools parsing, a task and a "
        "response cycle per request; the connection's writes in one event-loop turn leave "
        "in one send(), so a whole response is one syscall — `CoalescingTransport.flush` "
        "above is that send, and py-spy's samples there include the loopback delivery to "
        "wrk), FastAPI/Starlette's middleware stack (the two hot GETs skip the router: "
        "`mock_server/http/fast_path.py`), the JSON encoding of the body (orjson, "
        "byte-identical to the stdlib's compact JSON: `mock_server.compact_json`), and the "
        "journal (an entry per request holding the raw request and response, masked and "
        "parsed when read). Next steps, largest first: uvicorn's per-request machinery (a "
        "task, a response cycle, a keep-alive timer, the header checks: in CPU time about "
        "30 µs a request where a bare asyncio protocol answering the same bytes takes 7 µs), "
        "then the Starlette layers left around the fast path. The state body is encoded for "
        "each request (a few % of it): bytes kept per state version would need every writer "
        "of a session, the agent's in-place draft edits included, to move the version. Past "
        "that the bound is one CPython core per "
        "process, and the fake's state cannot be split across worker processes without "
        "changing what it is.",
        "",
    ]
    return lines


def _startup(s: dict[str, Any] | None) -> list[str]:
    if not s or not s.get("servers"):
        return []
    fake = s["servers"].get("nemo-fake", {}).get("median_s")
    lines = [
        "## 2. Start-up",
        "",
        "Seconds from process start to the first good answer (`GET /_fake/health` for the fake, "
        "the stubbed credits route for the peers), polled every 2 ms; median of "
        f"{s['reps']} cold starts.",
        "",
    ]
    lines += _table(
        ["server", "runs (s)", "median", "÷ the fake's"],
        [
            [
                PEER_NAMES.get(n, n),
                ", ".join(f"{t:.3f}" for t in x["seconds"]),
                _f(x["median_s"], 3, " s"),
                _x(None if not fake or x["median_s"] is None else x["median_s"] / fake),
            ]
            for n, x in s["servers"].items()
        ],
    )
    imports = s.get("fake_imports")
    if imports:
        top = ", ".join(f"{x['module']} {x['ms']:.0f} ms" for x in imports["top"][:6])
        heavy = ", ".join(imports["heavy_modules_loaded"]) or "none"
        lines += [
            f"The fake's server path imports in {imports['total_ms']:.0f} ms (`python -X importtime`): {top}. "
            f"Media/test libraries loaded at start-up: {heavy} (PyAV, numpy, Pillow and PyYAML load on first use).",
            "",
        ]
    return lines


def _sse(levels: list[dict[str, Any]] | None) -> list[str]:
    if not levels:
        return []
    c = levels[0]["config"]
    lines = [
        "## 3. SSE streams held by one process",
        "",
        f"N concurrent `/run_sse` generation turns, each ~{c['target_turn_seconds']:g} s of real time "
        f"(scaled clock), heartbeats every {c['heartbeat_interval_real_s']:g} s, raw asyncio client, "
        f"file-descriptor limit raised to {levels[0]['machine'].get('fd_limit')}.",
        "",
    ]
    lines += _table(
        [
            "streams",
            "completed",
            "dropped",
            "heartbeats",
            "turn p50 / max",
            "first byte max",
            "server peak RSS",
            "server CPU",
        ],
        [
            [
                _f(x["streams"]),
                _f(x["completed"]),
                _f(x["dropped"]) + (f" {x['errors']}" if x["errors"] else ""),
                _f(x["heartbeats_total"]),
                f"{_f(x['turn_seconds_p50'], 2)} / {_f(x['turn_seconds_max'], 2)} s",
                _f(x["first_byte_max_s"], 2, " s"),
                _f(x["server_rss_peak_mb"], 0, " MB"),
                _f(x["server_cpu_seconds"], 1, " s"),
            ]
            for x in levels
        ],
    )
    return lines


def _agent(a: dict[str, Any] | None) -> list[str]:
    if not a:
        return []
    lines = [
        "## Agent: understanding a message",
        "",
        f"`understand()` over {a['messages']} labelled prompts (target: well under 10 ms each).",
        "",
    ]
    lines += _table(
        ["first pass, max ms", "warm mean ms", "warm p99 ms", "warm max ms"],
        [
            [
                _f(a["cold_max_ms"], 2),
                _f(a["warm_mean_ms"], 3),
                _f(a["warm_p99_ms"], 2),
                _f(a["warm_max_ms"], 2),
            ]
        ],
    )
    return [*lines, ""]


def _inprocess(i: dict[str, Any] | None) -> list[str]:
    if not i:
        return []
    lines = [
        "## 4. In-process cost",
        "",
        f"The seeds' flow ({i['requests']} requests: token → session → `/run_sse` generation → state → "
        "export → poll → download) through `Fake` + the sync `StreamingTransport` on the manual clock, "
        f"median of {i['iterations']}; encoding is real but small (`media_max_side={i['media_max_side']}`). "
        "*Without encoding* stops the timer while the render job (clip + BGM synthesis, H.264/AAC encode) runs. "
        "The floor: respx routes returning pre-built responses with the same bytes "
        f"(SSE {i['sse_bytes']} B, MP4 {i['mp4_bytes']} B).",
        "",
    ]
    lines += _table(
        ["", "ms", "÷ respx floor"],
        [
            ["respx floor", _f(i["floor_ms"], 2), "1.00x"],
            [
                "same bytes from a trivial ASGI app through `StreamingTransport`",
                _f(i["transport_floor_ms"], 2),
                _x(i["ratio_transport_floor"]),
            ],
            [
                "**the fake, without encoding**",
                _f(i["fake_without_encoding_ms"], 2),
                _x(i["ratio_without_encoding"]),
            ],
            [
                "the fake, with encoding",
                _f(i["fake_with_encoding_ms"], 1),
                _x(i["ratio_with_encoding"]),
            ],
            ["(the render job alone)", _f(i["render_job_ms"], 1), ""],
        ],
    )
    if "fake_cpu_ms" in i:
        lines += [
            "CPU time of the calling thread (`time.thread_time`; the in-process app runs in the "
            "caller's thread, the render job's threads are not counted): the fake "
            f"{_f(i['fake_cpu_ms'], 2)} ms, the respx floor {_f(i['floor_cpu_ms'], 2)} ms "
            f"({_x(i['ratio_cpu'])}), the transport alone {_f(i['transport_floor_cpu_ms'], 2)} ms.",
            "",
        ]
    single = i.get("single_call") or {}
    if single:
        lines += [
            "A single REST call through the fixture's client, against respx returning its bytes "
            "(rounds of 300 calls alternating with the floor; median round):",
            "",
        ]
        lines += _table(
            [
                "call",
                "bytes",
                "fake µs",
                "respx µs",
                "÷ respx",
                "fake CPU µs",
                "respx CPU µs",
                "÷ CPU",
            ],
            [
                [
                    name,
                    str(c["bytes"]),
                    _f(c["fake_us"], 1),
                    _f(c["floor_us"], 1),
                    _x(c["ratio"]),
                    _f(c["fake_cpu_us"], 1),
                    _f(c["floor_cpu_us"], 1),
                    _x(c["ratio_cpu"]),
                ]
                for name, c in single.items()
            ],
        )
    cpu = i.get("request_cpu_ms") or {}
    if cpu:
        lines += [
            "Per request: time inside the app (the journal's `duration_ms`, wall) and the "
            "calling thread's CPU for the whole request, client included, beside the respx "
            "floor's (medians):",
            "",
        ]
        lines += _table(
            ["request", "in app ms", "CPU ms", "respx CPU ms", "÷ CPU"],
            [
                [
                    k,
                    _f(v, 3),
                    _f(cpu[k]["fake"], 3),
                    _f(cpu[k]["floor"], 3),
                    _x(round(cpu[k]["fake"] / cpu[k]["floor"], 2)) if cpu[k]["floor"] else "",
                ]
                for k, v in i["in_app_ms"].items()
                if k in cpu
            ],
        )
    else:
        lines += ["Time inside the app per request (the journal's `duration_ms`, median):", ""]
        lines += _table(["request", "ms"], [[k, _f(v, 3)] for k, v in i["in_app_ms"].items()])
    in_app = i["in_app_ms"]
    export = next((v for k, v in in_app.items() if k.endswith("lambda")), 0.0)
    download = next((v for k, v in in_app.items() if k.endswith("download")), 0.0)
    sse = next((v for k, v in in_app.items() if k.endswith("run_sse")), 0.0)
    rest = sum(in_app.values()) - export - download - sse
    lines += [
        "How the transport works now: a sync caller runs the app on its own thread's event "
        "loop (no hand-off to a loop thread), a response finished by the time its head "
        "arrives is returned whole, and the manual clock is jumped by the fixture's "
        "`DeadlineTracker` as soon as the loop has nothing ready to run (no spinning, no "
        "idle turn first; the clock itself records its sleepers' deadlines). The "
        "render job's threads are shared by every `Fake` of the process, started on first "
        "use (`mock_server.pools`): the export only queues the synthesis and a callback "
        "queues the encode; a job starts a few milliseconds after it is queued, so the "
        "request that queued it finishes before the job's threads want the GIL. What is "
        f"left in the app: the export ({export:.2f} ms) validates the draft, computes the "
        "render key and queues the job; "
        f"`/run_sse` ({sse:.2f} ms, the reader's time between frames included) plans the "
        f"agent turn (the message's reading cached) and sends its {i['sse_chunks']} frames, "
        "one clock jump and two event-loop turns per frame (a bare future per clock wait, "
        "the disconnect listened for by one plain asyncio task, no task group); "
        f"the download ({download:.2f} ms) sends the MP4 in 64 KiB chunks (read on the "
        f"loop, no thread hops, no task group); the other four requests take {rest:.2f} ms "
        "together.",
        "",
    ]
    left = i.get("profile_left") or {}
    if left:
        lines += [
            "Where a flow's time goes now (cProfile over a few more flows, each function's "
            "own time by the code it belongs to, a builtin's time to its caller; the render "
            "job's threads and the bench's wait left out; profiling inflates call-heavy "
            "code, so the shares point at the next step rather than measure it):",
            "",
        ]
        lines += _table(
            ["code", "share"],
            [[k, f"{v:.1f} %"] for k, v in sorted(left.items(), key=lambda kv: -kv[1])],
        )
    return lines


def _render(r: dict[str, Any] | None) -> list[str]:
    if not r or not r.get("drafts"):
        return []
    lines = [
        "## 5. Render",
        "",
        f"`render_draft` in a fresh process vs the encoder floor (PyAV encoding the very frames the "
        f"renderer produces, pre-built in memory: same size, {r['fps']} fps, libx264 ultrafast CRF 23, "
        "same encoder threads and GOP, nothing else). Sources were synthesized beforehand "
        "(the fake does that on first use; times in the JSON).",
        "",
    ]
    lines += _table(
        [
            "draft",
            "size",
            "video",
            "render (s/s of video)",
            "floor (s/s)",
            "wall ratio",
            "CPU render / floor",
            "render peak RSS",
        ],
        [
            [
                name,
                d["size"],
                f"{d['video_s']:g} s",
                f"{d['render_median_s']:.2f} s ({d['render_s_per_video_s']:.3f})",
                f"{d['floor_median_s']:.2f} s ({d['floor_s_per_video_s']:.3f})",
                _x(d["ratio"]),
                f"{d['render_cpu_s']:.2f} / {d['floor_cpu_s']:.2f} s",
                _f(d["render_peak_rss_mb"], 0, " MB"),
            ]
            for name, d in r["drafts"].items()
        ],
    )
    lines += _render_cpu(r["drafts"])
    encoders = r.get("encoders") or {}
    chosen = r.get("encoder") or {"preset": "ultrafast", "threads": 2}
    if encoders:
        lines += [
            "x264 settings on the title card's first 90 frames (encode only, medians of 2; the "
            f"renderer uses {chosen['preset']} with {chosen['threads']} threads):",
            "",
        ]
        lines += _table(
            ["preset / threads", "CPU", "wall", "bytes"],
            [
                [k, f"{e['cpu_s']:.2f} s", f"{e['wall_s']:.2f} s", f"{e['bytes']:,}"]
                for k, e in encoders.items()
            ],
        )
    return lines


def _render_cpu(drafts: dict[str, Any]) -> list[str]:
    """Where the render's CPU goes, thread by thread, beside the same work measured alone."""
    if not all("render_cpu_by_thread_s" in d for d in drafts.values()):
        return []
    lines = [
        "Where the render's CPU goes (medians; threads sampled from /proc every 20 ms; the sampler's own CPU left out), beside "
        "the same work measured alone in the floor's process: the video encode (the floor), "
        "the AAC encode of the very samples the render mixes, the mix, and decoding plus "
        "compositing every picture. *Encoder work* is the floor plus that AAC encode: what "
        "any renderer writing this MP4 must spend; *transcode work* adds decoding the "
        "sources alone: what any renderer that reads these H.264 clips must spend.",
        "",
    ]
    rows = []
    for name, d in drafts.items():
        t, alone = d["render_cpu_by_thread_s"], d["alone_cpu_s"]
        decoded = d.get("render_decode_cpu_s")
        decoded_alone = alone.get("decode")
        # transcode work: the encoder work plus decoding the sources, alone
        transcode = d["av_floor_cpu_s"] + decoded_alone if decoded_alone is not None else None
        rows.append(
            [
                name,
                f"{d['render_cpu_s']:.2f} s",
                f"{t.get('x264_threads', 0):.2f} + {t.get('main', 0):.2f} s",
                f"{t.get('decode_composite', 0):.2f} s"
                + (f" ({decoded:.2f} s decoding)" if decoded is not None else ""),
                f"{t.get('audio', 0):.2f} s",
                f"{d['floor_cpu_s']:.2f} s",
                f"{alone['aac_encode']:.2f} s",
                f"{alone['audio_mix']:.2f} s",
                f"{alone['decode_composite']:.2f} s"
                + (f" ({decoded_alone:.2f} s decoding)" if decoded_alone is not None else ""),
                f"{d['av_floor_cpu_s']:.2f} s ({_x(d['cpu_ratio_av'])})",
                "-"
                if transcode is None
                else f"{transcode:.2f} s ({_x(round(d['render_cpu_s'] / transcode, 2))})",
            ]
        )
    lines += _table(
        [
            "draft",
            "render CPU",
            "x264 threads + main",
            "decode+composite thread",
            "audio thread",
            "alone: video floor",
            "AAC",
            "mix",
            "decode+composite",
            "encoder work (render / it)",
            "transcode work (render / it)",
        ],
        rows,
    )
    lines += [
        "The main thread hands pictures to x264 and muxes; x264's own threads do the rest of "
        "the encode. What the render adds to the encoder work is decoding its sources (the "
        "decode+composite thread is nearly all H.264 decoding: a picture is composed only "
        "when something on screen changed, a title is rasterised once) and mixing the audio. "
        "That runs on worker threads beside the encoder, at idle priority (Linux "
        "`SCHED_IDLE`: they take the cycles x264 leaves idle rather than delay it), so on "
        "idle cores it overlaps it; when other processes hold the cores (see the machine "
        "share above) it cannot, and the wall ratio approaches the CPU ratio. Peak RSS stays flat with length (sources "
        "open only while on screen, audio mixed in blocks, a few frames in flight).",
        "",
    ]
    return lines


def _suite(s: dict[str, Any] | None) -> list[str]:
    if not s:
        return []
    failed = s.get("failed_steps") or []
    return [
        "## 6. Test suite",
        "",
        f"`make -k test` (ruff, mypy, pytest -n 2 with coverage): **{s['wall_s']:.0f} s**, exit {s['exit_code']}"
        + (f", `{s['pytest_summary']}`" if s.get("pytest_summary") else "")
        + (f"; failed steps: {', '.join(failed)} (see {s['log']})" if failed else "")
        + ".",
        "",
    ]


def main() -> None:
    """Re-render the markdown of a JSON report: `python -m benchmarks.report <json>`."""
    import json
    import sys
    from pathlib import Path

    for name in sys.argv[1:]:
        source = Path(name)
        data = json.loads(source.read_text(encoding="utf-8"))
        source.with_suffix(".md").write_text(markdown(data), encoding="utf-8")


if __name__ == "__main__":
    main()
