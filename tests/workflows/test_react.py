"""The ReAct baseline with scripted models against the real tools, registry and trace."""

from __future__ import annotations

import json
from pathlib import Path

from wf_tools import TOOLS, calls

from compilot.testing.models import ScriptedModel
from compilot.tools.registry import ToolRegistry
from compilot.workflows.react import action_grammar, action_schema, parse_step, react


def act(tool: str, **args: object) -> str:
    return json.dumps({"thought": "next", "action": {"tool": tool, "args": args}})


def test_text_react_runs_one_call_per_turn_and_answers(log: Path) -> None:
    model = ScriptedModel([
        'Thought: France first\nAction: search(country="France", field="population")',
        'Thought: now Spain\nAction: search(country="Spain", field="population")',
        'Action: math(expression="68 + 48")',
        "Thought: done\nFinal Answer: 116",
    ])
    result = react("France + Spain?", tools=TOOLS, model=model)
    assert result.answer == "116" and result.note is None
    assert calls(log) == ["search France", "search Spain", "math 68 + 48"]
    assert [t.tool for t in result.trace.tasks] == ["search", "search", "math"]
    assert [c.purpose for c in result.trace.model_calls] == ["react"] * 4
    assert result.trace.total_tokens > 0
    # each turn sees the previous observation
    assert model.requests[1].messages[-1].content == "Observation: 68"
    assert model.requests[3].messages[-1].content == "Observation: 116.0"
    assert "\nObservation:" in model.requests[0].options.stop


def test_json_react_sends_the_action_schema_and_reads_json(log: Path) -> None:
    model = ScriptedModel([act("search", country="Italy", field="population"),
                           json.dumps({"thought": "ok", "action": {"final_answer": "59"}})])
    result = react("Italy?", tools=TOOLS, model=model, constrained="json")
    assert result.answer == "59"
    schema = model.requests[0].options.json_schema
    assert schema is not None
    branches = schema["properties"]["action"]["anyOf"]
    assert [b["properties"].get("tool", {}).get("enum") for b in branches] == [
        ["search"], ["math"], ["publish"], None]
    assert branches[0]["properties"]["args"]["required"] == ["country", "field"]


def test_unknown_tool_and_bad_args_become_observations(log: Path) -> None:
    model = ScriptedModel([act("serch", country="Italy"), act("search", country="Italy"),
                           'Final Answer: 59'])
    result = react("Italy?", tools=TOOLS, model=model, constrained="json")
    assert result.answer == "59"
    first, second = (model.requests[i].messages[-1].content for i in (1, 2))
    assert "unknown tool 'serch'" in first and "search, math, publish" in first
    assert "ERROR: bad arguments" in second and "field" in second
    assert calls(log) == []  # neither bad call ran the tool
    assert [t.status for t in result.trace.tasks] == ["failed"]


def test_a_failing_tool_is_reported_and_the_run_continues(log: Path) -> None:
    model = ScriptedModel(['Action: search(country="Mars", field="population")',
                           "Final Answer: unknown"])
    result = react("Mars?", tools=TOOLS, model=model)
    assert result.answer == "unknown"
    assert "ERROR: KeyError" in model.requests[1].messages[-1].content
    assert result.trace.tasks[0].status == "failed"


def test_steps_are_bounded_and_the_script_is_not_overrun(log: Path) -> None:
    step = 'Action: search(country="France", field="population")'
    model = ScriptedModel([step, step])
    result = react("q", tools=TOOLS, model=model, max_steps=2)
    assert result.answer is None and "2 steps" in (result.note or "")
    assert model.remaining == 0


def test_references_are_refused_in_react(log: Path) -> None:
    model = ScriptedModel(['Action: math(expression="$1 + 2")', "Final Answer: x"])
    react("q", tools=TOOLS, model=model)
    assert "not $N references" in model.requests[1].messages[-1].content
    assert calls(log) == []


def test_parse_step_takes_whichever_comes_first() -> None:
    reg = ToolRegistry(TOOLS)
    assert parse_step("Thought: t\nFinal Answer: 3\nAction: math(expression='1')", reg
                      ).answer == "3"
    step = parse_step("Action: math('1+1')\nFinal Answer: 2", reg)
    assert step.call == ("math", {"expression": "1+1"})
    assert parse_step("I think it is 4", reg).problem is not None
    assert parse_step("{not json", reg).problem is not None


def test_grammar_has_typed_calls_without_references() -> None:
    grammar = action_grammar(ToolRegistry(TOOLS))
    assert grammar.startswith("root ::=")
    assert 'call-search ::= "search(" "country=" ( string )' in grammar
    assert "ref |" not in grammar and '"Final Answer: "' in grammar
    # One call per turn: no list where a tool takes one value (a plan would map over it).
    assert not [r for r in grammar.splitlines() if r.startswith("call-") and '"["' in r]
    model = ScriptedModel(["Thought: t\nFinal Answer: 1"])
    react("q", tools=TOOLS, model=model, constrained="grammar")
    assert model.requests[0].options.grammar == grammar


def test_action_schema_is_valid_json_schema() -> None:
    schema = action_schema(ToolRegistry(TOOLS))
    json.dumps(schema)
    assert schema["required"] == ["thought", "action"]


def test_a_repeated_call_is_not_run_again_and_says_so(log: Path) -> None:
    step = 'Action: search(country="France", field="population")'
    model = ScriptedModel([step, step, "Final Answer: 68"])
    result = react("q", tools=TOOLS, model=model)
    assert result.answer == "68" and calls(log) == ["search France"]
    assert "already made this call" in model.requests[2].messages[-1].content
