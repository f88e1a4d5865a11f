"""Syntax gate and introduced-lint reporting, with the real tree-sitter grammar and ruff."""

from __future__ import annotations

from pathlib import Path

from compilot.repair import Edit, apply_and_validate, check_syntax, introduced_lint
from compilot.repair.validate import _compile_check

# Pre-existing lint: an unused import (F401) and a bare comparison to None (E711).
ORIGINAL = """\
import json


def load(text):
    if text == None:
        return {}
    return dict(text)
"""


def _repo(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text('[tool.ruff.lint]\nselect = ["E", "F"]\n')
    (tmp_path / "mod.py").write_text(ORIGINAL)
    return tmp_path


def test_check_syntax_names_the_error_line() -> None:
    assert check_syntax("x = 1\n") is None
    problem = check_syntax("x = 1\ndef f(:\n    pass\n")
    assert problem is not None and problem.line == 2
    fallback = _compile_check("x = 1\n\nif True\n    pass\n", "f.py")
    assert fallback is not None and fallback.line == 3


def test_edit_that_breaks_syntax_is_rejected_and_file_untouched(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    edit = Edit("mod.py", "    return dict(text)\n", "    return dict(text\n")
    outcome = apply_and_validate(repo, [edit])
    assert not outcome.result.applied
    assert "break the syntax of mod.py" in outcome.feedback
    assert "Nothing was written" in outcome.feedback
    assert (repo / "mod.py").read_text() == ORIGINAL


def test_edit_to_an_already_broken_file_is_not_blamed(tmp_path: Path) -> None:
    (tmp_path / "bad.py").write_text("def f(:\n    pass\nx = 1\n")
    outcome = apply_and_validate(tmp_path, [Edit("bad.py", "x = 1\n", "x = 2\n")], lint=False)
    assert outcome.result.applied, outcome.feedback


def test_only_lint_introduced_by_the_edit_is_reported(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    # Insert lines above the existing problems (shifting them) and add an unused import.
    edit = Edit("mod.py", "import json\n", "import json\nimport os\n\nLIMIT = 3\n")
    outcome = apply_and_validate(repo, [edit])
    assert outcome.result.applied, outcome.feedback
    codes = [(d.code, d.line) for d in outcome.lint]
    assert codes == [("F401", 2)]
    assert "`os` imported but unused" in outcome.lint[0].message
    assert "mod.py:2:8: F401" in outcome.feedback


def test_new_file_reports_all_its_lint(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    outcome = apply_and_validate(repo, [Edit("new.py", "", "import sys\n")])
    assert outcome.result.applied
    assert [d.code for d in outcome.lint] == ["F401"]


def test_introduced_lint_with_explicit_rule_selection(tmp_path: Path) -> None:
    before = "x = 1\n"
    after = "import re\nx = 1\nif x == None:\n    pass\n"
    found = introduced_lint(tmp_path, "m.py", before, after, select=["E711"])
    assert [d.code for d in found] == ["E711"]


def test_edit_that_changes_no_code_is_rejected_before_writing(tmp_path: Path) -> None:
    from compilot.repair import apply_edits
    from compilot.repair.validate import edit_rejections

    src = "def f(x):\n    return x + 1\n"
    (tmp_path / "m.py").write_text(src)
    blank = Edit("m.py", "def f(x):\n", "\ndef f(x):  # adds one\n")
    result = apply_edits(tmp_path, [blank], check=edit_rejections)
    assert not result.applied and "run exactly as before" in result.feedback
    assert (tmp_path / "m.py").read_text() == src
    real = Edit("m.py", "    return x + 1\n", "    return x + 2\n")
    assert apply_edits(tmp_path, [blank, real], check=edit_rejections).applied
    assert "x + 2" in (tmp_path / "m.py").read_text()
