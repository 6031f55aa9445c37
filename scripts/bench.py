"""Benchmark the running assistant: cold start, memory, per-turn latency, concurrent load.

    make bench        # trains if needed, starts the servers, runs this, writes reports/bench.json

Per-turn latency is measured through the REST webhook, sequentially, per kind of turn; the
concurrent phase runs N conversations of several turns each at once.
"""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Dict, List

import requests

ROOT = Path(__file__).resolve().parent.parent
BOT_URL = os.environ.get("BOT_URL", "http://localhost:5005")
KINDS = {
    "faq answer": ["what is microneedling?", "how long is the downtime?", "does it hurt?"],
    "follow-up with context (custom action)": ["how many sessions would I need?", "when will I see results?"],
    "escalation (custom action)": ["I'm on accutane, can I have it?", "I'm 20 weeks pregnant, is it ok?"],
}
CONVERSATION = ["hi", "can it help my stretch marks?", "how many sessions would I need?",
                "does it hurt?", "thanks"]


def post(sender: str, message: str) -> float:
    started = time.perf_counter()
    response = requests.post(f"{BOT_URL}/webhooks/rest/webhook", json={"sender": sender, "message": message},
                             timeout=60)
    response.raise_for_status()
    return (time.perf_counter() - started) * 1000


def percentile(values: List[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def rss_mb(pattern: str) -> float:
    pids = subprocess.run(["pgrep", "-f", pattern], capture_output=True, text=True).stdout.split()
    total = 0.0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total = max(total, int(line.split()[1]) / 1024)
        except OSError:
            pass
    return total


def sequential(rounds: int = 20) -> Dict[str, Dict[str, float]]:
    results = {}
    for kind, messages in KINDS.items():
        latencies = []
        for i in range(rounds):
            sender = f"bench-{uuid.uuid4().hex}"
            if "follow-up" in kind:
                post(sender, "can it help my stretch marks?")
            latencies.append(post(sender, messages[i % len(messages)]))
        results[kind] = {"median_ms": statistics.median(latencies), "p95_ms": percentile(latencies, 0.95)}
    return results


def concurrent(conversations: int) -> Dict[str, float]:
    def converse(_: int) -> List[float]:
        sender = f"load-{uuid.uuid4().hex}"
        out = []
        for message in CONVERSATION:
            try:
                out.append(post(sender, message))
            except requests.RequestException:
                out.append(float("nan"))
        return out

    started = time.perf_counter()
    with ThreadPoolExecutor(conversations) as pool:
        latencies = [x for conv in pool.map(converse, range(conversations)) for x in conv]
    wall = time.perf_counter() - started
    ok = [x for x in latencies if x == x]
    return {"conversations": conversations, "turns": len(latencies), "errors": len(latencies) - len(ok),
            "turns_per_s": len(ok) / wall, "median_ms": statistics.median(ok), "p95_ms": percentile(ok, 0.95)}


def main() -> int:
    figures = {"model_mb": (ROOT / "models/microneedling.tar.gz").stat().st_size / 1e6}
    post("bench-warmup", "hi")
    figures["sequential"] = sequential()
    figures["concurrent"] = [concurrent(n) for n in (10, 50)]
    figures["rasa_server_rss_mb"] = rss_mb("rasa run -m")
    figures["action_server_rss_mb"] = rss_mb("rasa run actions")
    (ROOT / "reports").mkdir(exist_ok=True)
    (ROOT / "reports/bench.json").write_text(json.dumps(figures, indent=1))
    print(f"model archive {figures['model_mb']:.0f} MB · Rasa server RSS {figures['rasa_server_rss_mb']:.0f} MB · "
          f"action server RSS {figures['action_server_rss_mb']:.0f} MB")
    for kind, f in figures["sequential"].items():
        print(f"sequential {kind}: median {f['median_ms']:.0f} ms, p95 {f['p95_ms']:.0f} ms")
    for f in figures["concurrent"]:
        print(f"{f['conversations']} concurrent conversations: {f['turns_per_s']:.1f} turns/s, median "
              f"{f['median_ms']:.0f} ms, p95 {f['p95_ms']:.0f} ms, {f['errors']} errors")
    return 0


if __name__ == "__main__":
    sys.exit(main())
