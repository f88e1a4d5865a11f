"""`fix` end to end with scripted models, real git repositories and real Docker sandboxes."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from compilot.config import load_settings
from compilot.errors import RepositoryError
from compilot.testing import ScriptedModel
from compilot.workflows.fix import FixLimits, fix

REPRO = ("```python\nfrom calc.ops import add\n\n\ndef test_add():\n"
         "    assert add(2, 3) == 5\n```")


def block(old: str, new: str) -> str:
    return f"calc/ops.py\n<<<<<<< SEARCH\n    {old}\n=======\n    {new}\n>>>>>>> REPLACE\n"


RIGHT = block("return a - b", "return a + b")
WRONG = block("return a - b", "return a * b")
MISS = block("return a minus b", "return a + b")
ISSUE = "add(2, 3) returns -1 instead of 5"


def make_repo(root: Path) -> Path:
    (root / "calc").mkdir(parents=True)
    (root / "tests").mkdir()
    (root / "calc" / "__init__.py").write_text("")
    (root / "calc" / "ops.py").write_text(
        'def add(a, b):\n    """Return the sum of a and b."""\n    return a - b\n\n\n'
        "def mul(a, b):\n    return a * b\n")
    (root / "tests" / "test_ops.py").write_text(
        "from calc.ops import mul\n\n\ndef test_mul():\n    assert mul(2, 3) == 6\n")
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"}
    for cmd in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "init"]):
        subprocess.run(["git", "-C", str(root), *cmd], check=True, env=env)
    return root


def snapshot(root: Path) -> dict[str, str]:
    """Every file under ``root`` (``.git`` included) -> sha256 of its bytes."""
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "user-repo")


def run(repo: Path, tmp_path: Path, *replies: str, **kwargs: object):  # type: ignore[no-untyped-def]
    model = ScriptedModel(list(replies))
    settings = load_settings(home=tmp_path / "home")
    result = fix(repo, ISSUE, model=model, settings=settings, candidates=kwargs.pop(
        "candidates", 1), run_dir=tmp_path / "run",
        limits=FixLimits(test_timeout_s=60, **kwargs.pop("limits", {})),  # type: ignore[arg-type]
        **kwargs)  # type: ignore[arg-type]
    return result, model


@pytest.mark.docker
def test_correct_patch_is_validated_and_user_tree_untouched(repo: Path, tmp_path: Path) -> None:
    before = snapshot(repo)
    result, model = run(repo, tmp_path, REPRO, MISS, RIGHT)
    assert result.status == "fixed" and result.ok
    assert result.reproduced
    assert result.evidence.fixed == ("test_compilot_repro::test_add",)
    assert result.evidence.regressions == ()
    assert "-    return a - b\n+    return a + b" in result.patch
    assert "test_compilot_repro" not in result.patch  # the repro test is never in the patch
    assert "Did you mean lines" in model.requests[2].messages[-1].content
    assert snapshot(repo) == before
    check = subprocess.run(["git", "-C", str(repo), "apply", "--check", "-"],
                           input=result.patch_path.read_text(), text=True)
    assert check.returncode == 0
    events = [json.loads(line) for line in result.trajectory_path.read_text().splitlines()]
    assert [e["step"] for e in events if e["type"] == "model_call"] == ["reproduce", "edit",
                                                                          "edit"]
    tools = {e["name"] for e in events if e["type"] == "tool_call"}
    assert {"prepare", "localize_issue", "baseline_tests", "read_files", "validate"} <= tools


@pytest.mark.docker
def test_grammar_form_constrains_repro_and_edits_to_source_files(repo: Path,
                                                                 tmp_path: Path) -> None:
    result, model = run(repo, tmp_path, REPRO, MISS, RIGHT, constrained="grammar")
    assert result.status == "fixed" and result.reproduced
    repro, first, retry = (r.options for r in model.requests)
    assert repro.grammar is not None and '"def test_"' in repro.grammar
    assert repro.json_schema is None and first.json_schema is None
    assert first.grammar is not None and '"calc/ops.py\\n"' in first.grammar
    assert "test_ops" not in first.grammar  # test files are not editable
    assert retry.grammar == first.grammar  # the "did you mean" retry stays constrained
    assert "Did you mean lines" in model.requests[2].messages[-1].content
    prompt = model.requests[1].messages[-1].content
    assert "    return a - b" in prompt and "# Repository map" not in prompt
    events = [json.loads(line) for line in result.trajectory_path.read_text().splitlines()]
    context = next(e for e in events if e["type"] == "prompt_context")
    assert context["form"] == "grammar" and context["editable"] == ["calc/ops.py"]


@pytest.mark.docker
def test_wrong_patch_is_rejected_and_not_applied(repo: Path, tmp_path: Path) -> None:
    before = snapshot(repo)
    result, model = run(repo, tmp_path, REPRO, WRONG, WRONG, WRONG, apply=True)
    assert result.status == "unvalidated" and not result.ok
    assert result.evidence.fixed == ()
    assert result.evidence.repro_after is not None and not result.evidence.repro_after.ok
    assert not result.applied
    assert snapshot(repo) == before
    # two refinement rounds repeated the rejected patch: recognised, not tested again
    assert len(model.requests) == 4
    assert [c["duplicate_of"] for c in result.candidates] == [None, 0, 0]


@pytest.mark.docker
def test_refinement_shows_the_rejected_patch_and_its_failure(repo: Path,
                                                             tmp_path: Path) -> None:
    result, model = run(repo, tmp_path, REPRO, WRONG, RIGHT)
    assert result.status == "fixed"
    assert [c["index"] for c in result.candidates] == [0, 1]
    assert "return a + b" in result.patch and "a * b" not in result.patch
    prompt = model.requests[2].messages[-1].content
    assert "A previous attempt, already rejected" in prompt
    assert "+    return a * b" in prompt  # the rejected diff
    assert "reproduction test still fails" in prompt and "assert 6 == 5" in prompt
    events = [json.loads(line) for line in result.trajectory_path.read_text().splitlines()]
    steps = [e["step"] for e in events if e["type"] == "model_call"]
    assert steps == ["reproduce", "edit", "refine"]


@pytest.mark.docker
def test_no_refinement_when_rounds_are_zero(repo: Path, tmp_path: Path) -> None:
    result, model = run(repo, tmp_path, REPRO, WRONG, limits={"refine_rounds": 0})
    assert result.status == "unvalidated" and len(model.requests) == 2


@pytest.mark.docker
def test_duplicates_validated_once_and_apply_commit_on_success(repo: Path,
                                                               tmp_path: Path) -> None:
    spaced = RIGHT.replace("a + b", "a+b")  # same AST as RIGHT
    result, _ = run(repo, tmp_path, REPRO, RIGHT, spaced, candidates=2, apply=True,
                    commit=True)
    assert result.ok
    assert [c["duplicate_of"] for c in result.candidates] == [None, 0]
    assert result.candidates[1]["evidence"] is None
    assert "return a + b" in (repo / "calc" / "ops.py").read_text()
    assert result.branch is not None
    shown = subprocess.run(["git", "-C", str(repo), "show", f"{result.branch}:calc/ops.py"],
                           capture_output=True, text=True, check=True).stdout
    assert "return a + b" in shown


def test_non_git_directory_is_refused(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    with pytest.raises(RepositoryError, match="not a git repository") as info:
        fix(plain, ISSUE, model=ScriptedModel([]), settings=load_settings(home=tmp_path),
            run_dir=tmp_path / "run")
    assert "git -C" in (info.value.hint or "")


CLI = ("import sys, typer\nfrom compilot.cli.fix import fix\n"
       "app = typer.Typer(pretty_exceptions_enable=False)\napp.command()(fix)\n"
       "sys.exit(app())\n")


@pytest.mark.docker
def test_ctrl_c_leaves_user_tree_byte_identical(repo: Path, tmp_path: Path) -> None:
    script = tmp_path / "script.json"
    script.write_text(json.dumps({"replies": [REPRO, RIGHT], "delay_s": 30}))
    before = snapshot(repo)
    env = {**os.environ, "COMPILOT_HOME": str(tmp_path / "home")}
    proc = subprocess.Popen([sys.executable, "-c", CLI, ISSUE, "--repo", str(repo),
                             "--model", f"script:{script}", "--out", str(tmp_path / "run"),
                             "--candidates", "1"],
                            stderr=subprocess.PIPE, text=True, env=env)
    assert proc.stderr is not None
    deadline = time.monotonic() + 60
    for line in proc.stderr:  # wait until the model call is in flight
        if "reproduction test" in line or time.monotonic() > deadline:
            break
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=30) == 130
    assert snapshot(repo) == before


@pytest.mark.docker
def test_cli_json_and_vscode_lines(repo: Path, tmp_path: Path) -> None:
    import typer
    from typer.testing import CliRunner

    from compilot.cli.fix import fix as fix_cmd

    app = typer.Typer()
    app.command()(fix_cmd)
    good, wrong = tmp_path / "good.json", tmp_path / "wrong.json"
    good.write_text(json.dumps([REPRO, RIGHT]))
    wrong.write_text(json.dumps([REPRO, WRONG]))
    env = {"COMPILOT_HOME": str(tmp_path / "home")}
    args = [ISSUE, "--repo", str(repo), "--candidates", "1"]
    ok = CliRunner().invoke(app, [*args, "--model", f"script:{good}", "--json", "--out",
                                  str(tmp_path / "a")], env=env)
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.stdout)["status"] == "fixed"
    bad = CliRunner().invoke(app, [*args, "--model", f"script:{wrong}", "--format", "vscode",
                                   "--refine-rounds", "0", "--out", str(tmp_path / "b")],
                             env=env)
    assert bad.exit_code == 1
    assert "calc/ops.py:1:1: warning: compilot: proposed change NOT validated" in bad.stdout
