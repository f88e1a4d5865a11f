"""What the fixer's model sees: the issue, the localisation, code, and the output formats.

Small local models break free-form formats, so where the server enforces it the answer is
constrained by a JSON schema (paths as an enum of the repository's files); otherwise the model
writes SEARCH/REPLACE blocks (or a diff) parsed by :mod:`compilot.repair.edits`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from compilot.agents.fixer.localize import Localization

CONTEXT_CHARS = 9_000

SYSTEM = ("You are a careful software engineer fixing a bug in a Python repository. "
          "Change as little code as possible. Never edit tests to make them pass.")

EDIT_FORMAT = """Answer with SEARCH/REPLACE blocks, one per change:

path/to/file.py
<<<<<<< SEARCH
exact existing lines to change
=======
new lines
>>>>>>> REPLACE

SEARCH must copy existing lines of the file exactly. Use repository-relative paths."""

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


def code_context(loc: Localization, files: dict[str, str], limit: int = CONTEXT_CHARS) -> str:
    """Whole top-ranked files while they fit, then excerpts of the top locations."""
    parts: list[str] = []
    used = 0
    for path in loc.files:
        text = files.get(path)
        if text is None:
            continue
        if used + len(text) <= limit:
            parts.append(f"{path}\n```python\n{text.rstrip()}\n```")
            used += len(text)
            continue
        for found in (x for x in loc.locations if x.path == path):
            lines = text.splitlines()[max(found.start_line - 1, 0):found.end_line]
            excerpt = "\n".join(lines)
            if used + len(excerpt) > limit:
                break
            parts.append(f"{path} (lines {found.start_line}-{found.end_line})\n"
                         f"```python\n{excerpt}\n```")
            used += len(excerpt)
    return "\n\n".join(parts)


def context_message(issue: str, loc: Localization, files: dict[str, str]) -> str:
    ranked = "\n".join(f"- {x.path}:{x.start_line}-{x.end_line} {x.symbol or ''} ({x.reason})"
                       for x in loc.locations[:8])
    return (f"# Issue\n{issue.strip()}\n\n# Most likely locations\n{ranked}\n\n"
            f"# Repository map\n{loc.repo_map}\n\n# Code\n{code_context(loc, files)}")
