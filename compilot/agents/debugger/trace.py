"""Run a program's tests in a sandbox, optionally tracing its blocks; parse what came back.

The work happens in :mod:`tracer_script`, shipped as text into the sandbox workspace and run
with the sandbox's python. This module only uses ``Sandbox.write_file`` and ``Sandbox.exec``.
"""

from __future__ import annotations

import functools
import json
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from compilot.agents.debugger.blocks import BlockMap
from compilot.sandboxes.base import Sandbox


@functools.cache
def tracer_source() -> str:
    """The text of :mod:`tracer_script`, shipped into the sandbox."""
    return (Path(__file__).parent / "tracer_script.py").read_text(encoding="utf-8")


class TraceConfig(BaseModel):
    """How programs are run and traced in the sandbox."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    python: str = "python3"
    """Python executable inside the sandbox."""
    workdir: str = ".compilot-ldb"
    """Workspace folder for the tracer script and its input."""
    test_timeout_s: float = Field(default=5.0, gt=0)
    """Time limit of one test (an infinite loop fails that test only)."""
    max_events: int = Field(default=400, ge=10)
    """Block visits recorded from the start of the trace (a rolling tail is kept too)."""
    max_repr: int = Field(default=120, ge=20)
    """Characters kept of each variable's repr."""


@dataclass(frozen=True)
class TestOutcome:
    """One test's result; ``actual``/``expected`` are filled for ``assert a == b`` tests."""

    test: str
    passed: bool
    error: str | None = None
    actual: str | None = None
    expected: str | None = None
    timed_out: bool = False

    def feedback(self) -> str:
        """The failure as a self-debugging prompt shows it."""
        if self.passed:
            return f"{self.test}  # passed"
        return f"{self.test}  # {self.error or 'failed'}"


@dataclass(frozen=True)
class BlockVisit:
    """One execution of one block: the locals when it started and when it ended."""

    index: int
    block: int
    call: int
    line: int
    before: Mapping[str, str]
    after: Mapping[str, str]
    returned: str | None = None
    exception: str | None = None

    def changed(self) -> dict[str, str]:
        return {k: v for k, v in self.after.items() if self.before.get(k) != v}


@dataclass(frozen=True)
class RunReport:
    """All test outcomes of one program, and the trace of its first failing test."""

    tests: tuple[TestOutcome, ...]
    visits: tuple[BlockVisit, ...] = ()
    traced_test: str | None = None
    total_visits: int = 0
    truncated: bool = False
    load_error: str | None = None
    stdout: str = ""

    @property
    def passed(self) -> int:
        return sum(t.passed for t in self.tests)

    @property
    def all_passed(self) -> bool:
        return bool(self.tests) and all(t.passed for t in self.tests)

    @property
    def failures(self) -> list[TestOutcome]:
        return [t for t in self.tests if not t.passed]

    def traced_outcome(self) -> TestOutcome | None:
        return next((t for t in self.tests if t.test == self.traced_test), None)

    def first_failure(self) -> TestOutcome:
        """The failure shown to the model: the traced one, else the first (call only when
        some test fails)."""
        return self.traced_outcome() or self.failures[0]


def run_program(sandbox: Sandbox, source: str, tests: Sequence[str], *,
                blocks: BlockMap | None = None, config: TraceConfig | None = None,
                ) -> RunReport:
    """Run ``tests`` against ``source`` in ``sandbox``; trace the first failure if ``blocks``."""
    config = config or TraceConfig()
    sentinel = f"@@compilot-ldb-{secrets.token_hex(8)}@@"
    spec = {"source": source, "tests": list(tests), "sentinel": sentinel,
            "blocks": blocks.to_tracer() if blocks is not None else None,
            "timeout": config.test_timeout_s, "max_events": config.max_events,
            "max_repr": config.max_repr}
    script, spec_path = f"{config.workdir}/tracer.py", f"{config.workdir}/input.json"
    sandbox.write_file(script, tracer_source())
    sandbox.write_file(spec_path, json.dumps(spec))
    limit = config.test_timeout_s * max(len(tests), 1) + 20.0
    result = sandbox.exec([config.python, script, spec_path], timeout=limit)
    marker = f"\n{sentinel}\n"
    if marker not in result.stdout:
        why = "timed out" if result.timed_out else f"exited {result.exit_code}"
        detail = (result.stderr or result.stdout)[-600:].strip()
        error = f"the test run {why} without a result: {detail}" if detail else \
            f"the test run {why} without a result"
        return RunReport(tests=tuple(TestOutcome(t, False, error, timed_out=result.timed_out)
                                     for t in tests))
    return parse_report(json.loads(result.stdout.rsplit(marker, 1)[1]), tests)


def parse_report(data: Mapping[str, Any], tests: Sequence[str]) -> RunReport:
    """The tracer's JSON as typed data (a load error fails every test with its message)."""
    if data.get("load_error"):
        error = str(data["load_error"])
        return RunReport(tests=tuple(TestOutcome(t, False, error) for t in tests),
                         load_error=error, stdout=str(data.get("stdout", "")))
    outcomes = tuple(TestOutcome(test=r["test"], passed=bool(r["passed"]), error=r.get("error"),
                                 actual=r.get("actual"), expected=r.get("expected"),
                                 timed_out=bool(r.get("timed_out")))
                     for r in data.get("tests", []))
    trace = data.get("trace") or {}
    visits = tuple(BlockVisit(index=int(v["index"]), block=int(v["block"]), call=int(v["call"]),
                              line=int(v["line"]), before=v.get("before", {}),
                              after=v.get("after", {}), returned=v.get("returned"),
                              exception=v.get("exception"))
                   for v in trace.get("visits", []))
    return RunReport(tests=outcomes, visits=visits, traced_test=data.get("traced_test"),
                     total_visits=int(trace.get("total", 0)),
                     truncated=bool(trace.get("truncated")), stdout=str(data.get("stdout", "")))
