"""`compilot fix` through the real CLI with the real bundled 0.5B model on a trivial bug.

It asserts that the run completes and reports truthfully, not that the small model succeeds.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_fix import ISSUE, make_repo, snapshot  # type: ignore[import-not-found]  # noqa: I001


@pytest.mark.model
@pytest.mark.docker
def test_cli_with_real_small_model_reports_truthfully(tmp_path: Path,
                                                      small_model_home: Path) -> None:
    home = small_model_home
    repo = make_repo(tmp_path / "repo")
    before = snapshot(repo)
    env = {**os.environ, "COMPILOT_HOME": str(home)}
    proc = subprocess.run(
        [sys.executable, "-m", "compilot.cli.main", "fix", ISSUE, "--repo", str(repo), "--model",
         "bundled:qwen2.5-coder-0.5b", "--candidates", "1", "--max-steps", "4", "--json",
         "--test-timeout", "60", "--out", str(tmp_path / "run")],
        capture_output=True, text=True, env=env, timeout=900)
    assert proc.returncode in (0, 1), proc.stderr[-3000:]
    data = json.loads(proc.stdout)
    assert data["status"] in ("fixed", "unvalidated", "no_patch")
    assert (proc.returncode == 0) == (data["status"] == "fixed")
    assert data["model_calls"] >= 1 and data["tokens"] > 0
    if data["status"] == "fixed":  # only with test evidence
        assert data["evidence"]["validated"] and data["evidence"]["fixed"]
    else:
        assert not data["evidence"] or not data["evidence"]["validated"]
    assert (data["patch"] == "") == (data["status"] == "no_patch")
    lines = Path(data["trajectory_path"]).read_text().splitlines()
    assert any(json.loads(line)["type"] == "model_call" for line in lines)
    assert snapshot(repo) == before
