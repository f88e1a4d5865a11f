from __future__ import annotations

from compilot.planner.parser import parse_plan
from compilot.planner.plan import Plan, Task
from compilot.planner.validate import find_cycle, validate_plan
from compilot.tools import ToolRegistry, tool


@tool
def search(country: str, field: str) -> int:
    """Look up."""
    return 0


@tool
def add(a: int, b: int) -> int:
    """Add."""
    return a + b


REG = ToolRegistry([search, add])


def problems(text: str, prior: tuple[int, ...] = ()) -> list[str]:
    return validate_plan(parse_plan(text), REG, prior)


def test_a_sound_plan_has_no_problems() -> None:
    assert problems('1. search(country="A", field="x")\n2. add(a=$1, b=2)\n3. join()') == []


def test_unknown_tool_lists_available_ones() -> None:
    [p] = problems('1. serch(country="A")\n2. join()')
    assert "task 1" in p and "serch" in p and "search, add" in p


def test_bad_arguments_name_the_argument() -> None:
    found = problems('1. add(a="many", b=2, c=3)\n2. add(a=1)\n3. join()')
    assert any("'a'" in p and "many" in p for p in found)
    assert any("no argument 'c'" in p for p in found)
    assert any("missing required argument 'b'" in p for p in found)


def test_references_to_missing_later_or_own_tasks() -> None:
    found = problems('1. add(a=$2, b=1)\n2. add(a=$2, b=$9)\n3. join()')
    assert any("task 1" in p and "$2" in p for p in found)
    assert any("$2 refers to the task itself" in p for p in found)
    assert any("$9" in p for p in found)


def test_references_to_earlier_rounds_are_allowed_but_ids_not_reused() -> None:
    assert problems('4. add(a=$1, b=1)\n5. join()', prior=(1, 2, 3)) == []
    assert any("duplicate task id 2" in p
               for p in problems('2. add(a=1, b=1)\n3. join()', prior=(1, 2)))


def test_duplicates_cycles_join_and_parse_issues() -> None:
    found = problems('1. add(a=1, b=1)\n1. add(a=2, b=2)\nwhat now')
    assert any("duplicate task id 1" in p for p in found)
    assert any("join()" in p for p in found)
    assert any("what now" in p for p in found)
    plan = Plan(tasks=(Task.make(1, "add", {"a": "$2", "b": 1}),
                       Task.make(2, "add", {"a": "$1", "b": 1})), has_join=True)
    assert find_cycle(plan.tasks) in ([1, 2, 1], [2, 1, 2])
    assert any("cycle" in p for p in validate_plan(plan, REG))


def test_a_literal_list_for_a_one_value_argument_checks_each_item() -> None:
    assert problems('1. search(country=["A", "B"], field="x")\n2. join()') == []
    assert problems('2. add(a=[1, 2], b=$1)\n3. join()', prior=(1,)) == []
    [bad] = problems('1. add(a=[1, "many"], b=2)\n2. join()')
    assert "'a'" in bad and "many" in bad
    [two] = problems('1. add(a=[1, 2], b=[3, 4])\n2. join()')
    assert "a, b are all lists" in two and "one list per call" in two
    [empty] = problems('1. add(a=[], b=2)\n2. join()')
    assert "empty list" in empty
