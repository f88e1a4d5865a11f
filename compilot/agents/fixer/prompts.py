"""What the fixer's model sees: the issue, excerpts of the localised code, the output formats.

Small local models break free-form formats, so where the server enforces one the answer is
constrained (:data:`Form`): a GBNF grammar keeps code as raw text and enforces the
SEARCH/REPLACE structure (:mod:`.grammars`); a JSON schema puts it in JSON strings (paths as
an enum); otherwise the model writes SEARCH/REPLACE blocks (or a diff) freely. Every form is
parsed by :mod:`compilot.repair.edits` except JSON.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from compilot.agents.fixer.excerpts import Excerpt
from compilot.llm.types import GenerationOptions

Form = Literal["none", "json", "grammar"]
"""How the answers are constrained: free text, a JSON schema, or a GBNF grammar."""

ISSUE_CHARS = 4_000

SYSTEM = ("You are a careful software engineer fixing a bug in a Python repository. "
          "Change as little code as possible. Never edit tests to make them pass.")

EDIT_FORMAT = """Answer with SEARCH/REPLACE blocks, one per change. The format, shown for a
made-up file pkg/shapes.py whose area() added instead of multiplying:

pkg/shapes.py
<<<<<<< SEARCH
def area(width, height):
    return width + height
=======
def area(width, height):
    return width * height
>>>>>>> REPLACE

SEARCH must copy a few consecutive lines of the code shown above exactly (same indentation),
and REPLACE holds them as they should read. Fix the cause in the source code."""

EDIT_JSON = ("Answer with a JSON object {\"edits\": [{\"path\": ..., \"search\": ..., "
             "\"replace\": ...}]}: `search` copies existing lines of the file exactly, "
             "`replace` holds the new lines.")

REPRO_TEXT = ("Write ONE short pytest test file that reproduces the issue: it must FAIL on "
              "the current code and PASS once the bug is fixed. Import the code under test "
              "from the repository (the test runs from the repository root). Answer with the "
              "file in a ```python block, nothing else.")

REPRO_JSON = ("Write ONE short pytest test file that reproduces the issue: it must FAIL on the "
              "current code and PASS once the bug is fixed. Import the code under test from "
              "the repository (the test runs from the repository root). Answer with a JSON "
              "object {\"test_code\": \"...\"}.")


def edit_schema(paths: Sequence[str]) -> dict[str, Any]:
    path: dict[str, Any] = {"type": "string", "enum": list(paths)} if paths else {
        "type": "string"}
    return {"type": "object", "additionalProperties": False, "required": ["edits"],
            "properties": {"edits": {"type": "array", "minItems": 1, "maxItems": 4, "items": {
                "type": "object", "additionalProperties": False,
                "required": ["path", "search", "replace"],
                "properties": {"path": path, "search": {"type": "string"},
                               "replace": {"type": "string"}}}}}}


REPRO_SCHEMA: dict[str, Any] = {
    "type": "object", "additionalProperties": False, "required": ["test_code"],
    "properties": {"test_code": {"type": "string"}}}


def as_form(value: bool | str) -> Form:
    """``True`` (the old boolean flag) means JSON, ``False`` free text."""
    if value is True or value == "json":
        return "json"
    if value == "grammar":
        return "grammar"
    if value is False or value == "none":
        return "none"
    raise ValueError(f"output form must be none, json or grammar, not {value!r}")


def editable_note(paths: Sequence[str]) -> str:
    return ("Editable files: " + ", ".join(paths) + ". Test files cannot be edited."
            if paths else "")


def edit_ask(form: Form, paths: Sequence[str]) -> str:
    """The edit instructions for ``form``, naming the editable files."""
    base = EDIT_JSON if form == "json" else EDIT_FORMAT
    note = editable_note(paths)
    return f"{base}\n{note}" if note else base


def repro_ask(form: Form, imports: str) -> str:
    """The reproduction-test instructions, with how the existing tests import the code."""
    base = REPRO_JSON if form == "json" else REPRO_TEXT
    if not imports:
        return base
    return f"{base}\nThe existing tests import the code like this:\n```python\n{imports}\n```"


def context_message(issue: str, excerpts: Sequence[Excerpt]) -> str:
    """The shared head of every request (so the server can reuse its prompt cache)."""
    text = issue.strip()
    if len(text) > ISSUE_CHARS:
        text = text[:ISSUE_CHARS] + "\n[... issue cut ...]"
    code = "\n\n".join(ex.render() for ex in excerpts) or "(no code was localised)"
    return f"# Issue\n{text}\n\n# Code (the most likely places)\n{code}"


RETRY_TEMPERATURE = 0.5


def retry_options(options: GenerationOptions, attempt: int) -> GenerationOptions:
    """Options for attempt ``attempt`` (1-based). Greedy retries repeat the failed answer
    token for token even after feedback (seen with the bundled small models), so later
    attempts sample, each with its own seed."""
    if attempt <= 1:
        return options
    return options.model_copy(update={
        "temperature": max(options.temperature or 0.0, RETRY_TEMPERATURE),
        "seed": (options.seed or 0) + attempt})
