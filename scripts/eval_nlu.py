"""Train the NLU on data/ and score it on the held-out split tests/nlu (make eval)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RASA = str(Path(sys.executable).parent / "rasa")
OUT = ROOT / "results" / "nlu"
TARGETS = {"intent macro-F1": 0.95, "entity micro-F1": 0.90}


def main() -> int:
    model_dir = ROOT / "models" / "eval"
    subprocess.run(
        [RASA, "train", "nlu", "--nlu", "data/nlu", "--config", "config.yml", "--out", str(model_dir),
         "--fixed-model-name", "nlu-eval", "--quiet"],
        cwd=ROOT, check=True,
    )
    subprocess.run(
        [RASA, "test", "nlu", "--nlu", "tests/nlu", "--model", str(model_dir / "nlu-eval.tar.gz"), "--out", str(OUT)],
        cwd=ROOT, check=True,
    )
    intents = json.loads((OUT / "intent_report.json").read_text(encoding="utf-8"))
    entities = json.loads((OUT / "DIETClassifier_report.json").read_text(encoding="utf-8"))
    scores = {
        "intent macro-F1": intents["macro avg"]["f1-score"],
        "entity micro-F1": entities.get("micro avg", entities.get("weighted avg", {})).get("f1-score", 0.0),
    }
    for name, value in scores.items():
        print(f"{name}: {value:.3f}（目标 ≥ {TARGETS[name]}）")
    summary_keys = ("accuracy", "macro avg", "weighted avg", "micro avg")
    print(f"{'实体':<16}{'F1':>6}{'查准':>7}{'查全':>7}{'数量':>6}")
    for name, row in sorted(entities.items()):
        if name not in summary_keys and isinstance(row, dict):
            print(f"{name:<16}{row['f1-score']:>6.3f}{row['precision']:>7.3f}{row['recall']:>7.3f}{row['support']:>6}")
    worst = sorted((v["f1-score"], k) for k, v in intents.items() if k not in summary_keys)[:5]
    print("最弱的意图：" + "，".join(f"{k} {f:.2f}" for f, k in worst))
    print(f"混淆矩阵：{OUT / 'intent_confusion_matrix.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
