"""Benchmark the running assistant, then gather every run into one report and plot.

    make bench      # runs scripts/bench.sh, which calls this for each configuration

    bench.py load LABEL [--levels 10,50,200]   measure the assistant at $BOT_URL into reports/bench/LABEL.json
    bench.py encoder                            the sentence encoder's own cost per message (reports/bench/encoder.txt)
    bench.py report                             reports/bench/*.json -> reports/bench.md and the PNG plot

Per-turn latency goes through the REST webhook (what the widget uses): sequentially per kind of
turn, then with N conversations of several turns each at once. A turn counts as an error when the
request fails or the reply is the channel's "not saved" apology (a turn that outlasted
TURN_TIMEOUT_SECONDS), so a capped latency never passes for a fast one.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import aiohttp
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from channels.rest import not_saved_reply  # noqa: E402  (the project root is not on sys.path by default)

OUT = ROOT / "reports" / "bench"
PLOT = ROOT / "docs" / "bench-latency.png"
BOT_URL = os.environ.get("BOT_URL", "http://localhost:5005").rstrip("/")
NOT_SAVED = not_saved_reply()["text"]
KINDS = {
    "faq": ["what is microneedling?", "how long is the downtime?", "does it hurt?"],
    "follow_up": ["how many sessions would I need?", "when will I see results?"],
    "escalation": ["I'm on accutane, can I have it?", "I'm 20 weeks pregnant, is it ok?"],
}
CPU_PROCESSES = {"rasa": "rasa run -m", "action server": "rasa run actions"}
KIND_TITLES = {"faq": "FAQ answer", "follow_up": "follow-up with context (custom action)",
               "escalation": "escalation (custom action)"}
CONVERSATION = ["hi", "can it help my stretch marks?", "how many sessions would I need?",
                "does it hurt?", "thanks"]


def turn_failed(status: int, replies: List[Dict[str, Any]]) -> bool:
    return status != 200 or any(reply.get("text") == NOT_SAVED for reply in replies)


class TurnFailed(Exception):
    pass


def post(sender: str, message: str) -> float:
    started = time.perf_counter()
    response = requests.post(f"{BOT_URL}/webhooks/rest/webhook", json={"sender": sender, "message": message},
                             timeout=60)
    elapsed = (time.perf_counter() - started) * 1000
    if turn_failed(response.status_code, response.json() if response.status_code == 200 else []):
        raise TurnFailed(f"{response.status_code}: {response.text[:200]}")
    return elapsed


def percentile(values: List[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _pids(pattern: str) -> List[str]:
    return subprocess.run(["pgrep", "-f", pattern], capture_output=True, text=True).stdout.split()


def rss_mb(pattern: str) -> List[float]:
    """Resident memory of each process whose command line matches `pattern`, in MB."""
    sizes = []
    for pid in _pids(pattern):
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        kb = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0)
        if kb > 50_000:  # skip wrapper shells and setsid parents
            sizes.append(round(kb / 1024))
    return sizes


def cpu_seconds(pattern: str) -> float:
    """User + system CPU time, all threads, of the processes whose command line matches `pattern`."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in _pids(pattern):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return total


def sequential(rounds: int) -> Tuple[Dict[str, Dict[str, float]], int]:
    """Median and p95 per kind of turn, and how many turns were sent in all."""
    results, sent = {}, 0
    for kind, messages in KINDS.items():
        latencies = []
        for i in range(rounds):
            sender = f"bench-{uuid.uuid4().hex}"
            if kind == "follow_up":
                post(sender, "can it help my stretch marks?")
                sent += 1
            latencies.append(post(sender, messages[i % len(messages)]))
            sent += 1
        results[kind] = {"median_ms": statistics.median(latencies), "p95_ms": percentile(latencies, 0.95)}
    return results, sent


async def converse(session: "aiohttp.ClientSession") -> List[Optional[float]]:
    sender = f"load-{uuid.uuid4().hex}"
    latencies: List[Optional[float]] = []
    for message in CONVERSATION:
        started = time.perf_counter()
        try:
            async with session.post(f"{BOT_URL}/webhooks/rest/webhook",
                                    json={"sender": sender, "message": message}) as response:
                replies = await response.json(content_type=None)
                failed = turn_failed(response.status, replies)
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError):
            failed = True
        latencies.append(None if failed else (time.perf_counter() - started) * 1000)
    return latencies


async def converse_all(conversations: int) -> List[Optional[float]]:
    timeout = aiohttp.ClientTimeout(total=60)
    connector = aiohttp.TCPConnector(limit=conversations)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        results = await asyncio.gather(*(converse(session) for _ in range(conversations)))
    return [latency for conversation in results for latency in conversation]


