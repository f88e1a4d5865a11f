"""Rankings the joiner is shown next to the raw results of a fan-out.

Small models misread lists of large numbers: given the areas of eight countries, the bundled
1.5B model named the wrong one as largest in most runs, even with every value in front of
it. When a plan fans one tool out over several items - the same tool and the same other
arguments, one free argument varying - and every result is a number, the joiner also sees
those results ranked, with the largest and the smallest named and their total: asked for a
combined value, the small models otherwise name the largest one. The ranking is computed from
the calls and their results only; it never reads the question. A call mapped over a list
(a list result or a literal list; its value is ``{item: number}``) is ranked the same way.

A free argument is one whose values are open text (the item being looked up); arguments
with a fixed set of choices (an enum, a ``Literal``, a bool) say *what* is measured, and
values of different measures are never ranked against each other.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from compilot.executor.results import TaskResult
from compilot.planner.plan import Task, iter_refs, whole_ref

IsChoice = Callable[[str, str], bool]
"""``(tool, argument) -> True`` when the argument takes one of a fixed set of values."""

MAX_RANKINGS = 4


@dataclass(frozen=True)
class Ranking:
    """Numeric results of one tool over one varying argument, largest first."""

    tool: str
    by: str
    fixed: tuple[tuple[str, str], ...]
    """The arguments all the ranked calls share, rendered."""
    items: tuple[tuple[str, float], ...]
    mapped_task: int | None = None
    """The id of the mapped call whose whole result this ranking holds, if any."""

    def render(self) -> str:
        shared = ", ".join(f"{k}={v}" for k, v in self.fixed)
        order = " > ".join(f"{label} {format_number(value)}" for label, value in self.items)
        total = format_number(sum(value for _, value in self.items))
        return (f"{self.tool}({shared}) ranked by {self.by}, largest first: {order}. "
                f"Largest: {self.items[0][0]}. Smallest: {self.items[-1][0]}. "
                f"Total: {total}.")


def format_number(value: float) -> str:
    """Digits grouped by thousands (``9,984,670``), so magnitudes are easy to read."""
    if isinstance(value, int) or (abs(value) >= 1000 and float(value).is_integer()):
        return f"{int(value):,}"
    if abs(value) >= 1000:
        return f"{value:,.1f}"
    return f"{value:.6g}"


def is_free_argument(schema: Mapping[str, Any]) -> bool:
    """True for open-valued text arguments (a JSON-schema property without fixed choices)."""
    if "enum" in schema or "const" in schema:
        return False
    if "anyOf" in schema:
        return all(is_free_argument(s) for s in schema["anyOf"] if s.get("type") != "null")
    return schema.get("type") == "string"


def _number(result: TaskResult | None) -> float | None:
    if result is None or not result.ok or isinstance(result.value, bool):
        return None
    return result.value if isinstance(result.value, int | float) else None


def _group_key(task: Task, by: str) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((k, json.dumps(v, ensure_ascii=False, default=repr))
                        for k, v in task.args.items() if k != by))


def _mapped_ranking(task: Task, result: TaskResult | None) -> Ranking | None:
    """A call mapped over a list (``{item: number}``, :mod:`compilot.executor.fanout`)."""
    if result is None or not result.ok or not isinstance(result.value, dict):
        return None
    items = [(str(k), v) for k, v in result.value.items()
             if isinstance(v, int | float) and not isinstance(v, bool)]
    by = next((k for k, v in task.args.items()
               if whole_ref(v) is not None or isinstance(v, list)), None)
    if by is None or len(items) < 2 or len(items) != len(result.value):
        return None
    fixed = _group_key(task, by)
    return Ranking(task.tool, by, fixed, tuple(sorted(items, key=lambda kv: kv[1], reverse=True)),
                   task.id)


def rankings(tasks: Sequence[Task], results: Mapping[int, TaskResult],
             is_choice: IsChoice) -> list[Ranking]:
    """The rankings worth showing for ``tasks``: groups of at least two calls of one tool
    that differ only in one free text argument, all with numeric results."""
    numeric = [(t, v) for t in tasks if (v := _number(results.get(t.id))) is not None]
    found: list[Ranking] = []
    for tool in dict.fromkeys(t.tool for t, _ in numeric):
        calls = [(t, v) for t, v in numeric if t.tool == tool]
        for by in dict.fromkeys(k for t, _ in calls for k in t.args):
            if is_choice(tool, by):
                continue
            groups: dict[tuple[tuple[str, str], ...], dict[str, float]] = {}
            for task, value in calls:
                label = task.args.get(by)
                if not isinstance(label, str) or any(iter_refs(label)):
                    continue
                groups.setdefault(_group_key(task, by), {}).setdefault(label, value)
            for fixed, items in groups.items():
                if len(items) >= 2:
                    ranked = sorted(items.items(), key=lambda kv: kv[1], reverse=True)
                    found.append(Ranking(tool, by, fixed, tuple(ranked)))
    found += [r for t in tasks if (r := _mapped_ranking(t, results.get(t.id))) is not None]
    found.sort(key=lambda r: len(r.items), reverse=True)
    return found[:MAX_RANKINGS]
