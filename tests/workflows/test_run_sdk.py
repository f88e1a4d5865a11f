from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from wf_tools import TOOLS, calls

from compilot.errors import PlanError
from compilot.executor import TaskFinished
from compilot.testing.models import ScriptedModel
from compilot.workflows.run import RunResult, arun, astream, run

PLAN = ('Thought: two lookups, then add\n1. search(country="France", field="population")\n'
        '2. search(country="Spain", field="population")\n3. math(expression="$1 + $2")\n'
        "4. join()")


def test_run_answers_with_a_trace(log: Path) -> None:
    model = ScriptedModel([PLAN, "Thought: added\nAction: Finish(116)"])
    result = run("Total population of France and Spain?", tools=TOOLS, model=model)
    assert result.answer == "116" and result.status == "done"
    assert [t.id for t in sorted(result.trace.tasks, key=lambda t: t.id)] == [1, 2, 3]
    assert all(t.status == "ok" and t.result_size > 0 for t in result.trace.tasks)
    assert [c.purpose for c in result.trace.model_calls] == ["plan", "join"]
    assert result.trace.total_tokens > 0
    joiner_prompt = model.requests[1].messages[-1].content
    assert "-> 116.0" in joiner_prompt
    assert sorted(calls(log)) == ["math 68 + 48", "search France", "search Spain"]


def test_bad_plan_gets_one_targeted_repair(log: Path) -> None:
    bad = '1. search(country="France", field="population")\n2. serch(country="Spain")\n3. join()'
    model = ScriptedModel([bad, PLAN, "Action: Finish(116)"])
    result = run("q", tools=TOOLS, model=model)
    assert result.answer == "116"
    repair = model.requests[1].messages[-1].content
    assert "serch" in repair and "search, math, publish" in repair
    assert calls(log).count("search France") == 1  # dispatched early, reused by the repair


def test_plan_still_bad_after_repair_is_a_plan_error(log: Path) -> None:
    bad = "1. nothing()\n2. join()"
    with pytest.raises(PlanError, match="unknown tool 'nothing'"):
        run("q", tools=TOOLS, model=ScriptedModel([bad, bad]))


def test_replan_reuses_earlier_results_and_never_repeats_a_call(log: Path) -> None:
    first = '1. search(country="France", field="population")\n2. join()'
    second = ('3. search(country="France", field="population")\n'
              '4. search(country="Italy", field="population")\n'
              '5. math(expression="$1 + $4")\n6. join()')
    model = ScriptedModel([first, "Action: Replan(need Italy too)", second,
                           "Action: Finish(127)"])
    result = run("France + Italy?", tools=TOOLS, model=model)
    assert result.answer == "127"
    assert calls(log) == ["search France", "search Italy", "math 68 + 59"]
    replan_prompt = model.requests[2].messages[-1].content
    assert "need Italy too" in replan_prompt and "Number new tasks from 2" in replan_prompt


def test_replan_that_restarts_numbering_at_1_is_renumbered(log: Path) -> None:
    first = '1. search(country="France", field="population")\n2. join()'
    second = ('1. search(country="Italy", field="population")\n'
              '2. math(expression="$1 + 68")\n3. join()')
    model = ScriptedModel([first, "Action: Replan(need Italy too)", second,
                           "Action: Finish(127)"])
    result = run("France + Italy?", tools=TOOLS, model=model)
    assert result.answer == "127" and result.status == "done"
    assert calls(log) == ["search France", "search Italy", "math 59 + 68"]
    assert sorted(t.id for t in result.trace.tasks) == [1, 2, 3]


def test_a_duplicate_id_within_one_plan_is_still_reported(log: Path) -> None:
    bad = ('1. search(country="France", field="population")\n'
           '1. search(country="Spain", field="population")\n2. join()')
    with pytest.raises(PlanError, match="duplicate task id 1"):
        run("q", tools=TOOLS, model=ScriptedModel([bad, bad]))


def test_replans_are_bounded(log: Path) -> None:
    plan = '1. search(country="France", field="population")\n2. join()'
    model = ScriptedModel([plan, "Action: Replan(more)", "3. join()", "Action: Replan(more)"])
    result = run("q", tools=TOOLS, model=model, max_replans=1)
    assert result.answer is None and "replan" in (result.note or "")
    assert model.remaining == 0


def test_approval_interrupt_lists_pending_and_resumes(log: Path, tmp_path: Path) -> None:
    plan = ('1. search(country="France", field="population")\n'
            '2. publish(text="pop $1")\n3. math(expression="$1 * 2")\n4. join()')
    model = ScriptedModel([plan, "Action: Finish(done)"])
    db = tmp_path / "runs.sqlite"
    first = run("q", tools=TOOLS, model=model, db_path=db, thread_id="t1")
    assert first.status == "interrupted"
    assert [p["tool"] for p in first.pending_approvals] == ["publish"]
    assert "math 68 * 2" in calls(log)  # read-only work went on meanwhile
    second = run("q", tools=TOOLS, model=model, db_path=db, thread_id="t1",
                 approvals={"2": True})
    assert second.answer == "done"
    assert calls(log).count("search France") == 1 and "publish pop 68" in calls(log)


def test_denied_approval_fails_the_task_for_the_joiner(log: Path) -> None:
    plan = '1. publish(text="hello")\n2. join()'
    model = ScriptedModel([plan, "Action: Finish(not published)"])
    result = run("q", tools=TOOLS, model=model, approve=lambda pending: {})
    assert result.answer == "not published" and "publish hello" not in calls(log)
    assert "not approved" in model.requests[1].messages[-1].content


def test_astream_yields_events_then_the_result(log: Path) -> None:
    async def collect() -> list[object]:
        model = ScriptedModel([PLAN, "Action: Finish(116)"])
        return [e async for e in astream("q", tools=TOOLS, model=model)]

    events = asyncio.run(collect())
    assert isinstance(events[-1], RunResult) and events[-1].answer == "116"
    assert sum(isinstance(e, TaskFinished) for e in events) == 3


def test_constrained_json_plans_send_the_schema(log: Path) -> None:
    plan = ('{"thought": "t", "tasks": [{"id": 1, "tool": "search", "args": '
            '{"country": "Spain", "field": "population"}}]}')
    model = ScriptedModel([plan, '{"thought": "t", "action": "finish", "content": "48"}'])
    result = asyncio.run(arun("q", tools=TOOLS, model=model, constrained="json"))
    assert result.answer == "48"
    schema = model.requests[0].options.json_schema
    assert schema is not None and "tasks" in schema["properties"]
    assert model.requests[1].options.json_schema["properties"]["action"]["enum"] == [
        "finish", "replan"]


def test_a_replan_repeating_a_failed_call_is_sent_back_then_the_joiner_answers(
        log: Path) -> None:
    first = ('1. search(country="Atlantis", field="population")\n'
             '2. search(country="France", field="population")\n3. join()')
    again = '3. search(country="Atlantis", field="population")\n4. join()'
    model = ScriptedModel([first, "Action: Replan(Atlantis is missing)", again, again,
                           "Thought: only France is known\nAction: Finish(68)"])
    result = run("Atlantis and France?", tools=TOOLS, model=model)
    assert result.answer == "68" and result.status == "done"
    repair = model.requests[3].messages[-1].content
    assert 'search(country="Atlantis", field="population") failed before' in repair
    assert "KeyError" in repair
    assert calls(log).count("search Atlantis") == 1  # the repeat never ran
    final_join = model.requests[4].messages[-1].content
    assert "the new plan was refused" in final_join and "-> 68" in final_join
