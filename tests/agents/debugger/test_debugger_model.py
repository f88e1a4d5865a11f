"""`compilot debug` through the real CLI with the real bundled 0.5B model.

The probe finds llama.cpp's grammar support, so every traced iteration is answered under the
verdict grammar: the test asserts that llama.cpp accepts that grammar and that what comes back
reads as one verdict per shown block, not that the small model finds the bug.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BUGGY = '''def running_max(xs):
    """Return the list of running maxima of xs."""
    out = []
    best = 0
    for x in xs:
        if x < best:
            best = x
        out.append(best)
    return out
'''


@pytest.mark.model
def test_debug_cli_with_the_real_small_model(tmp_path: Path, small_model_home: Path) -> None:
    home = small_model_home
    target = tmp_path / "code.py"
    target.write_text(BUGGY)
    env = {**os.environ, "COMPILOT_HOME": str(home),
           "COMPILOT_CONFIG": str(tmp_path / "none.toml")}
    proc = subprocess.run(
        [sys.executable, "-m", "compilot.cli.main", "debug", f"{target}::running_max",
         "--test", "assert running_max([1, 3, 2]) == [1, 3, 3]", "--max-calls", "2",
         "--model", "bundled:qwen2.5-coder-0.5b", "--local", "--json"],
        capture_output=True, text=True, env=env, timeout=900)
    assert proc.returncode in (0, 1), proc.stderr[-3000:]
    data = json.loads(proc.stdout)
    assert (proc.returncode == 0) == data["solved"]
    traced = [a for a in data["attempts"] if a["trace"]]
    assert traced, data["attempts"]
    for attempt in traced:
        shown = {row["block"] for row in attempt["trace"] if "block" in row}
        assert {v["block"] for v in attempt["verdicts"]} == shown
        assert not any("malformed verdicts" in note for note in attempt["notes"])
    assert target.read_text() == BUGGY
