"""Compiler-style planner (LLMCompiler): plan language, streaming parser, validator, joiner and
replanner. Turns a request into a DAG of tool calls.

Names are imported lazily: ``compilot.executor`` imports ``compilot.planner.plan`` and the
joiner imports the executor's result types, so eager imports here would be circular.
"""

from __future__ import annotations

from compilot._lazy import lazy_exports

_MODULES = {"JoinDecision": "joiner", "Joiner": "joiner", "Plan": "plan", "Task": "plan",
            "PlanParser": "parser", "parse_plan": "parser", "Planner": "planner",
            "validate_plan": "validate"}
__all__ = sorted(_MODULES)

__getattr__, __dir__ = lazy_exports(
    __name__, {name: f"{__name__}.{module}" for name, module in _MODULES.items()}, globals())
