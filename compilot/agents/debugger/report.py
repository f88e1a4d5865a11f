"""A repair result as plain data: for ``--json`` output, the CLI's tables and benchmark logs."""

from __future__ import annotations

import difflib
from typing import Any

from compilot.agents.debugger.loop import Attempt, DebugResult
from compilot.agents.debugger.select import Gap
from compilot.agents.debugger.trace import BlockVisit, TestOutcome


def outcome_dict(outcome: TestOutcome) -> dict[str, Any]:
    return {"test": outcome.test, "passed": outcome.passed, "error": outcome.error,
            "actual": outcome.actual, "expected": outcome.expected,
            "timed_out": outcome.timed_out}


def trace_rows(attempt: Attempt) -> list[dict[str, Any]]:
    """The visits shown to the model in ``attempt``: one row per visit or omitted run."""
    blocks, source = attempt.start.blocks, attempt.start.program
    rows: list[dict[str, Any]] = []
    for item in attempt.shown:
        if isinstance(item, Gap):
            rows.append({"omitted": item.count, "blocks": dict(item.blocks)})
        elif isinstance(item, BlockVisit) and blocks is not None:
            block = blocks[item.block]
            rows.append({"step": item.index, "block": item.block, "call": item.call,
                         "lines": [block.start, block.end], "kind": block.kind,
                         "code": block.code(source), "changed": item.changed(),
                         "after": dict(item.after), "returned": item.returned,
                         "exception": item.exception})
    return rows


def diff(before: str, after: str, name: str = "program.py") -> str:
    return "".join(difflib.unified_diff(before.splitlines(keepends=True),
                                        after.splitlines(keepends=True),
                                        f"a/{name}", f"b/{name}"))


def result_dict(result: DebugResult, original: str) -> dict[str, Any]:
    """Everything a user or a benchmark log needs about one run."""
    return {
        "method": result.method, "solved": result.solved, "stop_reason": result.stop_reason,
        "calls": result.calls, "usage": result.usage.model_dump(),
        "passed": result.best.passed, "total": len(result.best.report.tests),
        "tests": [outcome_dict(t) for t in result.best.report.tests],
        "program": result.program, "diff": diff(original, result.program),
        "attempts": [{"iteration": a.iteration, "notes": list(a.notes),
                      "verdicts": [{"block": v.block, "correct": v.correct,
                                    "explanation": v.explanation} for v in a.verdicts],
                      "passed": a.proposal.passed if a.proposal else None,
                      "trace": trace_rows(a)} for a in result.attempts],
    }
