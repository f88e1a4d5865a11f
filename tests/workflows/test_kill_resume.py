"""A run killed (SIGKILL) mid-plan resumes from its SQLite checkpoint without re-running
finished tasks and without asking the model for the plan again."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from wf_tools import TOOLS

from compilot.testing.models import ScriptedModel
from compilot.workflows.run import run

PLAN = ('1. search(country="France", field="population")\n'
        '2. search(country="Spain", field="population")\n'
        '3. search(country="Italy", field="population")\n'
        '4. math(expression="$1 + $2 + $3")\n5. join()')

CHILD = f"""
import sys
sys.path.insert(0, {str(Path(__file__).parent)!r})
from wf_tools import TOOLS
from compilot.testing.models import ScriptedModel
from compilot.workflows.run import run
run("total?", tools=TOOLS, model=ScriptedModel([{PLAN!r}]), db_path=sys.argv[1],
    thread_id="killed")
"""


def test_killed_run_resumes_without_rerunning_finished_tasks(tmp_path: Path) -> None:
    log, db = tmp_path / "calls.log", tmp_path / "runs.sqlite"
    env = {**os.environ, "COMPILOT_TEST_LOG": str(log), "COMPILOT_TEST_SLOW": "Italy"}
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(db)], env=env)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            lines = log.read_text().splitlines() if log.exists() else []
            if {"search France", "search Spain", "search Italy"} <= set(lines):
                break
            assert child.poll() is None, "the child run ended before it could be killed"
            time.sleep(0.05)
        time.sleep(0.2)  # let the finished results reach the store
    finally:
        child.kill()
        child.wait()
    os.environ["COMPILOT_TEST_LOG"] = str(log)
    try:
        model = ScriptedModel(["Action: Finish(175)"])  # no plan: it comes from the store
        result = run("total?", tools=TOOLS, model=model, db_path=db, thread_id="killed")
    finally:
        del os.environ["COMPILOT_TEST_LOG"]
    assert result.answer == "175"
    calls = log.read_text().splitlines()
    assert calls.count("search France") == 1 and calls.count("search Spain") == 1
    assert calls.count("search Italy") == 2  # it never finished before the kill
    assert calls.count("math 68 + 48 + 59") == 1
    assert {t.id for t in result.trace.tasks} == {3, 4}
