"""Rankings of numeric fan-outs, as the joiner sees them next to the raw results."""

from __future__ import annotations

import asyncio
from typing import Literal

from compilot.executor.results import TaskResult
from compilot.llm.types import GenerationOptions, Message
from compilot.planner.compare import format_number
from compilot.planner.joiner import Joiner, choices_of, format_results
from compilot.planner.plan import Task
from compilot.testing.models import FunctionModel
from compilot.tools import ToolRegistry, tool


@tool
def search(country: str, field: Literal["population", "area", "capital"]) -> int | str:
    """Look up a fact about a country."""
    return 0


@tool
def math(expression: str) -> float:
    """Evaluate arithmetic."""
    return 0.0


REGISTRY = ToolRegistry([search, math])
IS_CHOICE = choices_of(REGISTRY)


def ok(value: object) -> TaskResult:
    return TaskResult("ok", value)


def shown(tasks: list[Task], results: dict[int, TaskResult]) -> str:
    return format_results(tasks, results, is_choice=IS_CHOICE)


def test_a_fan_out_over_one_free_argument_is_ranked() -> None:
    tasks = [Task.make(i, "search", {"country": c, "field": "area"})
             for i, c in enumerate(["Haiti", "Canada", "Bahrain"], 1)]
    results = {1: ok(27750), 2: ok(9984670), 3: ok(765)}
    text = shown(tasks, results)
    assert ('search(field="area") ranked by country, largest first: Canada 9,984,670 > '
            "Haiti 27,750 > Bahrain 765. Largest: Canada. Smallest: Bahrain. "
            "Total: 10,013,185.") in text
    assert text.splitlines()[0] == '1. search(country="Haiti", field="area") -> 27750'


def test_values_of_different_measures_are_never_ranked_together() -> None:
    tasks = [Task.make(1, "search", {"country": "Peru", "field": "population"}),
             Task.make(2, "search", {"country": "Peru", "field": "area"}),
             Task.make(3, "search", {"country": "Chile", "field": "population"})]
    results = {1: ok(33_000_000), 2: ok(1_285_216), 3: ok(19_000_000)}
    lines = [line for line in shown(tasks, results).splitlines() if "ranked" in line]
    assert lines == ['search(field="population") ranked by country, largest first: '
                     "Peru 33,000,000 > Chile 19,000,000. Largest: Peru. Smallest: Chile. "
                     "Total: 52,000,000."]


def test_no_ranking_without_two_comparable_numbers() -> None:
    one = [Task.make(1, "search", {"country": "Peru", "field": "area"})]
    assert "ranked" not in shown(one, {1: ok(5)})
    names = [Task.make(i, "search", {"country": c, "field": "capital"})
             for i, c in enumerate(["Peru", "Chile"], 1)]
    assert "ranked" not in shown(names, {1: ok("Lima"), 2: ok("Santiago")})
    failed = [Task.make(i, "search", {"country": c, "field": "area"})
              for i, c in enumerate(["Peru", "Chile"], 1)]
    assert "ranked" not in shown(failed, {1: ok(5), 2: TaskResult("failed", error="boom")})
    by_ref = [Task.make(3, "math", {"expression": "$1 / $2"}),
              Task.make(4, "math", {"expression": "$1 * $2"})]
    assert "ranked" not in shown(by_ref, {3: ok(1.5), 4: ok(2.5)})
    flags = [Task.make(1, "search", {"country": "Peru", "field": "area"}),
             Task.make(2, "search", {"country": "Chile", "field": "area"})]
    assert "ranked" not in shown(flags, {1: ok(True), 2: ok(False)})


def test_numbers_are_grouped_for_reading() -> None:
    assert [format_number(v) for v in (9984670, 104.0312, 1234.5, 7.0, 3000.0)] == [
        "9,984,670", "104.031", "1,234.5", "7", "3,000"]


def test_the_joiner_shows_rankings_only_with_a_registry() -> None:
    seen: list[str] = []

    def decide(messages: list[Message], options: GenerationOptions) -> str:
        seen.append(messages[-1].content)
        return "Thought: ranked.\nAction: Finish(Canada)"

    tasks = [Task.make(i, "search", {"country": c, "field": "area"})
             for i, c in enumerate(["Haiti", "Canada"], 1)]
    results = {1: ok(27750), 2: ok(9984670)}
    for registry in (REGISTRY, None):
        joiner = Joiner(FunctionModel(decide), registry=registry)
        decision = asyncio.run(joiner.decide("Which is larger?", tasks, results,
                                             may_replan=True))
        assert decision.answer == "Canada"
    assert "Largest: Canada" in seen[0] and "ranked" not in seen[1]
