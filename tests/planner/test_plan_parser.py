from __future__ import annotations

import json

from compilot.planner.constrained import parse_json_plan, plan_grammar, plan_json_schema
from compilot.planner.parser import Join, ParseIssue, PlanParser, parse_plan
from compilot.planner.plan import Task, call_key, rename_refs, whole_ref
from compilot.tools import ToolRegistry, tool


@tool
def search(country: str, field: str) -> int:
    """Look up."""
    return 0


@tool
def math(expression: str) -> float:
    """Compute."""
    return 0.0


REG = ToolRegistry([search, math])


def params_of(name: str) -> tuple[str, ...] | None:
    return REG.get(name).params if name in REG else None


def test_task_is_emitted_as_soon_as_its_line_is_complete() -> None:
    parser = PlanParser(params_of=params_of)
    assert parser.feed('1. search(country="Fra') == []
    items = parser.feed('nce", field="population")\n2. sea')
    assert items == [Task.make(1, "search", {"country": "France", "field": "population"})]
    assert parser.feed('rch("Spain", "area")\n') == [
        Task.make(2, "search", {"country": "Spain", "field": "area"})]
    assert isinstance(parser.feed("3. join()\n")[0], Join)
    assert parser.plan().has_join


def test_references_in_all_forms_become_dependencies() -> None:
    plan = parse_plan('1. search("A", "x")\n2. search("B", "y")\n'
                      '3. math(expression="${1} * $2.value + $1")\n'
                      '4. math(expression=$3)\n5. join()', params_of)
    assert plan.tasks[2].deps == (1, 2)
    assert plan.tasks[3].args == {"expression": "$3"} and plan.tasks[3].deps == (3,)
    assert whole_ref("$2.value.items[0]").path == ("value", "items", 0)
    assert whole_ref("${4}").id == 4 and whole_ref("x $4") is None


def test_unparsable_lines_are_reported_not_dropped() -> None:
    plan = parse_plan('Thought: go\n1. search("A", "x")\nI will now search\n'
                      '2. search("A", "x", "extra")\nsearch(country="B", field="y")\n'
                      "3. join()\nThe answer follows.", params_of)
    assert [t.id for t in plan.tasks] == [1]
    assert len(plan.issues) == 3
    assert any("positional" in i for i in plan.issues)
    assert any("must start with its number" in i for i in plan.issues)
    assert plan.thoughts == ("go",)


def test_fences_blank_lines_and_literals() -> None:
    plan = parse_plan('```\n\n1. math(expression="2", )\n2. join()\n```', params_of)
    assert plan.has_join and not plan.issues
    parser = PlanParser(params_of=params_of)
    items = parser.feed("1. search(country=true, field=[1, null])\n")
    assert items[0].args == {"country": True, "field": [1, None]}
    bad = parser.feed("2. search(country=open('x'), field=1)\n")
    assert isinstance(bad[0], ParseIssue)


def test_call_key_compares_references_by_what_they_point_at() -> None:
    a1, a2 = Task.make(1, "search", {"country": "A"}), Task.make(7, "search", {"country": "A"})
    b1 = Task.make(2, "math", {"expression": "$1"})
    b2 = Task.make(8, "math", {"expression": "$7"})
    keys1 = {1: call_key(a1, {})}
    keys2 = {7: call_key(a2, {})}
    assert call_key(b1, keys1) == call_key(b2, keys2)
    assert rename_refs({"e": "$1 + ${1}.x", "l": ["$2"]}, {1: 5}) == {"e": "$5 + $5.x",
                                                                     "l": ["$2"]}


def test_json_plan_schema_and_parse() -> None:
    schema = plan_json_schema(REG)
    branches = schema["properties"]["tasks"]["items"]["anyOf"]
    assert [b["properties"]["tool"]["enum"] for b in branches] == [["search"], ["math"]]
    country = branches[0]["properties"]["args"]["properties"]["country"]["anyOf"]
    assert {"type": "array", "items": {"type": "string"}, "minItems": 1} in country
    text = json.dumps({"thought": "t", "tasks": [
        {"id": 1, "tool": "search", "args": {"country": "A", "field": "x"}},
        {"id": 2, "tool": "math", "args": {"expression": "$1"}}, {"oops": 1}]})
    plan = parse_json_plan(text)
    assert [t.id for t in plan.tasks] == [1, 2] and plan.tasks[1].deps == (1,)
    assert plan.has_join and len(plan.issues) == 1
    assert parse_json_plan("{not json").issues


def test_grammar_names_every_tool_and_its_arguments() -> None:
    grammar = plan_grammar(REG)
    assert 'call ::= call-search | call-math' in grammar
    # A one-value argument also takes a list of values (the call is mapped over them).
    assert ('"search(" "country=" ( ref | string | "[" ws ( string ) ( "," ws ( string ) )* '
            '"]" ) ", " "field="') in grammar
    assert "root ::=" in grammar and "join()" in grammar