def concurrent(conversations: int) -> Dict[str, float]:
    # One asyncio client, not a thread per conversation: the load generator shares the two cores
    # with the servers, and 50 threads of `requests` took 0.4 of a core away from them.
    started = time.perf_counter()
    latencies = asyncio.run(converse_all(conversations))
    wall = time.perf_counter() - started
    ok = [x for x in latencies if x is not None]
    return {"conversations": conversations, "turns": len(latencies), "errors": len(latencies) - len(ok),
            "turns_per_s": len(ok) / wall, "median_ms": statistics.median(ok) if ok else float("nan"),
            "p95_ms": percentile(ok, 0.95) if ok else float("nan")}


def load(label: str, levels: List[int], rounds: int) -> Dict[str, Any]:
    post("bench-warmup", "hi")
    # CPU per turn, every thread of every process counted (idle thread pools that spin show here,
    # not in the latency): what bounds throughput when the cores are shared.
    cpu_before = {name: cpu_seconds(pattern) for name, pattern in CPU_PROCESSES.items()}
    latencies, turns = sequential(rounds)
    figures: Dict[str, Any] = {"label": label, "sequential": latencies}
    figures["cpu_ms_per_sequential_turn"] = {
        name: round(1000 * (cpu_seconds(pattern) - cpu_before[name]) / turns, 1)
        for name, pattern in CPU_PROCESSES.items()}
    print(f"  {label}: CPU per sequential turn: " + ", ".join(
        f"{name} {ms} ms" for name, ms in figures["cpu_ms_per_sequential_turn"].items()), flush=True)
    figures["concurrent"] = []
    for level in levels:
        figures["concurrent"].append(concurrent(level))
        f = figures["concurrent"][-1]
        print(f"  {label}: {level} concurrent: {f['turns_per_s']:.1f} turns/s, median {f['median_ms']:.0f} ms, "
              f"p95 {f['p95_ms']:.0f} ms, {f['errors']} errors", flush=True)
    figures["rasa_rss_mb"] = rss_mb("rasa run -m")
    figures["action_rss_mb"] = rss_mb("rasa run actions")
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"{label}.json").write_text(json.dumps(figures, indent=1))
    return figures


