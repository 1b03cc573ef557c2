"""Run every benchmark in bench/ (each prints ratios against a baseline measured in the same run)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    """Run each ``bench/*.py`` except this one and the shared module; return the worst exit code."""
    worst = 0
    for script in sorted(HERE.glob("*.py")):
        if script.name in ("run.py", "common.py"):
            continue
        print(f"== {script.stem}", flush=True)
        worst = max(worst, subprocess.run([sys.executable, str(script), *sys.argv[1:]], cwd=HERE).returncode)
    return worst


if __name__ == "__main__":
    sys.exit(main())
