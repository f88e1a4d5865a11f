"""The shipped example repositories: copying them into fresh git repos (real git), and the
invoicing example's own suite, bug report and reference fix (real pytest subprocesses)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from compilot.errors import ConfigError
from compilot.examples import available_examples, copy_example, example_path

REFERENCE_FIX = (Path(__file__).resolve().parents[2]
                 / "benchmarks" / "fix_suite" / "demo_reference_fix.diff")
ISSUE_TEST = '''
from decimal import Decimal
from invoicing import Invoice, LineItem, invoice_totals


def test_half_cent_of_tax_is_rounded_up():
    inv = Invoice(number="INV-1042", customer="Corner Cafe")
    inv.add_line(LineItem("TEA-GRN", "Green tea, 100 g", 1, Decimal("2.50"), Decimal("0.09")))
    totals = invoice_totals(inv)
    assert (totals.tax, totals.gross) == (Decimal("0.23"), Decimal("2.73"))
'''


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True,
                          text=True).stdout.strip()


def _pytest(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
                          cwd=repo, env=env, capture_output=True, text=True, timeout=120)


def test_invoicing_is_listed_and_has_its_files():
    assert "invoicing" in available_examples()
    root = example_path("invoicing")
    for name in ("ISSUE.md", "README.md", "pyproject.toml", "invoicing/pricing.py",
                 "tests/test_pricing.py"):
        assert (root / name).is_file(), name


def test_unknown_example_names_the_known_ones():
    with pytest.raises(ConfigError, match="invoicing"):
        example_path("nope")


def test_copy_example_makes_a_clean_repo_with_one_commit(tmp_path):
    repo = copy_example("invoicing", tmp_path / "demo")
    assert repo == tmp_path / "demo"
    assert _git(repo, "rev-list", "--count", "HEAD") == "1"
    assert _git(repo, "status", "--porcelain") == ""
    tracked = _git(repo, "ls-files").splitlines()
    assert "ISSUE.md" in tracked and "invoicing/money.py" in tracked
    assert not any("__pycache__" in path or ".pytest_cache" in path for path in tracked)


def test_copy_example_into_an_empty_folder_works_and_a_full_one_is_refused(tmp_path):
    (tmp_path / "empty").mkdir()
    assert (copy_example("invoicing", tmp_path / "empty") / ".git").is_dir()
    with pytest.raises(ConfigError, match="not an empty folder"):
        copy_example("invoicing", tmp_path / "empty")


def test_example_suite_passes(tmp_path):
    repo = copy_example("invoicing", tmp_path / "demo")
    done = _pytest(repo)
    assert done.returncode == 0, done.stdout + done.stderr
    assert " passed" in done.stdout


def test_issue_reproduction_fails_until_the_reference_fix(tmp_path):
    repo = copy_example("invoicing", tmp_path / "demo")
    (repo / "tests" / "test_issue.py").write_text(ISSUE_TEST)
    before = _pytest(repo, "tests/test_issue.py")
    assert before.returncode == 1, before.stdout + before.stderr
    assert "Decimal('0.22')" in before.stdout
    _git(repo, "apply", str(REFERENCE_FIX))
    after = _pytest(repo)
    assert after.returncode == 0, after.stdout + after.stderr
