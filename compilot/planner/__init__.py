"""Compiler-style planner (LLMCompiler): plan language, streaming parser, validator, joiner and
replanner. Turns a request into a DAG of tool calls.

Names are imported lazily: ``compilot.executor`` imports ``compilot.planner.plan`` and the
joiner imports the executor's result types, so eager imports here would be circular.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {"JoinDecision": "joiner", "Joiner": "joiner", "Plan": "plan", "Task": "plan",
            "PlanParser": "parser", "parse_plan": "parser", "Planner": "planner",
            "validate_plan": "validate"}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'compilot.planner' has no attribute {name!r}")
    return getattr(importlib.import_module(f"compilot.planner.{_EXPORTS[name]}"), name)
