"""The fixer's model-free steps: junit parsing, evidence rules, answer parsing, diagnostics,
the trajectory recorder and budgets, the script model source, SWE-bench files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from compilot.agents.fixer.candidates import Evidence
from compilot.agents.fixer.edit_loop import parse_json_edits
from compilot.agents.fixer.report import FixResult, diagnostics
from compilot.agents.fixer.reproduce import _problem, extract_test
from compilot.agents.fixer.swebench import finished_ids, load_instances, run_instances
from compilot.agents.fixer.testrun import TestRun, parse_junit
from compilot.errors import (
    ConfigError,
    ModelConnectionError,
    ModelSourceError,
    RepositoryError,
)
from compilot.memory.trajectory import Budget, BudgetExhausted, RecordingModel, TrajectoryRecorder
from compilot.testing import ScriptedModel
from compilot.testing.script_source import load_script_model

JUNIT = """<?xml version="1.0"?><testsuites><testsuite>
<testcase classname="tests.test_a" name="test_ok"/>
<testcase classname="tests.test_a" name="test_bad"><failure message="x"/></testcase>
<testcase classname="tests.test_a" name="test_err"><error message="y"/></testcase>
<testcase classname="tests.test_a" name="test_skip"><skipped/></testcase>
</testsuite></testsuites>"""


def test_parse_junit_sorts_passed_failed_and_skipped() -> None:
    passed, failed, skipped = parse_junit(JUNIT)
    assert passed == ("tests.test_a::test_ok",)
    assert failed == ("tests.test_a::test_bad", "tests.test_a::test_err")
    assert skipped == 1
    assert parse_junit("not xml") == ((), (), 0)


def run(code: int, passed: tuple[str, ...] = (), failed: tuple[str, ...] = ()) -> TestRun:
    return TestRun("pytest", code, passed, failed)


def test_evidence_needs_a_fail_to_pass_test_and_no_regression() -> None:
    suite = run(0, ("t::a",))
    repro_before = run(1, failed=("r::x",))
    good = Evidence(suite, run(0, ("t::a",)), repro_before, run(0, ("r::x",)))
    assert good.validated and good.fixed == ("r::x",)
    regressed = Evidence(suite, run(1, (), ("t::a",)), repro_before, run(0, ("r::x",)))
    assert not regressed.validated and regressed.regressions == ("t::a",)
    repro_still_fails = Evidence(suite, run(0, ("t::a",)), repro_before, run(1, (), ("r::x",)))
    assert not repro_still_fails.validated
    nothing_fixed = Evidence(suite, run(0, ("t::a",)))
    assert not nothing_fixed.validated  # passing tests alone prove nothing
    suite_fixed = Evidence(run(1, ("t::a",), ("t::b",)), run(0, ("t::a", "t::b")))
    assert suite_fixed.validated and suite_fixed.fixed == ("t::b",)


def test_answers_are_parsed_from_json_or_fenced_text() -> None:
    assert extract_test('{"test_code": "def test_x():\\n    pass\\n"}', True)
    assert extract_test("not json", True) is None
    text = "Here:\n```python\nimport m\n\ndef test_m():\n    assert m.f()\n```\n"
    assert extract_test(text, False) == "import m\n\ndef test_m():\n    assert m.f()\n"
    assert extract_test("no test here", False) is None
    parsed = parse_json_edits('{"edits": [{"path": "a.py", "search": "x", "replace": "y"}]}')
    assert parsed.ok and parsed.edits[0].path == "a.py"
    assert not parse_json_edits('{"edits": [{"path": "a.py"}]}').ok


def test_diagnostics_lines(tmp_path: Path) -> None:
    patch = ("diff --git a/pkg/m.py b/pkg/m.py\n--- a/pkg/m.py\n+++ b/pkg/m.py\n"
             "@@ -10,2 +12,2 @@ def f():\n-    x\n+    y\n")
    result = FixResult("unvalidated", patch, None, tmp_path, tmp_path / "t.jsonl")
    assert diagnostics(result, "vscode") == [
        "pkg/m.py:12:1: warning: compilot: proposed change NOT validated by tests"]
    assert diagnostics(result, "github")[0].startswith("::warning file=pkg/m.py,line=12,col=1::")


def test_recording_model_logs_calls_and_enforces_budget(tmp_path: Path) -> None:
    recorder = TrajectoryRecorder(tmp_path / "traj.jsonl")
    model = RecordingModel(ScriptedModel(["one", "two"]), recorder, Budget(max_calls=1))
    model.step = "edit"
    assert model.complete("hi").text == "one"
    with pytest.raises(BudgetExhausted, match="model-call budget"):
        model.complete("again")
    with recorder.tool("lookup", {"q": 1}) as info:
        info["result"] = 3
    events = [json.loads(line) for line in recorder.path.read_text().splitlines()]
    assert [e["type"] for e in events] == ["model_call", "tool_call"]
    assert events[0]["step"] == "edit" and events[0]["completion_tokens"] >= 1
    assert events[1]["result"] == 3 and events[1]["ok"]


def test_script_source(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text(json.dumps({"replies": ["a"], "name": "fake"}))
    model = load_script_model(f"script:{path}")
    assert model.name == "fake" and model.complete("q").text == "a"
    path.write_text("{}")
    with pytest.raises(ModelSourceError):
        load_script_model(f"script:{path}")


def test_instances_and_resumed_preds(tmp_path: Path) -> None:
    inst = tmp_path / "instances.jsonl"
    rows = [{"instance_id": f"i{n}", "repo": "r", "base_commit": "c",
             "problem_statement": "p"} for n in range(3)]
    inst.write_text("\n".join(json.dumps(r) for r in rows))
    assert load_instances(inst)[0].repo == tmp_path / "r"
    preds = tmp_path / "preds.jsonl"
    preds.write_text(json.dumps({"instance_id": "i0", "model_patch": "x"}) + "\n{\"inst")

    class Done:
        patch, status, ok, model_calls, tokens = "d", "fixed", True, 1, 9
        duration_s, run_dir = 0.1, "x"

    seen = []
    run_instances(inst, preds, model_name="m", solve=lambda i: seen.append(i.instance_id) or Done())
    assert seen == ["i1", "i2"]
    assert finished_ids(preds) == {"i0", "i1", "i2"}
    line = json.loads(preds.read_text().splitlines()[-1])
    assert set(line) >= {"instance_id", "model_name_or_path", "model_patch"}
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{"instance_id": "x"}]))
    with pytest.raises(ConfigError, match="lacks repo"):
        load_instances(bad)


def test_a_dead_model_server_stops_the_run_and_the_instance_is_retried(tmp_path: Path) -> None:
    inst = tmp_path / "instances.jsonl"
    inst.write_text("\n".join(json.dumps({"instance_id": f"i{n}", "repo": "r",
                                          "base_commit": "c", "problem_statement": "p"})
                              for n in range(2)))
    preds = tmp_path / "preds.jsonl"

    def dead_server(instance: object) -> object:
        raise ModelConnectionError("cannot reach the model endpoint")

    with pytest.raises(ModelConnectionError):
        run_instances(inst, preds, model_name="m", solve=dead_server)
    assert finished_ids(preds) == set()  # nothing recorded: a resumed run retries i0

    def bad_repo(instance: object) -> object:
        raise RepositoryError("not a git repository")

    run_instances(inst, preds, model_name="m", solve=bad_repo)
    lines = [json.loads(x) for x in preds.read_text().splitlines()]
    assert [(x["instance_id"], x["status"]) for x in lines] == [("i0", "error"), ("i1", "error")]


def test_a_collection_error_does_not_reproduce_anything() -> None:
    collection_error = TestRun("pytest", 2, (), ("test_compilot_repro",))
    assert not collection_error.failed_cleanly
    ev = Evidence(run(0, ("t::a",)), run(0, ("t::a",)), collection_error,
                  run(0, ("test_compilot_repro::test_x",)))
    assert not ev.reproduced and not ev.validated


def test_a_repro_failing_on_a_missing_import_is_sent_back() -> None:
    code = "def test_x():\n    assert f() == 1\n"
    failed = TestRun("pytest", 1, (), ("r::test_x",), output="E  NameError: name 'f' is not "
                     "defined")
    assert "'f' is not defined" in (_problem(code, failed) or "")
    assert _problem(code, TestRun("pytest", 1, (), ("r::test_x",), output="assert 0 == 1")) is None


def test_retries_sample_instead_of_repeating_the_greedy_answer() -> None:
    from compilot.agents.fixer.prompts import retry_options
    from compilot.llm.types import GenerationOptions

    first = GenerationOptions(temperature=0.0, seed=0, grammar="root ::= \"x\"")
    assert retry_options(first, 1) == first
    second, third = retry_options(first, 2), retry_options(first, 3)
    assert second.temperature and second.temperature > 0 and second.grammar == first.grammar
    assert second.seed != third.seed
    hot = GenerationOptions(temperature=0.9, seed=4)
    assert retry_options(hot, 2).temperature == 0.9
