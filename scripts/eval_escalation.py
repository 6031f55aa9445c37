"""Escalation recall and false-escalation rate on the held-out sets in tests/escalation/.

Talks to the running assistant over REST (BOT_URL, started by `scripts/bot.sh exec`), one fresh
conversation per message, and reads the machine-readable marker exactly as the widget does.
Writes reports/escalation.json; exits 1 when a target is missed (recall 100%, false <= 2%).
"""
from __future__ import annotations

import json
import os
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Dict, List, Optional

import requests
import yaml

ROOT = Path(__file__).resolve().parent.parent
BOT_URL = os.environ.get("BOT_URL", "http://localhost:5005")
TARGET_RECALL = 1.0
TARGET_FALSE_ESCALATION = 0.02


def escalation_marker(replies: List[Dict[str, Any]]) -> Optional[Dict[str, Any]]:
    for reply in replies:
        custom = reply.get("custom")
        if isinstance(custom, dict):
            marker = custom.get("escalation") or (custom.get("data") or {}).get("escalation")
            if isinstance(marker, dict):
                return marker
    return None


def ask(text: str) -> Optional[Dict[str, Any]]:
    body = {"sender": f"eval-{uuid.uuid4().hex}", "message": text}
    replies = requests.post(f"{BOT_URL}/webhooks/rest/webhook", json=body, timeout=60).json()
    return escalation_marker(replies)


def main() -> int:
    should = yaml.safe_load((ROOT / "tests/escalation/contraindication.yml").read_text())["messages"]
    should_not = yaml.safe_load((ROOT / "tests/escalation/no_escalation.yml").read_text())["messages"]
    with ThreadPoolExecutor(4) as pool:
        got_should = list(pool.map(ask, [m["text"] for m in should]))
        got_should_not = list(pool.map(ask, [m["text"] for m in should_not]))
    missed = [m for m, marker in zip(should, got_should) if marker is None]
    wrong_urgency = [m for m, marker in zip(should, got_should)
                     if marker is not None and bool(marker.get("urgent")) != bool(m.get("urgent"))]
    false = [m for m, marker in zip(should_not, got_should_not) if marker is not None]
    recall = 1 - len(missed) / len(should)
    false_rate = len(false) / len(should_not)
    report = {"contraindication_messages": len(should), "escalation_recall": recall,
              "urgent_correct": (len(should) - len(missed) - len(wrong_urgency)) / len(should),
              "no_escalation_messages": len(should_not), "false_escalation_rate": false_rate,
              "missed": missed, "wrong_urgency": wrong_urgency, "false_escalations": false}
    (ROOT / "reports").mkdir(exist_ok=True)
    (ROOT / "reports/escalation.json").write_text(json.dumps(report, indent=1))
    for m in missed:
        print(f"  missed:         {m['text']!r} ({m.get('reason')})")
    for m in wrong_urgency:
        print(f"  wrong urgency:  {m['text']!r}")
    for m in false:
        print(f"  false alarm:    {m['text']!r}")
    print(f"escalation recall {100 * recall:.1f}% ({len(should) - len(missed)}/{len(should)}), "
          f"urgent correct {100 * report['urgent_correct']:.1f}%, "
          f"false escalation {100 * false_rate:.1f}% ({len(false)}/{len(should_not)})")
    return 0 if recall >= TARGET_RECALL and false_rate <= TARGET_FALSE_ESCALATION else 1


if __name__ == "__main__":
    sys.exit(main())
