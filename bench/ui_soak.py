"""A cashier's day in fast-forward through the real window (offscreen): time per patient and memory growth.

Run: .venv/bin/python bench/ui_soak.py [N]   (default 60 patients)
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

if __name__ == "__main__":
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "YIBAO_SOAK_N": sys.argv[1] if len(sys.argv) > 1 else "60"}
    sys.exit(subprocess.call([sys.executable, "-m", "pytest", "tests/ui/soak_cashier_day.py", "-q", "-s",
                              "-p", "no:cacheprovider", "-o", "timeout=3600"], cwd=ROOT, env=env))
