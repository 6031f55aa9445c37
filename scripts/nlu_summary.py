"""Print the headline figures of `rasa test nlu` (reports/nlu) and check the 95% target."""
from __future__ import annotations

import json
import sys
from pathlib import Path

TARGET_ACCURACY = 0.95


def main(report_dir: str) -> int:
    report = json.loads((Path(report_dir) / "intent_report.json").read_text())
    accuracy = report["accuracy"]
    weighted = report["weighted avg"]
    print(f"intent accuracy {100 * accuracy:.1f}% · weighted precision {100 * weighted['precision']:.1f}% "
          f"· recall {100 * weighted['recall']:.1f}% · F1 {100 * weighted['f1-score']:.1f}% "
          f"({weighted['support']} held-out examples; confusion matrix: {report_dir}/intent_confusion_matrix.png)")
    worst = sorted(((v["f1-score"], k) for k, v in report.items() if isinstance(v, dict) and "f1-score" in v
                    and k not in ("macro avg", "weighted avg", "micro avg")))[:5]
    print("lowest F1: " + ", ".join(f"{k} {100 * f:.0f}%" for f, k in worst))
    selector = Path(report_dir) / "response_selection_report.json"
    if selector.exists():
        print(f"condition (ResponseSelector) accuracy {100 * json.loads(selector.read_text())['accuracy']:.1f}%")
    return 0 if accuracy >= TARGET_ACCURACY else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "reports/nlu"))
