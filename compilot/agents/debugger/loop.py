"""The repair loop shared by the debugger and its baselines: call budget, best-so-far, stop.

Every method gets the same budget of model calls. The loop evaluates each proposed program on
the visible tests only, keeps the best one (most visible tests passed; a later program wins a
tie, so the loop does not re-debug the same program, unless it does not even load), starts
every iteration from a fresh context, and stops when the visible tests pass or the budget is
spent.
"""

from __future__ import annotations

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
    temperature: float = 0.0
    """Sampling temperature of the first generation and of the first repair."""
    repair_temperature: float = 0.8
    """Temperature of later repairs: asked again about a program that still fails, greedy
    decoding would give the same answer (and cooler samples mostly copy it back)."""
    resample_temperature: float = 0.8
    """Temperature of the plain baseline's new samples."""
    restart_when_stuck: bool = False
    """When a fix gives the program back unchanged, the next iteration of ``selfdebug`` and
    ``ldb`` samples a fresh program from the task (as ``plain`` does) instead of asking for a
    fix again; the one after debugs the best program so far. Needs a task the model can
    write the function from (a signature and docstring), so it is off for user code."""
    restart_after_failed_fix: bool = False
    """Stronger than ``restart_when_stuck``: after every fix that fails the visible tests,
    the next iteration samples a fresh program, so fixes and fresh samples alternate (each
    fix starts from the best program so far). Off for user code, like the above."""
    hinted_restarts: bool = False
    """A restart's prompt also carries the failing test of the best program so far and the
    explanations of the blocks the last fix's verdicts judged wrong (else: the task alone).
    For ``plain``, every new sample is such a restart (with the failing test only)."""
    max_tokens: int = Field(default=1024, ge=16)
    """Cap on generated tokens per call."""
    seed: int | None = None
    """Sampling seed: call ``k`` of a run (from 0) asks the server for seed ``seed + k``, so
    a rerun draws the same samples and two methods draw the same sample wherever they send
    the same prompt at the same call. None: the server picks (runs do not repeat)."""
    constrained: bool = False
    """Constrain each LDB answer (verdict lines, then the program) with a GBNF grammar; for
    servers whose capability probe reports grammar support (the CLI and the benchmark set it
    from the probe)."""
    trace: TraceConfig = Field(default_factory=TraceConfig)
    """How programs run and are traced in the sandbox."""

    @property
    def restarts(self) -> bool:
        """Whether selfdebug and ldb ever sample a fresh program instead of a fix."""
        return self.restart_when_stuck or self.restart_after_failed_fix

    def temperature_at(self, iteration: int) -> float:
        """The temperature of repair ``iteration`` (0: the first)."""
        return self.temperature if iteration == 0 else self.repair_temperature


class BudgetExhaustedError(Exception):
    """The method asked for more model calls than its budget (ends the loop, not the run)."""


@dataclass
class CallBudget:
    """A counting gate in front of the model: at most ``limit`` calls."""

    model: object
    limit: int
    seed: int | None = None
    """Base sampling seed (:attr:`DebuggerConfig.seed`): call ``k`` gets ``seed + k``
    unless its options name a seed."""
    calls: int = 0
    usage: Usage = field(default_factory=Usage)
    transcript: list[tuple[tuple[Message, ...], str]] = field(default_factory=list)
    """Every call made: the messages sent and the answer's text."""

    @property
    def left(self) -> int:
        return self.limit - self.calls

    def complete(self, messages: Sequence[Message], options: GenerationOptions) -> Completion:
        if self.calls >= self.limit:
            raise BudgetExhaustedError(f"call budget of {self.limit} spent")
        if self.seed is not None and options.seed is None:
            options = options.model_copy(update={"seed": self.seed + self.calls})
        self.calls += 1
        completion: Completion = self.model.complete(list(messages), options)  # type: ignore[attr-defined]
        self.usage = self.usage + completion.usage
        self.transcript.append((tuple(messages), completion.text))
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
    transcript: tuple[tuple[tuple[Message, ...], str], ...] = ()
    """Every model call of the run: the messages sent and the answer's text."""

    @property
    def program(self) -> str:
        return self.best.program

    @property
    def solved(self) -> bool:
        return self.best.report.all_passed


def evaluate(sandbox: Sandbox, program: str, function: str, tests: Sequence[str],
             config: DebuggerConfig) -> Candidate:
    """Run the visible tests; trace the first failure when the function can be split."""
    try:
        blocks: BlockMap | None = build_blocks(program, function)
    except (SyntaxError, ValueError):
        blocks = None
    report = run_program(sandbox, program, tests, blocks=blocks, config=config.trace)
    return Candidate(program, report, blocks)


Step = Callable[[int, Candidate, CallBudget, "Attempt | None"], Attempt]
"""``(iteration, program to repair, budget, previous attempt) -> attempt``."""


def better(new: Candidate, best: Candidate) -> bool:
    """Does ``new`` replace ``best``? More visible tests passed wins; on a tie the later
    program wins (the loop then debugs something new), unless it no longer loads while the
    best one did - a program that does not load leaves nothing to trace."""
    if new.passed != best.passed:
        return new.passed > best.passed
    return new.report.load_error is None or best.report.load_error is not None


def repair_loop(method: str, start: Candidate, step: Step, budget: CallBudget,
                attempts: Sequence[Attempt] = ()) -> DebugResult:
    """Run ``step`` until the visible tests pass or the budget ends; keep the best program."""
    best, current, done = start, start, list(attempts)
    stop = "solved" if start.report.all_passed else "budget"
    if not start.report.tests:  # nothing visible to repair against
        return DebugResult(method, best, tuple(done), budget.calls, budget.usage, "no-tests",
                           tuple(budget.transcript))
    while not best.report.all_passed and budget.left > 0:
        try:
            attempt = step(len(done), current, budget, done[-1] if done else None)
        except BudgetExhaustedError:
            break
        done.append(attempt)
        if attempt.proposal is not None and better(attempt.proposal, best):
            best = attempt.proposal
        current = best
        if best.report.all_passed:
            stop = "solved"
    return DebugResult(method, best, tuple(done), budget.calls, budget.usage, stop,
                       tuple(budget.transcript))
