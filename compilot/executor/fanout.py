"""Map a call over a list: ``lookup(person=$1, fact="age")`` where ``$1`` is a list of
names, or ``lookup(person=["Ann", "Bob"], fact="age")``.

A plan cannot know how long a list result will be, so without this a question like "which
of Ann's children is the tallest" needs a replan just to write one call per child. And a
fan-out written as one line per item costs the model a dozen tokens an item, which on a
CPU-served model takes longer than the calls themselves: one line with a list is a third
of that. When an argument - a whole reference or a literal - is a list and the tool's
parameter does not take a list, the executor calls the tool once per item (in parallel,
each call with its own timeout and retries) and the task's value is ``{item: result}`` - or
a list of results, in item order, when the items are not distinct names or numbers. Only one
argument may be mapped per call; the plan language stays LLMCompiler's, this only gives a
list argument a meaning where it would otherwise be a type error.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from compilot.planner.plan import whole_ref
from compilot.tools.tool import Tool


class FanoutError(ValueError):
    """The arguments cannot be mapped (several list arguments, too many items)."""


def list_arguments(tool: Tool, planned: Mapping[str, Any],
                   resolved: Mapping[str, Any] | None = None) -> list[str]:
    """The arguments that hold a list where ``tool`` takes one value: literal lists in
    ``planned``, and whole references whose ``resolved`` value is a list."""
    found = []
    for name, value in planned.items():
        if name not in tool.one_value_params:
            continue
        if whole_ref(value) is not None:
            value = (resolved or {}).get(name)
        if isinstance(value, list | tuple):
            found.append(name)
    return found


def mapped_argument(tool: Tool, planned: Mapping[str, Any], resolved: Mapping[str, Any],
                    max_items: int) -> tuple[str, list[Any]] | None:
    """The argument to map over and its items, or None for a plain call."""
    found = list_arguments(tool, planned, resolved)
    if not found:
        return None
    if len(found) > 1:
        raise FanoutError(f"{', '.join(found)} are all lists, but {tool.name} takes one value "
                          "each: map over one list per call")
    items = list(resolved[found[0]])
    if len(items) > max_items:
        raise FanoutError(f"{found[0]} holds {len(items)} items, more than the {max_items} "
                          "calls one task may fan out to")
    return found[0], items


def combine(items: Sequence[Any], values: Sequence[Any]) -> dict[Any, Any] | list[Any]:
    """``{item: value}`` when the items are distinct names or numbers, else the values."""
    keys_ok = all(isinstance(i, str | int | float) and not isinstance(i, bool) for i in items)
    if keys_ok and len(set(items)) == len(items):
        return dict(zip(items, values, strict=True))
    return list(values)
