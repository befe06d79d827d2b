#!/usr/bin/env python3
"""Process-level benchmarks for Backchat (see docs/performance.md).

  python3 Benchmarks/run.py all      [--bin .build-release/release/backchat]
  python3 Benchmarks/run.py inproc   in-process replay (backchat bench), median of 3
  python3 Benchmarks/run.py serve    throughput of `backchat serve` with the whole request stream piped in
  python3 Benchmarks/run.py startup  start-up: lint, serve with empty input, chat to the first prompt,
                                     with the compiled-dialogs cache current and turned off
  python3 Benchmarks/run.py scan     the safety scan per message: rules, a 10x lexicon, with the model
  python3 Benchmarks/run.py sessions memory with 100,000 idle sessions in one serve process

Every figure is a median of several runs on this machine; compare within one run.
Nothing here talks to the network: serve is a child process on pipes.
"""
import argparse, json, os, re, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURE = os.path.join(ROOT, "Benchmarks/peer-checkin")
CONVERSATIONS = os.path.join(FIXTURE, "conversations.json")


def fold(s):
    return " ".join(s.lower().split())


def requests_for(conversations, copies):
    """The JSON-RPC request stream: the first line of a session starts it (the greeting), the rest say."""
    lines, checks, sid = [], [], 0
    for _ in range(copies):
        for conv in conversations:
            sid += 1
            session = f"b{sid}"
            for i, turn in enumerate(conv["turns"]):
                rid = len(lines) + 1
                if i == 0:
                    msg = {"jsonrpc": "2.0", "id": rid, "method": "session.start", "params": {"session": session}}
                else:
                    msg = {"jsonrpc": "2.0", "id": rid, "method": "session.say", "params": {"session": session, "text": turn["user"]}}
                lines.append(json.dumps(msg, separators=(",", ":")))
                checks.append(turn)
            lines.append(json.dumps({"jsonrpc": "2.0", "method": "session.end", "params": {"session": session}}))
            checks.append(None)
    return "\n".join(lines) + "\n", checks


def peak_rss_mb(pid_status_lines):
    for line in pid_status_lines:
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def run_timed(cmd, stdin_data, env=None):
    """Runs cmd with stdin_data, returns (seconds, stdout bytes, peak RSS MiB via /usr/bin/time if present)."""
    timer = ["/usr/bin/time", "-f", "%M"] if os.path.exists("/usr/bin/time") else []
    t0 = time.perf_counter()
    p = subprocess.run(timer + cmd, input=stdin_data, capture_output=True, env=env)
    dt = time.perf_counter() - t0
    rss = 0.0
    if timer:
        try:
            rss = int(p.stderr.decode().strip().splitlines()[-1]) / 1024
        except (ValueError, IndexError):
            pass
    return dt, p.stdout, rss, p.returncode


def bench_inproc(args):
    runs = []
    for _ in range(3):
        out = subprocess.run([args.bin, "bench", "--dialogs", FIXTURE, "--conversations", CONVERSATIONS, "--n", str(args.n)],
                             capture_output=True, text=True, check=True).stdout
        runs.append(json.loads(out))
    med = lambda k: statistics.median(r[k] for r in runs)
    res = {"turns": runs[0]["turns"], "passed": sum(r["passed"] for r in runs), "checked": sum(r["checked"] for r in runs),
           "load_s": med("load_s"), "replay_s": med("replay_s"), "turns_per_s": med("turns_per_s"),
           "p50_us": med("p50_us"), "p99_us": med("p99_us"), "peak_rss_mb": med("peak_rss_mb")}
    print("in-process:", json.dumps(res))
    return res


def bench_serve(args):
    conversations = json.load(open(CONVERSATIONS))["conversations"]
    stream, checks = requests_for(conversations, args.n)
    data = stream.encode()
    turns = sum(1 for c in checks if c is not None)
    results = []
    for _ in range(3):
        dt, out, rss, rc = run_timed([args.bin, "serve", "--dialogs", FIXTURE], data)
        responses = out.decode().splitlines()
        passed = failed = 0
        answered = [c for c in checks if c is not None]
        if len(responses) != len(answered):
            print(f"serve: expected {len(answered)} responses, got {len(responses)} (exit {rc})", file=sys.stderr)
        for resp_line, turn in zip(responses, answered):
            resp = json.loads(resp_line)
            text = fold("\n".join(resp.get("result", {}).get("messages", [])))
            ok = all(fold(e) in text for e in turn.get("expect", [])) and not any(fold(e) in text for e in turn.get("expect_not", []))
            passed += ok
            failed += not ok
        results.append((dt, rss, passed, failed))
    dt = statistics.median(r[0] for r in results)
    res = {"turns": turns, "wall_s": round(dt, 3), "turns_per_s": round(turns / dt), "peak_rss_mb": round(statistics.median(r[1] for r in results), 1),
           "passed": sum(r[2] for r in results), "failed": sum(r[3] for r in results)}
    print("serve:", json.dumps(res))
    return res


