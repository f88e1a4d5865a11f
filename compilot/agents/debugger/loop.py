"""The repair loop shared by the debugger and its baselines: call budget, best-so-far, stop.

Every method gets the same budget of model calls. The loop evaluates each proposed program on
the visible tests only, keeps the best one (most visible tests passed; a later program wins a
tie, so the loop does not re-debug the same program), starts every iteration from a fresh
context, and stops when the visible tests pass or the budget is spent.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, Field

from compilot.agents.debugger.blocks import BlockMap, build_blocks
from compilot.agents.debugger.trace import RunReport, TraceConfig, run_program
from compilot.agents.debugger.verdicts import Verdict
from compilot.llm.types import Completion, GenerationOptions, Message, Usage
from compilot.sandboxes.base import Sandbox


class DebuggerConfig(BaseModel):
    """Budget and prompting of a repair run (LDB and the baselines alike)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_calls: int = Field(default=10, ge=1)
    """Model calls allowed for one problem, the initial generation included."""
    max_blocks: int = Field(default=10, ge=2)
    """Block visits shown to the model per iteration."""
    verdict_retries: int = Field(default=1, ge=0)
    """Extra verdict requests after a malformed answer (each costs one call)."""
    temperature: float = 0.0
    """Sampling temperature of repairs (and of the first generation)."""
    resample_temperature: float = 0.8
    """Temperature of the plain baseline's further samples."""
    max_tokens: int = Field(default=1024, ge=16)
    """Cap on generated tokens per call."""
    trace: TraceConfig = Field(default_factory=TraceConfig)
    """How programs run and are traced in the sandbox."""


class BudgetExhaustedError(Exception):
    """The method asked for more model calls than its budget (ends the loop, not the run)."""


@dataclass
class CallBudget:
    """A counting gate in front of the model: at most ``limit`` calls."""

    model: object
    limit: int
    calls: int = 0
    usage: Usage = field(default_factory=Usage)

    @property
    def left(self) -> int:
        return self.limit - self.calls

    def complete(self, messages: Sequence[Message], options: GenerationOptions) -> Completion:
        if self.calls >= self.limit:
            raise BudgetExhaustedError(f"call budget of {self.limit} spent")
        self.calls += 1
        completion: Completion = self.model.complete(list(messages), options)  # type: ignore[attr-defined]
        self.usage = self.usage + completion.usage
        return completion


@dataclass(frozen=True)
class Candidate:
    """A program and what its visible tests said (with the trace of its first failure)."""

    program: str
    report: RunReport
    blocks: BlockMap | None = None

    @property
    def passed(self) -> int:
        return self.report.passed


@dataclass(frozen=True)
class Attempt:
    """One iteration: the program debugged, what the model said, and the program it proposed."""

    iteration: int
    start: Candidate
    proposal: Candidate | None
    verdicts: tuple[Verdict, ...] = ()
    shown: tuple[object, ...] = ()
    notes: tuple[str, ...] = ()
    """Model-fixable problems met (malformed verdicts, no code block)."""


@dataclass(frozen=True)
class DebugResult:
    """The outcome of one method on one problem."""

    method: str
    best: Candidate
    attempts: tuple[Attempt, ...]
    calls: int
    usage: Usage
    stop_reason: str
    """``solved`` (the visible tests pass), ``budget`` (the calls are spent) or
    ``no-tests`` (no visible test to repair against: the start program is kept)."""

    @property
    def program(self) -> str:
        return self.best.program

    @property
    def solved(self) -> bool:
        return self.best.report.all_passed


def merge_imports(original: str, fixed: str) -> str:
    """Put back module-level imports of ``original`` that a fix dropped."""
    try:
        have = ast.parse(fixed)
        old = ast.parse(original)
    except SyntaxError:
        return fixed
    present = {ast.unparse(n) for n in have.body if isinstance(n, ast.Import | ast.ImportFrom)}
    missing = [ast.unparse(n) for n in old.body
               if isinstance(n, ast.Import | ast.ImportFrom) and ast.unparse(n) not in present]
    return "\n".join([*missing, fixed]) if missing else fixed


def evaluate(sandbox: Sandbox, program: str, function: str, tests: Sequence[str],
             config: DebuggerConfig) -> Candidate:
    """Run the visible tests; trace the first failure when the function can be split."""
    try:
        blocks: BlockMap | None = build_blocks(program, function)
    except (SyntaxError, ValueError):
        blocks = None
    report = run_program(sandbox, program, tests, blocks=blocks, config=config.trace)
    return Candidate(program, report, blocks)


Step = Callable[[int, Candidate, CallBudget], Attempt]


def repair_loop(method: str, start: Candidate, step: Step, budget: CallBudget,
                attempts: Sequence[Attempt] = ()) -> DebugResult:
    """Run ``step`` until the visible tests pass or the budget ends; keep the best program."""
    best, current, done = start, start, list(attempts)
    stop = "solved" if start.report.all_passed else "budget"
    if not start.report.tests:  # nothing visible to repair against
        return DebugResult(method, best, tuple(done), budget.calls, budget.usage, "no-tests")
    while not best.report.all_passed and budget.left > 0:
        try:
            attempt = step(len(done), current, budget)
        except BudgetExhaustedError:
            break
        done.append(attempt)
        if attempt.proposal is not None and attempt.proposal.passed >= best.passed:
            best = attempt.proposal
        current = best
        if best.report.all_passed:
            stop = "solved"
    return DebugResult(method, best, tuple(done), budget.calls, budget.usage, stop)
