"""The model's answers, parsed tolerantly: block verdicts and the fixed code.

One LDB answer holds both: a verdict line per shown block, then the whole fixed program::

    Block 0: correct - starts the running maximum at the first value
    Block 2: wrong - keeps the smaller value instead of the larger one
    ```python
    <the fixed program>
    ```

Where the server enforces GBNF grammars, :func:`verdict_grammar` makes that form exact: one
line per shown block, in order, with a short reason, and at least one block judged wrong (the
traced test fails, so some block is). Elsewhere small models drift: they bold the ids, write
``incorrect`` or ``True``, or skip lines, so :func:`parse_verdicts` reads what it can, and
what it cannot becomes a :class:`VerdictParse` with an ``error`` - a note, never an
exception. The fix is used whether or not the verdicts could be read.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

MAX_REASON = 80
"""Characters of a verdict's reason the grammar allows (each one costs decode time)."""

_VERDICT_LINE = re.compile(
    r"^[\s>*#`\-\[]*block\s*#?\s*(?P<id>\d+)\s*\]?[*`]*\s*[:.)\-]*\s*[*`]*"
    r"(?P<judgement>correct|incorrect|wrong|right|true|false|yes|no)\b[*`]*\s*[-:,.]*\s*"
    r"(?P<reason>.*)$", re.IGNORECASE | re.MULTILINE)
_TRUE = {"true", "yes", "correct", "right"}


@dataclass(frozen=True)
class Verdict:
    """The model's judgement of one shown block."""

    block: int
    correct: bool
    explanation: str


@dataclass(frozen=True)
class VerdictParse:
    """Parsed verdicts; ``error`` says what was wrong, if anything (kept as a note)."""

    verdicts: tuple[Verdict, ...] = ()
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def wrong_blocks(self) -> list[int]:
        return [v.block for v in self.verdicts if not v.correct]


def parse_verdicts(text: str, shown_blocks: set[int] | None = None) -> VerdictParse:
    """Verdicts from the part of an answer before its code. Lines naming a block that was not
    shown are ignored; an answer with no usable verdict gets an ``error``."""
    head = text.split("```", 1)[0]
    verdicts: dict[int, Verdict] = {}
    unknown: set[int] = set()
    for match in _VERDICT_LINE.finditer(head):
        block = int(match.group("id"))
        if shown_blocks is not None and block not in shown_blocks:
            unknown.add(block)
        elif block not in verdicts:
            correct = match.group("judgement").lower() in _TRUE
            verdicts[block] = Verdict(block, correct, match.group("reason").strip(" *`"))
    if verdicts:
        return VerdictParse(tuple(verdicts.values()))
    why = "no line of the form `Block N: correct|wrong - reason`"
    if unknown:
        why += f" about a shown block (it named blocks {sorted(unknown)}, which were not shown)"
    return VerdictParse(error=why)


def verdict_grammar(shown_blocks: Sequence[int], max_reason: int = MAX_REASON) -> str:
    """GBNF for one LDB answer: a verdict line per shown block in order - at least one of
    them ``wrong``, since the traced test fails - then free text for the fix. (Forcing the
    code fence right after the verdicts made the small models write verdicts into it.)"""
    def line(block: int, judgement: str) -> str:
        return f'"Block {block}: " {judgement} " - " reason "\\n"'

    firsts = []  # the first wrong verdict is at block k: correct before it, free after it
    for k, block in enumerate(shown_blocks):
        parts = [line(b, '"correct"') for b in shown_blocks[:k]] + [line(block, '"wrong"')]
        parts += [line(b, "judgement") for b in shown_blocks[k + 1:]]
        firsts.append(" ".join(parts))
    return "\n".join([
        "root ::= verdicts rest",
        "verdicts ::= " + " | ".join(f"( {f} )" for f in firsts),
        'judgement ::= "correct" | "wrong"',
        f"reason ::= [^\\n`] [^\\n]{{0,{max_reason - 1}}}",
        'rest ::= ( [^\\n] | "\\n" )*',
    ])


_FENCE = re.compile(r"```[ \t]*(?:python|py|python3)?[ \t]*\n(.*?)(?:```|\Z)", re.DOTALL)


def extract_code(text: str, function: str | None = None) -> str | None:
    """The program in the answer's ```python block (the one defining ``function`` if given)."""
    blocks = [b.strip("\n") for b in _FENCE.findall(text) if b.strip()]
    if function is not None:
        defining = [b for b in blocks if re.search(rf"def\s+{re.escape(function)}\s*\(", b)]
        blocks = defining or blocks
    if blocks:
        return max(blocks, key=len) if function is None else blocks[0]
    stripped = text.strip()
    if function is not None and stripped.startswith(("def ", "import ", "from ")):
        return stripped  # an unfenced bare program
    return None