def bench_startup(args):
    """Start-up with the compiled-dialogs cache current (a run before fills it: the usual case
    from the second start on) and with it turned off (what the first start after a change costs)."""
    cache = tempfile.mkdtemp(prefix="backchat-bench-cache-")
    warm_env = dict(os.environ, BACKCHAT_CACHE_DIR=cache)
    warm_env.pop("BACKCHAT_NO_CACHE", None)
    cold_env = dict(os.environ, BACKCHAT_NO_CACHE="1")

    def median_ms(cmd, env, stdin=b"", runs=21):
        subprocess.run(cmd, input=stdin, capture_output=True, env=env)
        ts = []
        for _ in range(runs):
            t0 = time.perf_counter()
            subprocess.run(cmd, input=stdin, capture_output=True, env=env)
            ts.append(time.perf_counter() - t0)
        return round(statistics.median(ts) * 1000, 1)
    dialogs = os.path.join(ROOT, "Dialogs")
    commands = {"lint": [args.bin, "lint", "--dialogs", dialogs],
                "serve_empty": [args.bin, "serve", "--dialogs", dialogs],
                "chat_first_prompt": [args.bin, "chat", "--dialogs", dialogs]}
    res = {}
    for name, cmd in commands.items():
        res[name + "_ms"] = median_ms(cmd, warm_env)
    for name, cmd in commands.items():
        res[name + "_no_cache_ms"] = median_ms(cmd, cold_env, runs=7)
    res["help_ms"] = median_ms([args.bin, "--help"], warm_env)
    res["true_ms"] = median_ms(["/bin/true"], warm_env)
    print("startup:", json.dumps(res))
    subprocess.run(["rm", "-rf", cache])
    return res


def bench_scan(args):
    """The safety scan per message (rules alone, with a lexicon ten times larger, and with the
    backstop model), best of three runs of `backchat safety-eval --timing`: it must stay in
    microseconds and must not grow with the number of phrases (the x10 lexicon within 3x)."""
    best = {}
    for _ in range(3):
        out = subprocess.run([args.bin, "safety-eval", "--timing", "--no-misses"], capture_output=True, text=True).stdout
        for line in out.splitlines():
            m = re.match(r"safety scan(.*): ([0-9.]+) µs per scan", line)
            if not m:
                continue
            key = {", rules alone": "rules_us", ", rules alone, lexicon x10": "rules_x10_us",
                   " with the backstop model": "with_model_us"}.get(m.group(1))
            if key:
                best[key] = min(best.get(key, float("inf")), float(m.group(2)))
    if len(best) != 3:
        sys.exit("scan: could not read the timings of safety-eval --timing")
    best["x10_ratio"] = round(best["rules_x10_us"] / best["rules_us"], 2)
    best["within_goal"] = best["with_model_us"] < 1000 and best["x10_ratio"] < 3
    print("scan:", json.dumps(best))
    return best


def bench_sessions(args):
    count = args.sessions
    dialogs = os.path.join(ROOT, "Dialogs")
    def rss_with(n):
        lines = [json.dumps({"jsonrpc": "2.0", "id": i + 1, "method": "session.start", "params": {"session": f"s{i}"}}) for i in range(n)]
        # Ask for the server's own figures last, while every session is still open.
        lines.append(json.dumps({"jsonrpc": "2.0", "id": "info", "method": "server.info"}))
        _, out, rss, rc = run_timed([args.bin, "serve", "--dialogs", dialogs], ("\n".join(lines) + "\n").encode())
        return rss
    base = statistics.median(rss_with(0) for _ in range(3))
    full = statistics.median(rss_with(count) for _ in range(3))
    per = (full - base) * 1024 * 1024 / count
    res = {"sessions": count, "rss_base_mb": round(base, 1), "rss_mb": round(full, 1), "bytes_per_session": round(per)}
    print("sessions:", json.dumps(res))
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=["all", "inproc", "serve", "startup", "scan", "sessions"])
    ap.add_argument("--bin", default=os.path.join(ROOT, ".build-release/release/backchat"))
    ap.add_argument("--n", type=int, default=1500, help="copies of each conversation (1500 = the peers' 42,000 turns)")
    ap.add_argument("--sessions", type=int, default=100_000)
    args = ap.parse_args()
    out = {}
    if args.what in ("all", "inproc"): out["inproc"] = bench_inproc(args)
    if args.what in ("all", "serve"): out["serve"] = bench_serve(args)
    if args.what in ("all", "startup"): out["startup"] = bench_startup(args)
    if args.what in ("all", "scan"): out["scan"] = bench_scan(args)
    if args.what in ("all", "sessions"): out["sessions"] = bench_sessions(args)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