def encoder_cost(messages: int = 300) -> str:
    """The MiniLM encoder alone, one message at a time as when serving, on blind-set messages
    (their real length mix): median and p95 ms, median tokens."""
    import yaml

    from nlp.sentence_encoder import get_encoder

    texts = [turn for path in sorted((ROOT / "tests" / "blind").glob("dev_*.yaml"))
             for case in yaml.safe_load(path.read_text(encoding="utf-8")) for turn in case["turns"]]
    texts = texts[:: max(1, len(texts) // messages)][:messages]
    encoder = get_encoder()
    for text in texts[:20]:
        encoder.encode([text])  # warm up
    timings, tokens = [], []
    for text in texts:
        start = time.perf_counter()
        encoder.encode([text])
        timings.append((time.perf_counter() - start) * 1000)
        tokens.append(len(encoder.token_ids(text)))
    result = (f"median {statistics.median(timings):.1f} ms, p95 {percentile(timings, 95):.1f} ms "
              f"({len(texts)} blind-set messages one at a time, median {statistics.median(tokens):.0f} tokens)")
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "encoder.txt").write_text(result + "\n")
    print(f"  encoder: {result}")
    return result


def read_runs() -> Dict[str, Dict[str, Any]]:
    """Runs in the order they were measured (scripts/bench.sh: project, rasa-init, project-scaled)."""
    paths = sorted(OUT.glob("*.json"), key=lambda path: path.stat().st_mtime)
    return {path.stem: json.loads(path.read_text()) for path in paths}


def read_text(name: str) -> str:
    path = OUT / name
    return path.read_text().strip() if path.exists() else "not measured"


def plot(runs: Dict[str, Dict[str, Any]]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (latency_axis, throughput_axis) = plt.subplots(1, 2, figsize=(11, 4.2))
    for label, run in runs.items():
        levels = [c["conversations"] for c in run["concurrent"]]
        line, = latency_axis.plot(levels, [c["p95_ms"] for c in run["concurrent"]], marker="o", label=f"{label} p95")
        latency_axis.plot(levels, [c["median_ms"] for c in run["concurrent"]], marker=".", linestyle="--",
                          color=line.get_color(), label=f"{label} median")
        throughput_axis.plot(levels, [c["turns_per_s"] for c in run["concurrent"]], marker="o", label=label)
    latency_axis.set(xlabel="concurrent conversations", ylabel="latency per turn (ms)", yscale="log",
                     title="Latency against concurrency")
    throughput_axis.set(xlabel="concurrent conversations", ylabel="turns per second", title="Throughput")
    for axis in (latency_axis, throughput_axis):
        axis.set_xscale("log")
        axis.set_xticks([10, 50, 200], labels=["10", "50", "200"])
        axis.grid(True, alpha=0.3)
        axis.legend(fontsize=8)
    figure.tight_layout()
    PLOT.parent.mkdir(exist_ok=True)
    figure.savefig(PLOT, dpi=110)


def console_lines() -> List[str]:
    """The staff console's figures (scripts/bench_console.py), when `make bench` measured them."""
    path = ROOT / "reports" / "bench-console.json"
    if not path.exists():
        return []
    console = json.loads(path.read_text())
    lines = ["", f"Staff console on {console['events']:,} generated events: first page (cold rollup) "
             f"{console['cold_rollup_and_first_page_s']} s.", "", "| page | median | p95 |", "|---|---|---|"]
    lines += [f"| {page} | {t['p50']} s | {t['p95']} s |" for page, t in console["pages"].items()]
    turns = console.get("assistant_turns")
    if turns:
        lines += ["", f"Assistant turns ({turns['turns']} sequential): median / p95 {turns['alone']['median_ms']} / "
                  f"{turns['alone']['p95_ms']} ms alone, {turns['while_browsing']['median_ms']} / "
                  f"{turns['while_browsing']['p95_ms']} ms while the console was browsed "
                  f"({turns['console_views_meanwhile']} page views, {turns['seconds_between_views']} s apart)."]
    return lines


def report() -> int:
    runs = read_runs()
    if not runs:
        print("no runs in reports/bench/: run `make bench`", file=sys.stderr)
        return 1
    lines = [f"Measured by `make bench` on {time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores.", "",
             "| | " + " | ".join(runs) + " |", "|---|" + "---|" * len(runs)]

    def row(title: str, cells: List[str]) -> None:
        lines.append(f"| {title} | " + " | ".join(cells) + " |")

    row("training from scratch", [read_text(f"{label}-train.txt") for label in runs])
    row("NLU intent accuracy (tests/nlu/test_nlu.yml)", [read_text(f"{label}-accuracy.txt") for label in runs])
    row("cold start (start to first answer)", [read_text(f"{label}-cold-start.txt") for label in runs])
    row("Rasa server RSS per process", [", ".join(f"{mb} MB" for mb in run["rasa_rss_mb"]) for run in runs.values()])
    row("action server RSS", [", ".join(f"{mb} MB" for mb in run["action_rss_mb"]) for run in runs.values()])
    for kind, title in KIND_TITLES.items():
        row(f"sequential {title}: median / p95",
            [f"{run['sequential'][kind]['median_ms']:.0f} / {run['sequential'][kind]['p95_ms']:.0f} ms"
             for run in runs.values()])
    row("CPU per sequential turn, all threads: Rasa / action server",
        [" / ".join(f"{ms} ms" for ms in run["cpu_ms_per_sequential_turn"].values())
         if "cpu_ms_per_sequential_turn" in run else "–" for run in runs.values()])
    levels = sorted({c["conversations"] for run in runs.values() for c in run["concurrent"]})
    for level in levels:
        cells = []
        for run in runs.values():
            c = next((c for c in run["concurrent"] if c["conversations"] == level), None)
            cells.append(f"{c['turns_per_s']:.0f} turns/s, {c['median_ms']:.0f} / {c['p95_ms']:.0f} ms, "
                         f"{c['errors']} errors" if c else "–")
        row(f"{level} concurrent conversations: throughput, median / p95, errors", cells)
    lines += ["", f"Sentence encoder alone (all-MiniLM-L6-v2, TensorFlow graph): {read_text('encoder.txt')}."]
    lines += console_lines()
    text = "\n".join(lines) + "\n"
    (ROOT / "reports" / "bench.md").write_text(text)
    plot(runs)
    print(text + f"\nplot: {PLOT.relative_to(ROOT)}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    load_parser = commands.add_parser("load")
    load_parser.add_argument("label")
    load_parser.add_argument("--levels", default="10,50,200")
    load_parser.add_argument("--rounds", type=int, default=20, help="sequential turns per kind")
    commands.add_parser("report")
    commands.add_parser("encoder")
    args = parser.parse_args()
    if args.command == "load":
        load(args.label, [int(level) for level in args.levels.split(",")], args.rounds)
        return 0
    if args.command == "encoder":
        encoder_cost()
        return 0
    return report()


if __name__ == "__main__":
    sys.exit(main())
