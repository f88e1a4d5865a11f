"""Typed substitution of task results into arguments.

``$1`` as a whole argument value becomes task 1's Python value (not its string); ``$1.field``
takes an attribute, key or index; a reference inside a longer string is interpolated as text.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from compilot.executor.results import render_value
from compilot.planner.plan import REF_RE, Ref, whole_ref


class ReferenceError_(LookupError):
    """A reference could not be resolved (missing task, field or index)."""


def follow(ref: Ref, value_of: Callable[[int], Any]) -> Any:
    value = value_of(ref.id)
    for step in ref.path:
        try:
            if isinstance(step, int) or isinstance(value, Mapping):
                value = value[step]
            else:
                value = getattr(value, step)
        except (KeyError, IndexError, TypeError, AttributeError):
            raise ReferenceError_(f"${ref.id}: result has no {step!r} "
                                  f"(it is {type(value).__name__}: "
                                  f"{render_value(value)[:200]})") from None
    return value


def _ref(text: str) -> Ref:
    ref = whole_ref(text)
    if ref is None:  # REF_RE matched it, so it is a reference
        raise ValueError(f"not a reference: {text!r}")
    return ref


def resolve_args(args: Any, value_of: Callable[[int], Any]) -> Any:
    """``args`` with every reference replaced (walks dicts and lists)."""
    if isinstance(args, str):
        ref = whole_ref(args)
        if ref is not None:
            return follow(ref, value_of)
        return REF_RE.sub(lambda m: render_value(follow(_ref(m.group(0)), value_of)),
                          args) if "$" in args else args
    if isinstance(args, Mapping):
        return {k: resolve_args(v, value_of) for k, v in args.items()}
    if isinstance(args, list | tuple):
        return [resolve_args(v, value_of) for v in args]
    return args
