"""Step 4 of the fixer: one candidate's edit loop on its own work tree.

The model answers with edits (SEARCH/REPLACE blocks under a GBNF grammar, or JSON under a
schema, where the server enforces one; otherwise free SEARCH/REPLACE blocks or a diff); they
are applied all-or-nothing with whitespace-tolerant matching. A block that does not match
("did you mean ..."), an edit that would break parsing or that changes no code (only blank
lines, spacing or comments), or an answer without edits goes back
to the model as feedback, a bounded number of times, under the same constraint.
Lint diagnostics the edit introduced are kept as evidence.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from compilot.agents.fixer import prompts
from compilot.agents.fixer.grammars import edit_grammar
from compilot.llm.types import ChatModel, GenerationOptions, Message
from compilot.repair.apply import apply_edits
from compilot.repair.edits import Edit, ParsedEdits, parse_edits
from compilot.repair.validate import (
    LintDiagnostic,
    LintUnavailableError,
    edit_rejections,
    introduced_lint,
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
    edits = tuple(dict.fromkeys(parsed.edits))  # small models repeat a block verbatim
    result = apply_edits(tree, edits, check=edit_rejections)
    if not result.applied:
        return result.feedback, ()
    if not result.changes:
        return "The edits changed nothing: REPLACE must differ from SEARCH.", ()
    return None, result.changes


def edit_options(form: prompts.Form, paths: tuple[str, ...], *, temperature: float,
                 seed: int, max_tokens: int,
                 search_lines: Mapping[str, tuple[str, ...]] | None = None,
                 ) -> GenerationOptions:
    """The constraint for ``form``: a grammar (raw code, enforced structure), a JSON schema,
    or none. Every retry reuses these options, so feedback answers stay constrained too."""
    grammar = schema = None
    if form == "grammar" and paths:
        grammar = edit_grammar(paths, search_lines)
    elif form in ("json", "grammar"):
        schema = prompts.edit_schema(paths)
    return GenerationOptions(temperature=temperature, max_tokens=max_tokens, seed=seed,
                             json_schema=schema, grammar=grammar)


def edit_candidate(model: ChatModel, context: str, tree: Path, *, constrained: bool | str,
                   paths: tuple[str, ...], temperature: float, seed: int,
                   max_attempts: int = 3, max_tokens: int = 1024, repro_hint: str = "",
                   search_lines: Mapping[str, tuple[str, ...]] | None = None,
                   ) -> EditOutcome:
    """Ask for edits until one set applies cleanly to ``tree`` or attempts run out.

    ``constrained`` is a :data:`~.prompts.Form` (``True``/``False`` mean json/none);
    ``paths`` are the editable files; with the grammar form, ``search_lines`` (per path)
    limits what a SEARCH line may be."""
    form = prompts.as_form(constrained)
    options = edit_options(form, paths, temperature=temperature, seed=seed,
                           max_tokens=max_tokens, search_lines=search_lines)
    ask = prompts.edit_ask("json" if options.json_schema else form, paths)
    messages = [Message(role="system", content=prompts.SYSTEM),
                Message(role="user", content=f"{context}{repro_hint}\n\n# Task\nFix the "
                        f"issue.\n{ask}")]
    feedback: list[str] = []
    for attempt in range(1, max_attempts + 1):
        answer = model.complete(messages, prompts.retry_options(options, attempt)).text
        parsed = parse_json_edits(answer) if options.json_schema else parse_edits(answer)
        problem, changes = _try(tree, parsed)
        if problem is None:
            lint, checked = _lint(tree, changes)
            return EditOutcome(True, attempt, lint, checked, tuple(feedback))
        feedback.append(problem)
        messages += [Message(role="assistant", content=answer),
                     Message(role="user", content=f"{problem}\n\n{ask}")]
    return EditOutcome(False, max_attempts, feedback=tuple(feedback))
