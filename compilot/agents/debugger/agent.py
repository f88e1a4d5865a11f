"""The LDB debugger: trace the failing test, let the model judge each block, then fix.

One iteration is one model call, from a fresh context: run the visible tests on the current
best program and trace the first failure block by block; show the model a bounded selection
of block visits; the model answers with a verdict line per shown block (correct or wrong,
and why) and then the whole fixed program (:mod:`compilot.agents.debugger.verdicts`; a GBNF
grammar enforces that form where the server supports one). Unreadable verdicts are a note and
never stop the fix; an answer without code is an attempt without a proposal.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from compilot.agents.debugger import prompts
from compilot.agents.debugger.loop import (
    Attempt,
    CallBudget,
    Candidate,
    DebuggerConfig,
    DebugResult,
    Step,
    evaluate,
    repair_loop,
)
from compilot.agents.debugger.program import program_from_answer, same_program
from compilot.agents.debugger.select import ShownItem, select_visits
from compilot.agents.debugger.trace import BlockVisit
from compilot.agents.debugger.verdicts import VerdictParse, parse_verdicts, verdict_grammar
from compilot.llm.types import ChatModel, GenerationOptions, Message
from compilot.sandboxes.base import Sandbox

UNCHANGED = "the fix left the program unchanged"
RESTARTED = "a fresh program was sampled: the previous fix left the program unchanged"
RESAMPLED = "a fresh program was sampled: the previous fix failed"


def shown_visits(candidate: Candidate, max_blocks: int) -> list[ShownItem]:
    """The bounded selection of the candidate's failing trace shown to the model."""
    outcome = candidate.report.traced_outcome()
    expected = outcome.expected if outcome is not None else None
    return select_visits(candidate.report.visits, max_blocks, expected)


def propose(budget: CallBudget, messages: list, options: GenerationOptions, *,
            sandbox: Sandbox, current: Candidate, function: str, tests: Sequence[str],
            config: DebuggerConfig) -> tuple[str, Candidate | None, list[str]]:
    """Ask for a fix; the answer text, the evaluated proposal (None without code), notes."""
    answer = budget.complete(messages, options)
    program = program_from_answer(answer.text, function, current.program)
    if program is None:
        return answer.text, None, ["the fix held no ```python code block"]
    notes = [UNCHANGED] if same_program(program, current.program) else []
    return answer.text, evaluate(sandbox, program, function, tests, config), notes


def stuck(previous: Attempt | None) -> bool:
    """The previous fix gave the program back unchanged (the next prompt says so)."""
    return previous is not None and UNCHANGED in previous.notes


def generate(budget: CallBudget, task: str, function: str, config: DebuggerConfig,
             temperature: float | None = None, messages: list[Message] | None = None) -> str:
    """One generation call (``messages``: instead of the task's generation prompt); the
    answer's program (or an empty program when none)."""
    answer = budget.complete(messages or prompts.generation_messages(task), GenerationOptions(
        temperature=config.temperature if temperature is None else temperature,
        max_tokens=config.max_tokens))
    return program_from_answer(answer.text, function, task) or ""


def with_restarts(step: Step, *, sandbox: Sandbox, task: str, function: str,
                  tests: Sequence[str], config: DebuggerConfig) -> Step:
    """``step``, except that after a fix that left the program unchanged the iteration
    samples a fresh program from ``task`` instead (``DebuggerConfig.restart_when_stuck``),
    and with ``restart_after_failed_fix`` after any fix at all (the loop ends on a fix that
    passes). Small models asked again about a program they gave back mostly give it back."""
    def restarting(iteration: int, current: Candidate, budget: CallBudget,
                   previous: Attempt | None) -> Attempt:
        if stuck(previous):
            notes: tuple[str, ...] = (RESTARTED,)
        elif config.restart_after_failed_fix and was_fix(previous):
            notes = (RESAMPLED,)
        else:
            return step(iteration, current, budget, previous)
        return resample_step(iteration, current, budget, previous, sandbox=sandbox, task=task,
                             function=function, tests=tests, config=config, notes=notes)
    return restarting


