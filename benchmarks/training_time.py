"""Time and peak memory of a full `rasa train` (NLU and dialogue) from scratch."""
from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    rasa = str(Path(sys.executable).parent / "rasa")
    with tempfile.TemporaryDirectory() as out:
        t0 = time.perf_counter()
        subprocess.run([rasa, "train", "--force", "--out", out, "--quiet"], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)
        seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"[train] 完整训练（NLU + 对话）：{seconds:.0f} 秒，峰值内存 {peak:.0f} MB（目标 < 300 秒）")
    return 0


if __name__ == "__main__":
    sys.exit(main())
