"""The LDB debugger: trace the failing test, let the model judge each block, then fix.

One iteration, from a fresh context: run the visible tests on the current best program and
trace the first failure block by block; show the model a bounded selection of block visits
and ask for a structured verdict per block (JSON schema); then ask, in the same short
conversation, for the fixed program. Malformed verdicts are fed back once (within budget) and
never stop the fix; a missing code block is an attempt without a proposal.
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
    evaluate,
    merge_imports,
    repair_loop,
)
from compilot.agents.debugger.select import ShownItem, select_visits
from compilot.agents.debugger.trace import BlockVisit
from compilot.agents.debugger.verdicts import (
    VERDICT_SCHEMA,
    VerdictParse,
    extract_code,
    parse_verdicts,
)
from compilot.llm.types import ChatModel, GenerationOptions, Message
from compilot.sandboxes.base import Sandbox


def shown_visits(candidate: Candidate, max_blocks: int) -> list[ShownItem]:
    """The bounded selection of the candidate's failing trace shown to the model."""
    outcome = candidate.report.traced_outcome()
    expected = outcome.expected if outcome is not None else None
    return select_visits(candidate.report.visits, max_blocks, expected)


def _ask_verdicts(budget: CallBudget, messages: list[Message], shown: set[int],
                  config: DebuggerConfig) -> tuple[list[Message], VerdictParse, list[str]]:
    options = GenerationOptions(json_schema=VERDICT_SCHEMA, temperature=config.temperature,
                                max_tokens=config.max_tokens)
    notes: list[str] = []
    parsed = VerdictParse(error="no verdict requested")
    for retry in range(config.verdict_retries + 1):
        if budget.left < 2:  # keep the last call for the fix itself
            break
        answer = budget.complete(messages, options)
        messages = [*messages, answer.message()]
        parsed = parse_verdicts(answer.text, shown)
        if parsed.ok:
            break
        notes.append(f"malformed verdicts: {parsed.error}")
        if retry < config.verdict_retries and budget.left >= 3:
            messages.append(Message(role="user", content=(
                f"That answer could not be used ({parsed.error}). Reply again with JSON only, "
                "one verdict per shown block.")))
        else:
            break
    return messages, parsed, notes


def _verdict_feedback(parsed: VerdictParse) -> str | None:
    if not parsed.ok:
        return "Your verdicts could not be read; use the trace directly."
    wrong = parsed.wrong_blocks()
    if not wrong:
        return ("You judged every block correct, yet the test fails: look again at the "
                "returned value and the conditions that decide it.")
    return "You found these blocks wrong: " + ", ".join(str(b) for b in wrong) + "."


def ldb_step(iteration: int, current: Candidate, budget: CallBudget, *, sandbox: Sandbox,
             task: str, function: str, tests: Sequence[str], config: DebuggerConfig) -> Attempt:
    """One debugging iteration (two model calls, three with a verdict retry)."""
    report = current.report
    failing = report.traced_outcome() or report.failures[0]
    items = shown_visits(current, config.max_blocks) if current.blocks else []
    visits = [i for i in items if isinstance(i, BlockVisit)]
    notes: list[str] = []
    verdicts: tuple = ()
    if current.blocks is None or not visits:
        messages = prompts.no_trace_messages(task, current.program, failing)
    else:
        trace = prompts.render_trace(items, current.blocks, current.program)
        shown = sorted({v.block for v in visits})
        messages = prompts.verdict_messages(task, current.program, failing, trace, shown)
        messages, parsed, notes = _ask_verdicts(budget, messages, set(shown), config)
        verdicts = parsed.verdicts
        messages.append(prompts.fix_request(_verdict_feedback(parsed)))
    answer = budget.complete(messages, GenerationOptions(
        temperature=config.temperature, max_tokens=config.max_tokens))
    code = extract_code(answer.text, function)
    proposal = None
    if code is None:
        notes.append("the fix held no ```python code block")
    else:
        proposal = evaluate(sandbox, merge_imports(current.program, code), function, tests,
                            config)
    return Attempt(iteration, current, proposal, verdicts, tuple(items), tuple(notes))


def debug_program(model: ChatModel, sandbox: Sandbox, *, task: str, program: str,
                  function: str, tests: Sequence[str], config: DebuggerConfig | None = None,
                  budget: CallBudget | None = None) -> DebugResult:
    """Debug ``program`` with LDB until the visible ``tests`` pass or the budget is spent.

    ``task`` is the description the blocks are judged against (for HumanEval: the prompt);
    ``budget`` carries calls already spent on this problem (e.g. generating ``program``).
    """
    config = config or DebuggerConfig()
    budget = budget or CallBudget(model, config.max_calls)
    start = evaluate(sandbox, program, function, tests, config)
    step = partial(ldb_step, sandbox=sandbox, task=task, function=function, tests=tests,
                   config=config)
    return repair_loop("ldb", start, step, budget)
