"""Mapping a call over a list result: one call per item, in parallel, ``{item: value}``."""

from __future__ import annotations

import asyncio
import time

from compilot.executor import Executor, ExecutorConfig, TaskStarted
from compilot.executor.results import TaskResult
from compilot.planner.joiner import choices_of, format_results
from compilot.planner.plan import Task
from compilot.tools import ToolRegistry, tool

AGES = {"Bob": 31, "Cy": 27, "Di": 40}


@tool
def children(person: str) -> list[str]:
    """Names of a person's children."""
    return {"Ann": ["Bob", "Cy", "Di"], "Eve": ["Bob", "Bob"]}[person]


@tool
async def age(person: str, unit: str = "years") -> int:
    """Age of a person."""
    await asyncio.sleep(0.2)
    if person not in AGES:
        raise KeyError(f"unknown person {person!r}")
    return AGES[person]


@tool
def oldest(people: list[str]) -> str:
    """Takes the whole list."""
    return max(people, key=AGES.__getitem__)


@tool
def pair(a: str, b: str) -> str:
    """Two values."""
    return a + b


REGISTRY = ToolRegistry([children, age, oldest, pair])


def run(tasks: list[Task], **cfg: object) -> dict[int, TaskResult]:
    events: list[object] = []
    executor = Executor(REGISTRY, ExecutorConfig(**cfg), on_event=events.append)  # type: ignore[arg-type]
    outcome = asyncio.run(executor.execute(tasks))
    started = [e.task.id for e in events if isinstance(e, TaskStarted)]
    assert sorted(started) == sorted(set(started))  # one start per task, mapped or not
    return outcome.results


def test_a_list_into_a_one_value_argument_calls_once_per_item_in_parallel() -> None:
    begin = time.perf_counter()
    results = run([Task.make(1, "children", {"person": "Ann"}),
                   Task.make(2, "age", {"person": "$1", "unit": "years"})])
    elapsed = time.perf_counter() - begin
    assert results[2].ok and results[2].value == {"Bob": 31, "Cy": 27, "Di": 40}
    assert elapsed < 0.5  # three 0.2 s calls side by side, not one after another


def test_a_list_parameter_gets_the_list_itself() -> None:
    results = run([Task.make(1, "children", {"person": "Ann"}),
                   Task.make(2, "oldest", {"people": "$1"})])
    assert results[2].value == "Di"


def test_repeated_items_give_a_list_and_a_failing_item_fails_the_task_by_name() -> None:
    results = run([Task.make(1, "children", {"person": "Eve"}),
                   Task.make(2, "age", {"person": "$1"})])
    assert results[2].value == [31, 31]
    mixed = run([Task.make(1, "pair", {"a": "Bob", "b": "x"}),
                 Task.make(2, "children", {"person": "Ann"}),
                 Task.make(3, "age", {"person": "$2"}),
                 Task.make(4, "age", {"person": "$1"})])
    assert mixed[4].status == "failed" and "unknown person 'Bobx'" in (mixed[4].error or "")
    bad = run([Task.make(1, "children", {"person": "Ann"}),
               Task.make(2, "pair", {"a": "$1", "b": "$1"})])
    assert bad[2].status == "failed" and "map over one list per call" in (bad[2].error or "")
    capped = run([Task.make(1, "children", {"person": "Ann"}),
                  Task.make(2, "age", {"person": "$1"})], max_fanout=2)
    assert "more than the 2 calls" in (capped[2].error or "")


def test_the_joiner_ranks_a_mapped_call() -> None:
    tasks = [Task.make(1, "children", {"person": "Ann"}),
             Task.make(2, "age", {"person": "$1", "unit": "years"})]
    text = format_results(tasks, run(tasks), is_choice=choices_of(REGISTRY))
    # The ranking holds the whole result, so the joiner reads it once, not twice.
    assert '2. age(person=$1, unit="years") -> 3 numbers, ranked below' in text
    assert '"Bob": 31' not in text
    assert ('age(unit="years") ranked by person, largest first: Di 40 > Bob 31 > Cy 27. '
            "Largest: Di. Smallest: Cy. Total: 98.") in text


def test_a_literal_list_maps_the_call_like_a_list_result() -> None:
    begin = time.perf_counter()
    results = run([Task.make(1, "age", {"person": ["Di", "Bob", "Cy"]})])
    elapsed = time.perf_counter() - begin
    assert results[1].value == {"Di": 40, "Bob": 31, "Cy": 27}
    assert elapsed < 0.5  # three 0.2 s calls side by side
    # A list parameter takes a literal list whole.
    assert run([Task.make(1, "oldest", {"people": ["Bob", "Di"]})])[1].value == "Di"


def test_the_joiner_ranks_a_call_mapped_over_a_literal_list() -> None:
    tasks = [Task.make(1, "age", {"person": ["Bob", "Cy", "Di"], "unit": "years"})]
    text = format_results(tasks, run(tasks), is_choice=choices_of(REGISTRY))
    assert text == ('1. age(person=[3 items], unit="years") -> 3 numbers, ranked below\n'
                    'age(unit="years") ranked by person, largest first: Di 40 > Bob 31 > '
                    "Cy 27. Largest: Di. Smallest: Cy. Total: 98.")


def test_a_mapped_result_that_is_not_ranked_is_shown_whole() -> None:
    tasks = [Task.make(1, "pair", {"a": ["x", "y"], "b": "z"})]
    text = format_results(tasks, run(tasks), is_choice=choices_of(REGISTRY))
    assert text == '1. pair(a=["x", "y"], b="z") -> {"x": "xz", "y": "yz"}'
