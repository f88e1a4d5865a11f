"""Step 2 of the fixer: the independent look-ups, run as a fixed DAG through the executor.

``1. localize()`` and ``2. baseline_tests()`` have no dependencies and run in parallel (the
baseline suite runs in its sandbox while tree-sitter and BM25 rank the repository);
``3. read_files(paths=$1.files)`` starts the moment localisation finishes. No model writes
this plan: it is always the same, so it is built here, validated by the tool schemas, and run
by :class:`~compilot.executor.Executor` like any model-written plan.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from compilot.agents.fixer.grammars import is_test_path
from compilot.agents.fixer.localize import Localization, localize
from compilot.agents.fixer.tags import python_files
from compilot.agents.fixer.testrun import TestRun, TreeTests, test_tree
from compilot.errors import ExecutionError
from compilot.executor import Executor, ExecutorConfig, TaskFinished, TaskStarted
from compilot.planner.plan import Task
from compilot.sandboxes import SandboxConfig
from compilot.tools import ToolRegistry, tool

MAX_FILE_CHARS = 60_000
"""Read cap per file; the prompt shows excerpts (:mod:`.excerpts`), not whole files."""


def pick_files(ranked: tuple[str, ...], max_files: int) -> list[str]:
    """The ``max_files`` best-ranked source files, then the best test file (its imports show
    the reproduction test how to reach the code)."""
    sources = [p for p in ranked if not is_test_path(p)][:max_files]
    tests = [p for p in ranked if is_test_path(p)][:1]
    return sources + tests


@dataclass(frozen=True)
class Lookups:
    """What the model will be shown, and the tests' state before any change."""

    localization: Localization
    files: dict[str, str]
    """Source of the top localised files (cut to ``MAX_FILE_CHARS`` each): source files
    first, then one test file."""
    repo_files: tuple[str, ...]
    baseline: TestRun


def _registry(tree: Path, issue: str, sandbox: SandboxConfig, test_command: str,
              timeout: float, max_files: int, budget_tokens: int) -> tuple[ToolRegistry, dict]:
    found: dict[str, Any] = {}

    @tool(timeout_s=120)
    def localize_issue() -> dict:
        """Rank the repository's functions and files for the issue (repo map, BM25, traces)."""
        found["localization"] = loc = localize(tree, issue, budget_tokens=budget_tokens)
        return {"files": pick_files(loc.files, max_files), "locations": len(loc.locations)}

    @tool(timeout_s=timeout + 120)
    def baseline_tests() -> dict:
        """Run the existing test suite on the unchanged tree, in a sandbox."""
        run: TreeTests = test_tree(tree, sandbox, test_command, repro=None, timeout=timeout)
        found["baseline"] = run.suite
        return run.suite.to_json()

    @tool(timeout_s=60)
    def read_files(paths: list[str]) -> dict:
        """Read the given repository files."""
        found["files"] = out = {p: (tree / p).read_text(encoding="utf-8",
                                                        errors="replace")[:MAX_FILE_CHARS]
                                for p in paths}
        return {"read": list(out)}

    return ToolRegistry([localize_issue, baseline_tests, read_files]), found


def lookup_plan() -> list[Task]:
    return [Task.make(1, "localize_issue"), Task.make(2, "baseline_tests"),
            Task.make(3, "read_files", {"paths": "$1.files"})]


def run_lookups(tree: Path, issue: str, *, sandbox: SandboxConfig, test_command: str,
                timeout: float, on_event: Callable[[str, dict[str, Any]], None] | None = None,
                max_files: int = 4, budget_tokens: int = 768) -> Lookups:
    """Run the look-up DAG; a failed look-up raises :class:`ExecutionError` with its cause."""
    registry, found = _registry(tree, issue, sandbox, test_command, timeout, max_files,
                                budget_tokens)

    def event(ev: TaskStarted | TaskFinished) -> None:
        if on_event is not None and isinstance(ev, TaskFinished):
            res = ev.result
            on_event(ev.task.tool, {"args": ev.task.args, "ok": res.ok,
                                    "duration_s": res.duration_s, "error": res.error,
                                    "started": res.started, "ended": res.ended})

    executor = Executor(registry, ExecutorConfig(failure_policy="fail", task_timeout_s=None),
                        on_event=event)
    outcome = asyncio.run(executor.execute(lookup_plan()))
    failed = {i: r.error for i, r in outcome.results.items() if not r.ok}
    if failed:
        raise ExecutionError(f"a repository look-up failed: {failed}")
    return Lookups(found["localization"], found["files"], tuple(python_files(tree)),
                   found["baseline"])
