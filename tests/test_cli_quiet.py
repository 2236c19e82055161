"""`extract` on a good file writes its JSON on stdout and nothing on stderr (no jieba banner, no
library chatter): stderr is where users look for problems (issue #17)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_extract_of_a_good_report_is_silent_on_stderr(samples, tmp_path):
    report = next(samples.glob("*.txt"))
    # jieba keeps its dictionary cache in the temp folder: a fresh one is when it talks most
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-m", "pipeline", "extract", str(report)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 0
    assert proc.stderr == ""
    assert json.loads(proc.stdout)["status"] == "ok"
