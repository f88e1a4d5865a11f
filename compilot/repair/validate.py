"""Check an edit before and after it lands: syntax (reject) and lint (report what it added).

* :func:`check_syntax` parses Python with tree-sitter (falling back to ``compile()`` when the
  grammar is not importable) and names the first error line. :func:`syntax_rejections` plugs
  into :func:`~compilot.repair.apply.apply_edits` so an edit that breaks a file that parsed
  before is refused and nothing is written.
* :func:`introduced_lint` runs ``ruff check --output-format json`` on the file before and after
  (through stdin, so the repository's own ruff config applies) and keeps only diagnostics the
  edit introduced, keyed by rule, message and the text of the flagged line so that diagnostics
  merely shifted by inserted lines are not reported again.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from compilot.errors import ComPilotError
from compilot.repair.apply import ApplyResult, EditPreview, apply_edits
from compilot.repair.edits import Edit


class LintUnavailableError(ComPilotError):
    """ruff could not be run (not installed, or it failed on its own configuration)."""


@dataclass(frozen=True)
class SyntaxProblem:
    """The first syntax error of a source text (1-based line and column)."""

    line: int
    column: int
    message: str


@dataclass(frozen=True)
class LintDiagnostic:
    """One ruff diagnostic (1-based line and column)."""

    path: str
    line: int
    column: int
    code: str
    message: str

    def render(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.code} {self.message}"


@dataclass(frozen=True)
class ValidatedEdit:
    """An apply attempt with its syntax gate, and the lint diagnostics it introduced."""

    result: ApplyResult
    lint: tuple[LintDiagnostic, ...] = ()

    @property
    def feedback(self) -> str:
        text = self.result.feedback
        if self.lint:
            lines = "\n".join(d.render() for d in self.lint)
            text += f"\nThe edit introduced {len(self.lint)} lint problem(s):\n{lines}"
        return text


def _ts_parser():  # type: ignore[no-untyped-def]
    import tree_sitter
    import tree_sitter_python

    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_python.language()))


def check_syntax(source: str, filename: str = "<edit>") -> SyntaxProblem | None:
    """The first syntax error of Python ``source``, or ``None`` when it parses."""
    try:
        parser = _ts_parser()
    except ImportError:
        return _compile_check(source, filename)
    root = parser.parse(source.encode("utf-8")).root_node
    if not root.has_error:
        return None
    node = _first_error(root)
    if node is None:
        return SyntaxProblem(1, 1, "syntax error")
    row, col = node.start_point
    what = f"missing {node.type!r}" if node.is_missing else "unexpected code"
    return SyntaxProblem(row + 1, col + 1, f"syntax error: {what}")


def _first_error(node):  # type: ignore[no-untyped-def]
    stack = [node]
    while stack:
        current = stack.pop()
        if current.type == "ERROR" or current.is_missing:
            return current
        stack.extend(c for c in reversed(current.children) if c.has_error or c.is_missing)
    return None


def _compile_check(source: str, filename: str) -> SyntaxProblem | None:
    try:
        compile(source, filename, "exec", dont_inherit=True)
    except SyntaxError as exc:
        return SyntaxProblem(exc.lineno or 1, exc.offset or 1, exc.msg)
    return None


def syntax_rejections(preview: EditPreview) -> list[str]:
    """Feedback for every Python file the edits would break (that parsed before)."""
    out = []
    for rel in preview.changed:
        after = preview.after[rel]
        if not rel.endswith(".py") or after is None:
            continue
        problem = check_syntax(after, rel)
        before = preview.before.get(rel)
        if problem is None or (before is not None and check_syntax(before, rel) is not None):
            continue
        line = after.splitlines()[problem.line - 1] if after.splitlines() else ""
        out.append(f"The edit would break the syntax of {rel}: {problem.message} at line "
                   f"{problem.line}, column {problem.column}:\n```\n{line}\n```\n"
                   "Nothing was written; fix the edit and send it again.")
    return out


def unchanged_code_rejections(preview: EditPreview) -> list[str]:
    """One rejection when every file the edits change is Python whose syntax tree stays the
    same: blank lines, spacing or comments moved, and the code runs exactly as before."""
    if not preview.changed:
        return []
    for rel in preview.changed:
        before, after = preview.before.get(rel), preview.after[rel]
        if not rel.endswith(".py") or before is None or after is None:
            return []
        try:
            if ast.dump(ast.parse(before)) != ast.dump(ast.parse(after)):
                return []
        except (SyntaxError, ValueError):
            return []
    return ["The edits change only blank lines, spacing or comments: the code would run "
            "exactly as before, so they cannot fix the issue. Nothing was written; change "
            "the code that causes the bug."]


def edit_rejections(preview: EditPreview) -> list[str]:
    """The fixer's checks before an edit is written: broken syntax, then no code change."""
    return syntax_rejections(preview) or unchanged_code_rejections(preview)


def lint_source(root: Path, rel: str, source: str,
                select: Sequence[str] | None = None) -> tuple[LintDiagnostic, ...]:
    """ruff's diagnostics for ``source`` as if it were ``root / rel`` (repo config applies)."""
    cmd = [sys.executable, "-m", "ruff", "check", "--output-format", "json", "--no-fix",
           "--stdin-filename", rel]
    if select:
        cmd += ["--select", ",".join(select)]
    try:
        proc = subprocess.run([*cmd, "-"], input=source, capture_output=True, text=True,
                              cwd=root, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise LintUnavailableError(f"ruff could not run: {exc}",
                                   hint=f"{sys.executable} -m pip install ruff") from exc
    if proc.returncode not in (0, 1):
        raise LintUnavailableError(f"ruff failed (exit {proc.returncode}): "
                                   f"{proc.stderr.strip()[:500]}",
                                   hint=f"{sys.executable} -m pip install ruff")
    return tuple(LintDiagnostic(rel, d["location"]["row"], d["location"]["column"],
                                d.get("code") or "syntax", d["message"])
                 for d in json.loads(proc.stdout or "[]"))


def introduced_lint(root: Path, rel: str, before: str | None, after: str,
                    select: Sequence[str] | None = None) -> tuple[LintDiagnostic, ...]:
    """Diagnostics of ``after`` that ``before`` did not have (line-shift tolerant)."""
    new = lint_source(root, rel, after, select)
    if before is None:
        return new
    old = lint_source(root, rel, before, select)
    remaining = Counter(_key(d, before) for d in old)
    out = []
    for diag in new:
        key = _key(diag, after)
        if remaining[key] > 0:
            remaining[key] -= 1
        else:
            out.append(diag)
    return tuple(out)


def _key(diag: LintDiagnostic, source: str) -> tuple[str, str, str]:
    lines = source.splitlines()
    text = lines[diag.line - 1].strip() if 0 < diag.line <= len(lines) else ""
    return diag.code, diag.message, text


def apply_and_validate(root: Path, edits: Sequence[Edit], *, lint: bool = True,
                       select: Sequence[str] | None = None) -> ValidatedEdit:
    """Apply ``edits`` unless one fails to match or breaks Python syntax, then report the lint
    diagnostics the applied edits introduced."""
    result = apply_edits(root, edits, check=syntax_rejections)
    if not result.applied or not lint:
        return ValidatedEdit(result)
    found: list[LintDiagnostic] = []
    for change in result.changes:
        if change.path.endswith(".py") and change.after is not None:
            found.extend(introduced_lint(root, change.path, change.before, change.after, select))
    return ValidatedEdit(result, tuple(found))