def hinted_messages(task: str, current: Candidate, previous: Attempt | None) -> list[Message]:
    """A restart's prompt with a hint (``DebuggerConfig.hinted_restarts``): how the best
    program so far fails, and, when the last fix judged that program, the blocks it said
    were wrong."""
    wrong: list[str] = []
    if previous is not None and same_program(previous.start.program, current.program):
        wrong = [v.explanation for v in previous.verdicts if not v.correct]
    return prompts.hinted_generation_messages(task, current.report.first_failure(), wrong)


def was_fix(previous: Attempt | None) -> bool:
    """The previous iteration asked for a fix (rather than sampling a fresh program)."""
    return previous is not None and not {RESTARTED, RESAMPLED} & set(previous.notes)


def resample_step(iteration: int, current: Candidate, budget: CallBudget,
                  previous: Attempt | None, *, sandbox: Sandbox, task: str, function: str,
                  tests: Sequence[str], config: DebuggerConfig,
                  notes: tuple[str, ...] = ()) -> Attempt:
    """A fresh sample from ``task`` (``plain``'s step, and a restart); with
    ``hinted_restarts`` its prompt also says how the best program so far fails."""
    messages = hinted_messages(task, current, previous) if config.hinted_restarts else None
    program = generate(budget, task, function, config, config.resample_temperature, messages)
    proposal = evaluate(sandbox, program, function, tests, config)
    return Attempt(iteration, current, proposal, notes=notes)


def ldb_step(iteration: int, current: Candidate, budget: CallBudget, previous: Attempt | None,
             *, sandbox: Sandbox, task: str, function: str, tests: Sequence[str],
             config: DebuggerConfig) -> Attempt:
    """One debugging iteration: one model call (verdicts, then the fixed program)."""
    report = current.report
    failing = report.first_failure()
    items = shown_visits(current, config.max_blocks) if current.blocks else []
    shown = sorted({i.block for i in items if isinstance(i, BlockVisit)})
    options = GenerationOptions(temperature=config.temperature_at(iteration),
                                max_tokens=config.max_tokens)
    if current.blocks is None or not shown:
        messages = prompts.no_trace_messages(task, current.program, function, failing,
                                             stuck=stuck(previous))
    else:
        trace = prompts.render_trace(items, current.blocks, current.program)
        messages = prompts.ldb_messages(task, current.program, function, failing, trace,
                                        shown, stuck=stuck(previous))
        if config.constrained:  # the test fails, so some block must be wrong
            options = options.model_copy(update={"grammar": verdict_grammar(shown)})
    text, proposal, notes = propose(budget, messages, options, sandbox=sandbox,
                                    current=current, function=function, tests=tests,
                                    config=config)
    parsed = parse_verdicts(text, set(shown)) if shown else VerdictParse()
    if not parsed.ok:
        notes.insert(0, f"malformed verdicts: {parsed.error}")
    return Attempt(iteration, current, proposal, parsed.verdicts, tuple(items), tuple(notes))


def debug_program(model: ChatModel, sandbox: Sandbox, *, task: str, program: str,
                  function: str, tests: Sequence[str], config: DebuggerConfig | None = None,
                  budget: CallBudget | None = None) -> DebugResult:
    """Debug ``program`` with LDB until the visible ``tests`` pass or the budget is spent.

    ``task`` is the description the blocks are judged against (for HumanEval: the prompt);
    ``budget`` carries calls already spent on this problem (e.g. generating ``program``).
    """
    config = config or DebuggerConfig()
    budget = budget or CallBudget(model, config.max_calls, seed=config.seed)
    start = evaluate(sandbox, program, function, tests, config)
    step: Step = partial(ldb_step, sandbox=sandbox, task=task, function=function,
                         tests=tests, config=config)
    if config.restarts:
        step = with_restarts(step, sandbox=sandbox, task=task, function=function, tests=tests,
                             config=config)
    return repair_loop("ldb", start, step, budget)
