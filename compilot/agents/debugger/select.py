"""Choose the bounded set of block visits shown to the model, and summarise the rest.

A failing trace can hold hundreds of visits; the model sees ``max_blocks`` of them. Showing
just the first and last ones hides the step where the state goes wrong, so the choice is
ranked: the visit that raised or returned; the first visit whose state diverges from the
expected result (when the test names one); the first visit of every block (a wrongly taken
branch shows up once); then evenly spread loop iterations. Omitted runs become one summary line
naming the blocks that repeated.
"""

from __future__ import annotations

import ast
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from compilot.agents.debugger.trace import BlockVisit

_UNKNOWN = object()


@dataclass(frozen=True)
class Gap:
    """A run of omitted visits."""

    count: int
    blocks: tuple[tuple[int, int], ...]
    """(block id, visits) of the omitted run, most frequent first."""

    def describe(self) -> str:
        parts = ", ".join(f"block {b} x{n}" for b, n in self.blocks[:6])
        return f"... {self.count} block visits omitted ({parts}) ..."


ShownItem = BlockVisit | Gap


def literal(text: str | None) -> Any:
    """The value behind a repr when it is a plain literal, else ``_UNKNOWN``."""
    if text is None or text.endswith("...") and len(text) > 3:
        return _UNKNOWN
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return _UNKNOWN


def _on_track(value: Any, expected: Any) -> bool | None:
    """Can ``value`` still grow into ``expected``? None when that cannot be told."""
    if value is _UNKNOWN:
        return None
    if isinstance(expected, str) and isinstance(value, str):
        return expected.startswith(value)
    if isinstance(expected, list | tuple) and isinstance(value, list | tuple):
        return list(expected[: len(value)]) == list(value)
    if isinstance(expected, set | frozenset | dict) and isinstance(value, type(expected)):
        return all(k in expected for k in value)
    return None


def result_variable(visits: Sequence[BlockVisit]) -> str | None:
    """The local whose final value the traced call returned (outermost call)."""
    final = next((v for v in reversed(visits) if v.call == 0 and v.returned is not None), None)
    if final is None:
        return None
    return next((k for k, val in final.after.items() if val == final.returned), None)


def divergence(visits: Sequence[BlockVisit], expected: str | None) -> int | None:
    """Position of the first visit where the returned variable leaves the expected result."""
    target, name = literal(expected), result_variable(visits)
    if target is _UNKNOWN or name is None:
        return None
    values = [(i, literal(v.after.get(name))) for i, v in enumerate(visits)
              if v.call == 0 and name in v.after]
    for pos, value in values:
        if _on_track(value, target) is False:
            return pos
    numbers = [(p, v) for p, v in values if isinstance(v, int | float)
               and not isinstance(v, bool)]
    if len(numbers) < 2 or not isinstance(target, int | float) or isinstance(target, bool):
        return _last_change(visits, name)
    seq = [v for _, v in numbers]
    rising = all(a <= b for a, b in zip(seq, seq[1:], strict=False))
    falling = all(a >= b for a, b in zip(seq, seq[1:], strict=False))
    for pos, value in numbers:
        if (rising and value > target) or (falling and value < target):
            return pos
    return _last_change(visits, name)


def _last_change(visits: Sequence[BlockVisit], name: str) -> int | None:
    changes = [i for i, v in enumerate(visits) if v.call == 0 and name in v.changed()]
    return changes[-1] if changes else None


def select_visits(visits: Sequence[BlockVisit], max_blocks: int = 10,
                  expected: str | None = None) -> list[ShownItem]:
    """At most ``max_blocks`` visits in execution order, with :class:`Gap` lines between."""
    if len(visits) <= max_blocks:
        return list(visits)
    ranked: list[int] = []
    raised = [i for i, v in enumerate(visits) if v.exception is not None]
    ranked += raised[:1] + [len(visits) - 1]
    point = divergence(visits, expected)
    if point is not None:
        ranked += [point, point - 1] if point > 0 else [point]
    ranked.append(0)
    first_seen: dict[int, int] = {}
    for i, visit in enumerate(visits):
        first_seen.setdefault(visit.block, i)
    ranked += sorted(first_seen.values())
    ranked += [len(visits) - 2]
    step = max(1, len(visits) // max_blocks)
    ranked += list(range(0, len(visits), step))
    chosen: list[int] = []
    for idx in ranked:
        if 0 <= idx < len(visits) and idx not in chosen:
            chosen.append(idx)
        if len(chosen) == max_blocks:
            break
    return _with_gaps(visits, sorted(chosen))


def _with_gaps(visits: Sequence[BlockVisit], chosen: list[int]) -> list[ShownItem]:
    out: list[ShownItem] = []
    previous = -1
    for idx in chosen:
        # trace indices, not positions: a truncated trace has a hole between head and tail
        start = visits[previous].index + 1 if previous >= 0 else 0
        if visits[idx].index > start:
            omitted = Counter(v.block for v in visits[previous + 1: idx])
            out.append(Gap(visits[idx].index - start, tuple(omitted.most_common())))
        out.append(visits[idx])
        previous = idx
    return out
