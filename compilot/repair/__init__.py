"""Edit formats and their application, validation (tests, lint) and repair strategies.
"""

from __future__ import annotations

from compilot.repair.apply import (
    ApplyResult,
    EditFailure,
    EditPreview,
    FileChange,
    apply_edits,
    preview_edits,
)
from compilot.repair.edits import Edit, ParsedEdits, parse_edits
from compilot.repair.validate import (
    LintDiagnostic,
    SyntaxProblem,
    ValidatedEdit,
    apply_and_validate,
    check_syntax,
    introduced_lint,
)

__all__ = [
    "ApplyResult",
    "Edit",
    "EditFailure",
    "EditPreview",
    "FileChange",
    "LintDiagnostic",
    "ParsedEdits",
    "SyntaxProblem",
    "ValidatedEdit",
    "apply_and_validate",
    "apply_edits",
    "check_syntax",
    "introduced_lint",
    "parse_edits",
    "preview_edits",
]
