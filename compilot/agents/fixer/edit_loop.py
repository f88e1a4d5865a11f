"""Step 4 of the fixer: one candidate's edit loop on its own work tree.

The model answers with edits (JSON under a schema where the server enforces one, otherwise
SEARCH/REPLACE blocks or a diff); they are applied all-or-nothing with whitespace-tolerant
matching. A block that does not match ("did you mean ..."), an edit that would break parsing,
or an answer without edits goes back to the model as feedback, a bounded number of times.
Lint diagnostics the edit introduced are kept as evidence.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from compilot.agents.fixer import prompts
from compilot.llm.types import ChatModel, GenerationOptions, Message
from compilot.repair.apply import apply_edits
from compilot.repair.edits import Edit, ParsedEdits, parse_edits
from compilot.repair.validate import (
    LintDiagnostic,
    LintUnavailableError,
    introduced_lint,
    syntax_rejections,
)


@dataclass(frozen=True)
class EditOutcome:
    """What one candidate's loop produced on its tree."""

    applied: bool
    attempts: int
    lint: tuple[LintDiagnostic, ...] = ()
    lint_checked: bool = True
    feedback: tuple[str, ...] = ()
    """Every feedback message sent back to the model, in order."""


def parse_json_edits(text: str) -> ParsedEdits:
    """Edits from a schema-constrained answer."""
    try:
        items = json.loads(text)["edits"]
        edits = tuple(Edit(str(e["path"]), str(e["search"]), str(e["replace"]))
                      for e in items)
    except (ValueError, KeyError, TypeError) as exc:
        return ParsedEdits((), (f"The answer is not the requested JSON object ({exc}).",))
    return ParsedEdits(edits)


def _lint(tree: Path, changes: tuple) -> tuple[tuple[LintDiagnostic, ...], bool]:
    found: list[LintDiagnostic] = []
    try:
        for change in changes:
            if change.path.endswith(".py") and change.after is not None:
                found.extend(introduced_lint(tree, change.path, change.before, change.after))
    except LintUnavailableError:
        return (), False
    return tuple(found), True


def _try(tree: Path, parsed: ParsedEdits) -> tuple[str | None, tuple]:
    """Feedback when the answer cannot be applied, else ``None`` and the file changes."""
    if parsed.problems:
        return "\n".join(parsed.problems), ()
    if not parsed.edits:
        return "The answer held no edit. " + prompts.EDIT_FORMAT, ()
    result = apply_edits(tree, parsed.edits, check=syntax_rejections)
    if not result.applied:
        return result.feedback, ()
    if not result.changes:
        return "The edits changed nothing: REPLACE must differ from SEARCH.", ()
    return None, result.changes


def edit_candidate(model: ChatModel, context: str, tree: Path, *, constrained: bool,
                   paths: tuple[str, ...], temperature: float, seed: int,
                   max_attempts: int = 3, max_tokens: int = 1024,
                   repro_hint: str = "") -> EditOutcome:
    """Ask for edits until one set applies cleanly to ``tree`` or attempts run out."""
    ask = prompts.EDIT_JSON if constrained else prompts.EDIT_FORMAT
    messages = [Message(role="system", content=prompts.SYSTEM),
                Message(role="user", content=f"{context}{repro_hint}\n\n# Task\nFix the "
                        f"issue.\n{ask}")]
    options = GenerationOptions(
        temperature=temperature, max_tokens=max_tokens, seed=seed,
        json_schema=prompts.edit_schema(paths) if constrained else None)
    feedback: list[str] = []
    for attempt in range(1, max_attempts + 1):
        answer = model.complete(messages, options).text
        parsed = parse_json_edits(answer) if constrained else parse_edits(answer)
        problem, changes = _try(tree, parsed)
        if problem is None:
            lint, checked = _lint(tree, changes)
            return EditOutcome(True, attempt, lint, checked, tuple(feedback))
        feedback.append(problem)
        messages += [Message(role="assistant", content=answer),
                     Message(role="user", content=f"{problem}\n\n{ask}")]
    return EditOutcome(False, max_attempts, feedback=tuple(feedback))
