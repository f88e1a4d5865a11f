"""`compilot fix` and `compilot demo`: parse, call :func:`compilot.workflows.fix.fix`, render.

Exit code 0 only when a patch was validated by tests in the sandbox; 1 otherwise. The lead
registers ``app.command("fix")(fix)`` and ``app.command("demo")(demo)``.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Any, Literal

import typer
from rich.table import Table
from rich.text import Text

from compilot.cli._render import console, err_console, print_json, user_errors
from compilot.cli.options import (
    AllowUnsandboxedOpt,
    JsonOpt,
    LocalOpt,
    ModelNameOpt,
    ModelOpt,
    model_overrides,
    sandbox_overrides,
)

FormatOpt = Annotated[str | None, typer.Option(
    "--format", help="Also print diagnostic lines: vscode (path:line:col: severity: "
    "message) or github (workflow commands).")]


def _settings(model: str | None, model_name: str | None, local: bool,
              allow_unsandboxed: bool) -> Any:
    from compilot.config import load_settings
    from compilot.testing.script_source import is_script_source

    source = None if is_script_source(model) else model
    return load_settings(**model_overrides(source, model_name),
                         sandbox=sandbox_overrides(local, allow_unsandboxed))


def _model(model: str | None) -> Any:
    from compilot.testing.script_source import is_script_source, load_script_model

    return load_script_model(model) if model and is_script_source(model) else None


def _progress(quiet: bool) -> Any:
    start = time.monotonic()

    def say(message: str) -> None:
        if not quiet:
            err_console.print(f"[{time.monotonic() - start:6.1f}s] {message}", markup=False,
                              style="dim")
    return say


def _issue_text(issue: str | None, issue_file: Path | None) -> str:
    from compilot.errors import ConfigError

    if issue_file is not None:
        try:
            return issue_file.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot read --issue-file {issue_file}: {exc}") from exc
    if not issue or not issue.strip():
        raise ConfigError("no issue given", hint='compilot fix "describe the bug" '
                          "(or --issue-file ISSUE.md)")
    return issue


def fix(
    issue: Annotated[str | None, typer.Argument(help="The issue text.")] = None,
    repo: Annotated[Path, typer.Option("--repo", help="Git repository to fix.")] = Path("."),
    issue_file: Annotated[Path | None, typer.Option("--issue-file", help="Read the issue "
                          "from this file.")] = None,
    candidates: Annotated[int, typer.Option(help="Candidate patches to sample.", min=1)] = 2,
    max_steps: Annotated[int, typer.Option(help="Model-call budget.", min=1)] = 12,
    wall_time: Annotated[float, typer.Option(help="Wall-time limit in seconds.")] = 1800.0,
    token_budget: Annotated[int, typer.Option(help="Token budget.")] = 200_000,
    test_timeout: Annotated[float, typer.Option(help="Timeout of one test run (s).")] = 120.0,
    refine_rounds: Annotated[int, typer.Option(help="Rounds that show the model its rejected "
                             "patch and the test failures.", min=0)] = 2,
    test_command: Annotated[str | None, typer.Option(help="Test command (default: "
                            "python -m pytest -q).")] = None,
    apply: Annotated[bool, typer.Option("--apply", help="Apply a VALIDATED patch to the "
                     "working tree.")] = False,
    commit: Annotated[bool, typer.Option("--commit", help="Commit a VALIDATED patch on a "
                      "new branch.")] = False,
    out: Annotated[Path | None, typer.Option("--out", help="Run directory (patch, "
                   "evidence, trajectory).")] = None,
    constrained: Annotated[bool | None, typer.Option(
        "--constrained/--free-text", help="Force schema-constrained output on or off "
        "(default: the capability probe decides).")] = None,
    model: ModelOpt = None,
    model_name: ModelNameOpt = None,
    local: LocalOpt = False,
    allow_unsandboxed: AllowUnsandboxedOpt = False,
    json: JsonOpt = False,
    format: FormatOpt = None,
    instances: Annotated[Path | None, typer.Option("--instances", help="SWE-bench "
                         "instances file (JSON/JSONL); writes --preds.")] = None,
    preds: Annotated[Path, typer.Option("--preds", help="Predictions file (resumed).")
                     ] = Path("preds.jsonl"),
) -> None:
    """Fix an issue in a git repository; exit 0 only with a test-validated patch."""
    from compilot.workflows.fix import FixLimits
    from compilot.workflows.fix import fix as run_fix

    with user_errors():
        fmt = _check_format(format)
        settings = _settings(model, model_name, local, allow_unsandboxed)
        limits = FixLimits(max_steps=max_steps, wall_time_s=wall_time,
                           token_budget=token_budget, test_timeout_s=test_timeout,
                           refine_rounds=refine_rounds)
        if instances is not None:
            _swebench(instances, preds, _model(model), settings, limits, candidates,
                      constrained, out, json)
            return
        text = _issue_text(issue, issue_file)
        result = run_fix(repo, text, model=_model(model), settings=settings,
                         candidates=candidates, limits=limits, constrained=constrained,
                         test_command=test_command, run_dir=out, apply=apply, commit=commit,
                         progress=_progress(json))
    show(result, json=json, fmt=fmt)
    raise typer.Exit(0 if result.ok else 1)


def _swebench(instances: Path, preds: Path, model: Any, settings: Any, limits: Any,
              candidates: int, constrained: bool | None, out: Path | None, json: bool) -> None:
    from compilot.workflows.fix import fix_instances

    written = fix_instances(instances, preds, model=model, settings=settings, runs_dir=out,
                            progress=_progress(json), candidates=candidates, limits=limits,
                            constrained=constrained)
    summary = {"preds": str(preds), "written": len(written),
               "validated": sum(1 for r in written if r.get("validated")),
               "empty": sum(1 for r in written if not r.get("model_patch"))}
    if json:
        print_json({**summary, "records": written})
    else:
        console.print(f"{summary['written']} new prediction(s) in {preds}: "
                      f"{summary['validated']} validated, {summary['empty']} empty patches",
                      markup=False)


def demo(
    candidates: Annotated[int, typer.Option(help="Candidate patches to sample.", min=1)] = 2,
    max_steps: Annotated[int, typer.Option(help="Model-call budget.", min=1)] = 10,
    model: ModelOpt = None,
    model_name: ModelNameOpt = None,
    strict: Annotated[bool, typer.Option(
        help="Exit 1 unless a validated patch was found (as `compilot fix` does).")] = False,
    json: JsonOpt = False,
) -> None:
    """Run `fix` on the bundled example project (a real bug, a real test suite)."""
    from compilot.workflows.fix import FixLimits
    from compilot.workflows.fix import fix as run_fix

    with user_errors():
        settings = _settings(model, model_name, False, False)
        repo, issue = _demo_repo(Path(settings.home))
        if not json:
            console.print(f"Example project: {repo}\nIssue:\n{issue.strip()}\n", markup=False)
        result = run_fix(repo, issue, model=_model(model), settings=settings,
                         candidates=candidates, limits=FixLimits(max_steps=max_steps),
                         progress=_progress(json))
    show(result, json=json, fmt=None)
    # The demo shows an honest outcome either way; `compilot fix` is the command whose exit
    # code gates on a validated patch. --strict makes the demo gate the same way.
    raise typer.Exit(1 if strict and not result.ok else 0)


def _demo_repo(home: Path) -> tuple[Path, str]:
    from compilot.errors import ComPilotError

    try:
        from compilot.examples import copy_example  # type: ignore[import-not-found]
    except ImportError as exc:
        raise ComPilotError("the example project is not part of this installation",
                            hint="pip install --force-reinstall compilot") from exc
    dest = home / "demo" / time.strftime("invoicing-%Y%m%d-%H%M%S")
    repo = Path(copy_example("invoicing", dest))
    return repo, (repo / "ISSUE.md").read_text(encoding="utf-8")


def _check_format(value: str | None) -> Literal["vscode", "github"] | None:
    from compilot.errors import ConfigError

    if value in (None, "vscode", "github"):
        return value  # type: ignore[return-value]
    raise ConfigError(f"unknown --format {value!r}; valid: vscode, github")


def show(result: Any, *, json: bool, fmt: Literal["vscode", "github"] | None) -> None:
    from compilot.agents.fixer.report import diagnostics, evidence_rows

    if json:
        print_json(result.to_json())
        return
    if fmt is not None:
        for line in diagnostics(result, fmt):
            console.print(line, markup=False)
        return
    table = Table(title="Evidence (tests run in the sandbox)")
    for name in ("check", "before", "after"):
        table.add_column(name, overflow="fold")
    for row in evidence_rows(result.evidence):
        table.add_row(*(Text(cell) for cell in row))
    console.print(table)
    if result.patch:
        console.print(result.patch, markup=False, highlight=False)
    for note in result.notes:
        console.print(f"note: {note}", markup=False)
    _verdict(result)


def _verdict(result: Any) -> None:
    usage = (f"{result.model_calls} model calls, {result.tokens} tokens, "
             f"{result.duration_s:.0f}s")
    if result.ok:
        console.print(f"FIXED: a patch validated by tests ({usage}).", style="bold green")
    elif result.status == "unvalidated":
        console.print(f"NOT FIXED: a patch was produced but the tests do not validate it "
                      f"({usage}).", style="bold yellow")
    else:
        console.print(f"NOT FIXED: no applicable patch ({usage}).", style="bold red")
    if result.stopped:
        console.print(f"stopped early: {result.stopped}", markup=False)
    extra = "; applied to your tree" if result.applied else ""
    extra += f"; committed on branch {result.branch}" if result.branch else ""
    console.print(f"patch: {result.patch_path}\nevidence: {result.run_dir / 'evidence.json'}"
                  f"\ntrajectory: {result.trajectory_path}{extra}", markup=False)
