"""Print the headline figures of `rasa test nlu` (reports/nlu) and check the 95% target."""
from __future__ import annotations

import json
import sys
from pathlib import Path

TARGET_ACCURACY = 0.95


def unseen_figures(report_dir: Path):
    """Test examples whose exact text (case-insensitive) is not in the training data, and errors among them."""
    import yaml

    root = Path(__file__).resolve().parent.parent
    seen = set()
    for path in (root / "data" / "nlu").glob("*.yml"):
        for block in yaml.safe_load(path.read_text())["nlu"]:
            if "intent" in block:
                seen |= {line[2:].strip().lower() for line in block["examples"].strip().splitlines()}
    test = yaml.safe_load((root / "tests" / "nlu" / "test_nlu.yml").read_text())["nlu"]
    unseen = [line[2:].strip().lower() for block in test for line in block["examples"].strip().splitlines()
              if line[2:].strip().lower() not in seen]
    errors = json.loads((report_dir / "intent_errors.json").read_text())
    return len(unseen), sum(1 for e in errors if e["text"].strip().lower() not in seen)


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
    unseen_total, unseen_errors = unseen_figures(Path(report_dir))
    print(f"on the {unseen_total} test examples that are not also training examples (short phrases like "
          f"'yes please' occur in both): intent accuracy {100 * (1 - unseen_errors / unseen_total):.1f}%")
    selector = Path(report_dir) / "response_selection_report.json"
    if selector.exists():
        print(f"condition (ResponseSelector) accuracy {100 * json.loads(selector.read_text())['accuracy']:.1f}%")
    return 0 if accuracy >= TARGET_ACCURACY else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "reports/nlu"))
