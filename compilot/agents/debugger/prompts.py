"""Prompts of the debugger and its baselines, and the text form of a trace."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence

from compilot.agents.debugger.blocks import BlockMap
from compilot.agents.debugger.select import Gap, ShownItem
from compilot.agents.debugger.trace import TestOutcome
from compilot.llm.types import Message

SYSTEM = ("You are an expert Python programmer. You write correct, simple Python 3 code and "
          "you debug programs by reading their execution traces carefully.")

MAX_VARS_SHOWN = 12


def _state(values: Mapping[str, str]) -> str:
    items = list(values.items())[:MAX_VARS_SHOWN]
    return ", ".join(f"{k}={v}" for k, v in items) or "(no variables)"


def render_trace(items: Sequence[ShownItem], blocks: BlockMap, source: str) -> str:
    """The shown visits as the model reads them: block code, state before and after."""
    out: list[str] = []
    previous: int | None = None
    for item in items:
        if isinstance(item, Gap):
            out.append(item.describe())
            previous = None
            continue
        block = blocks[item.block]
        call = f", call {item.call}" if item.call else ""
        out.append(f"[block {item.block}] lines {block.start}-{block.end} ({block.kind}), "
                   f"step {item.index}{call}")
        if previous != item.index - 1:  # else "before" is the previous block's "after"
            out.append(f"  before: {_state(item.before)}")
        out.extend("    " + line for line in textwrap.dedent(block.code(source)).splitlines())
        out.append(f"  after:  {_state(item.after)}")
        previous = item.index
        if item.exception:
            out.append(f"  raised: {item.exception}")
        elif item.returned is not None:
            out.append(f"  returned: {item.returned}")
    return "\n".join(out)


def _program(source: str) -> str:
    return f"```python\n{source.rstrip()}\n```"


def failure_text(outcome: TestOutcome) -> str:
    if outcome.actual is not None and outcome.expected is not None and not outcome.timed_out:
        return (f"{outcome.test}\n  returned {outcome.actual}, expected {outcome.expected}")
    return f"{outcome.test}\n  {outcome.error or 'failed'}"


def generation_messages(task: str) -> list[Message]:
    return [Message(role="system", content=SYSTEM),
            Message(role="user", content=(
                "Complete this Python task. Reply with the complete program (imports and the "
                f"full function) in one ```python code block.\n\n{_program(task)}"))]


def verdict_messages(task: str, source: str, failing: TestOutcome, trace: str,
                     shown: Sequence[int]) -> list[Message]:
    ids = ", ".join(str(b) for b in shown)
    prompt = (
        f"Task:\n{_program(task)}\n\nCurrent program:\n{_program(source)}\n\n"
        f"It fails this test:\n{failure_text(failing)}\n\n"
        "Execution trace of that test, block by block, with the variable values at the start "
        f"and end of each block:\n{trace}\n\n"
        "Debug the program: for each block shown (ids: "
        f"{ids}), decide whether its code and the values it produces are correct for the task. "
        'Answer with JSON only: {"verdicts": [{"block": <id>, "correct": true or false, '
        '"explanation": "<short reason>"}]}')
    return [Message(role="system", content=SYSTEM), Message(role="user", content=prompt)]


def fix_request(verdict_feedback: str | None) -> Message:
    head = f"{verdict_feedback}\n\n" if verdict_feedback else ""
    return Message(role="user", content=(
        f"{head}Now fix the program so that it solves the task. Reply with the complete "
        "corrected program in one ```python code block."))


def no_trace_messages(task: str, source: str, failing: TestOutcome) -> list[Message]:
    """When no trace exists (the program does not load, or the function never ran)."""
    return selfdebug_messages(task, source, [failing])


def selfdebug_messages(task: str, source: str, failures: Sequence[TestOutcome]) -> list[Message]:
    listed = "\n".join(failure_text(f) for f in failures[:5])
    prompt = (f"Task:\n{_program(task)}\n\nCurrent program:\n{_program(source)}\n\n"
              f"It fails these tests:\n{listed}\n\n"
              "Fix the program so that it solves the task. Reply with the complete corrected "
              "program in one ```python code block.")
    return [Message(role="system", content=SYSTEM), Message(role="user", content=prompt)]
