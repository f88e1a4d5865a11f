"""Prompts of the debugger and its baselines, and the text form of a trace."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence

from compilot.agents.debugger.blocks import Block, BlockMap
from compilot.agents.debugger.program import docstring_lines, without_docstring
from compilot.agents.debugger.select import Gap, ShownItem
from compilot.agents.debugger.trace import TestOutcome
from compilot.llm.types import Message

SYSTEM = ("You are an expert Python programmer. You write correct, simple Python 3 code and "
          "you debug programs by reading their execution traces carefully.")

MAX_VARS_SHOWN = 12
_OPAQUE = ("<function ", "<built-in ", "<module ", "<class ", "<bound method ")


def _state(values: Mapping[str, str]) -> str:
    """``name=value, ...``; functions, modules and classes carry no state and are left out."""
    items = [(k, v) for k, v in values.items() if not v.startswith(_OPAQUE)][:MAX_VARS_SHOWN]
    return ", ".join(f"{k}={v}" for k, v in items) or "(no variables)"


def _changes(before: Mapping[str, str], after: Mapping[str, str]) -> str:
    changed = {k: v for k, v in after.items() if before.get(k) != v}
    return _state(changed) if changed else "(no change)"


def _block_code(block: Block, source: str, skip: set[int]) -> str:
    text = source.splitlines()
    code = "\n".join(text[n - 1] for n in block.lines() if 0 < n <= len(text) and n not in skip)
    return textwrap.dedent(code) if code.strip() else "(the docstring)"


def render_trace(items: Sequence[ShownItem], blocks: BlockMap, source: str) -> str:
    """The shown visits as the model reads them: the block's code (docstring left out), the
    variables when the shown run starts, and after each block only the ones it changed."""
    out: list[str] = []
    previous: int | None = None
    skip = docstring_lines(source, blocks.function)
    for item in items:
        if isinstance(item, Gap):
            out.append(item.describe())
            previous = None
            continue
        block = blocks[item.block]
        call = f", call {item.call}" if item.call else ""
        out.append(f"[block {item.block}] ({block.kind}), step {item.index}{call}")
        if previous != item.index - 1:  # else "before" is the previous block's "after"
            out.append(f"  before: {_state(item.before)}")
        out.extend("    " + line for line in _block_code(block, source, skip).splitlines())
        out.append(f"  changed: {_changes(item.before, item.after)}")
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


def hinted_generation_messages(task: str, failing: TestOutcome,
                               wrong: Sequence[str] = ()) -> list[Message]:
    """A fresh generation that knows how an earlier program failed (a hinted restart):
    the failing test and what the model said was wrong in that program, if anything."""
    said = "".join(f"\n- {w}" for w in wrong[:3])
    hint = (f"\n\nAn earlier solution failed this test:\n{failure_text(failing)}"
            + (f"\nWhat was wrong in it:{said}" if said else "")
            + "\nWrite a new solution from scratch that passes it.")
    messages = generation_messages(task)
    return [messages[0], Message(role="user", content=messages[1].content + hint)]


def _current(source: str, function: str) -> str:
    return _program(without_docstring(source, function))


STUCK = ("Your last fix gave this program back unchanged, and the test still fails: this "
         "time change the code that produces the wrong value.\n\n")


def ldb_messages(task: str, source: str, function: str, failing: TestOutcome, trace: str,
                 shown: Sequence[int], stuck: bool = False) -> list[Message]:
    """One LDB request: judge every shown block, then write the fixed program."""
    lines = "\n".join(f"Block {b}: correct or wrong - <short reason>" for b in shown)
    prompt = (
        f"Task:\n{_program(task)}\n\nCurrent program:\n{_current(source, function)}\n\n"
        f"It fails this test:\n{failure_text(failing)}\n\n"
        "Execution trace of that test, block by block (the variables before a block runs, "
        f"and the ones it changed):\n{trace}\n\n"
        f"{STUCK if stuck else ''}"
        "Debug the program. First judge each block against the task: are its code and the "
        "values it produced correct? The test fails, so at least one block is wrong. Write "
        f"one line per block, in this form:\n{lines}\n"
        "Then write the complete fixed program in one ```python code block.")
    return [Message(role="system", content=SYSTEM), Message(role="user", content=prompt)]


def no_trace_messages(task: str, source: str, function: str, failing: TestOutcome,
                      stuck: bool = False) -> list[Message]:
    """When no trace exists (the program does not load, or the function never ran)."""
    return selfdebug_messages(task, source, function, [failing], stuck=stuck)


def selfdebug_messages(task: str, source: str, function: str,
                       failures: Sequence[TestOutcome], stuck: bool = False) -> list[Message]:
    listed = "\n".join(failure_text(f) for f in failures[:5])
    prompt = (f"Task:\n{_program(task)}\n\nCurrent program:\n{_current(source, function)}\n\n"
              f"It fails these tests:\n{listed}\n\n{STUCK if stuck else ''}"
              "Fix the program so that it solves the task. Reply with the complete corrected "
              "program in one ```python code block.")
    return [Message(role="system", content=SYSTEM), Message(role="user", content=prompt)]
