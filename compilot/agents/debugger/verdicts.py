"""The model's answers, parsed tolerantly: block verdicts (JSON) and fixed code (fenced).

The verdict request carries a JSON schema so servers with grammar support constrain the
output, but small models still wrap JSON in prose, drop fields or write ``"correct": "no"``.
Parsing therefore extracts the first JSON object from free text and normalises what it can;
what it cannot becomes a :class:`VerdictParse` with an ``error`` that is sent back to the model
as feedback, never an exception.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

VERDICT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "verdicts": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "block": {"type": "integer"},
                    "correct": {"type": "boolean"},
                    "explanation": {"type": "string"},
                },
                "required": ["block", "correct", "explanation"],
            },
        },
    },
    "required": ["verdicts"],
}

_TRUE = {"true", "yes", "y", "correct", "1"}
_FALSE = {"false", "no", "n", "incorrect", "wrong", "0"}


@dataclass(frozen=True)
class Verdict:
    """The model's judgement of one shown block."""

    block: int
    correct: bool
    explanation: str


@dataclass(frozen=True)
class VerdictParse:
    """Parsed verdicts; ``error`` says what was wrong (feedback for the model) if anything."""

    verdicts: tuple[Verdict, ...] = ()
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def wrong_blocks(self) -> list[int]:
        return [v.block for v in self.verdicts if not v.correct]


def first_json_object(text: str) -> Any:
    """The first decodable JSON object in ``text`` (prose and code fences around it allowed)."""
    decoder = json.JSONDecoder()
    for match in re.finditer(r"\{", text):
        try:
            value, _ = decoder.raw_decode(text, match.start())
        except json.JSONDecodeError:
            continue
        if isinstance(value, dict):
            return value
    raise ValueError("no JSON object found")


def _as_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    return None


def _as_block(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        found = re.search(r"-?\d+", value)
        return int(found.group()) if found else None
    return None


def parse_verdicts(text: str, shown_blocks: set[int] | None = None) -> VerdictParse:
    """Verdicts from a model answer. Unknown block ids and unusable items are reported."""
    try:
        data = first_json_object(text)
    except ValueError:
        return VerdictParse(error="the answer held no JSON object with a \"verdicts\" list")
    items = data.get("verdicts")
    if not isinstance(items, list):
        return VerdictParse(error="the JSON object has no \"verdicts\" list")
    verdicts: list[Verdict] = []
    problems: list[str] = []
    for n, item in enumerate(items):
        if not isinstance(item, dict):
            problems.append(f"verdict {n} is not an object")
            continue
        block, correct = _as_block(item.get("block")), _as_bool(item.get("correct"))
        if block is None or correct is None:
            problems.append(f"verdict {n} needs an integer \"block\" and a boolean \"correct\"")
            continue
        if shown_blocks is not None and block not in shown_blocks:
            problems.append(f"verdict {n} names block {block}, which was not shown")
            continue
        verdicts.append(Verdict(block, correct, str(item.get("explanation", "")).strip()))
    if not verdicts:
        problems.append("no usable verdict")
    error = "; ".join(problems) if problems and not verdicts else None
    return VerdictParse(tuple(verdicts), error)


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
