"""Run every benchmark in turn and print its numbers (make bench)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ("benchmarks.training_time", "benchmarks.search_latency", "benchmarks.turn_latency",
           "benchmarks.wechat_turns", "benchmarks.feedback", "benchmarks.policy_qa",
           "benchmarks.policy_push")


def main() -> int:
    failed = 0
    for module in SCRIPTS:
        print(f"== {module}", flush=True)
        failed |= subprocess.run([sys.executable, "-m", module], cwd=ROOT).returncode
    return failed


if __name__ == "__main__":
    sys.exit(main())
