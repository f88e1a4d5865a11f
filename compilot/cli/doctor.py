"""`compilot doctor`: every piece compilot needs; each failing one names the command that
fixes it."""

from __future__ import annotations

import shutil
import subprocess
import sys

import typer
from rich.markup import escape
from rich.table import Table

from compilot.cli._render import console, print_json, user_errors
from compilot.cli.options import JsonOpt, ModelNameOpt, ModelOpt, model_overrides
from compilot.config import Settings, load_settings
from compilot.health import Check


def doctor(model: ModelOpt = None, model_name: ModelNameOpt = None, json: JsonOpt = False) -> None:
    """Check Python, git, the Docker engine, the sandbox image, the model and its server."""
    with user_errors():
        settings = load_settings(**model_overrides(model, model_name))
    checks = collect(settings)
    if json:
        print_json([c.model_dump() for c in checks])
    else:
        render(checks)
    if any(not c.ok and c.required for c in checks):
        raise typer.Exit(1)


def collect(settings: Settings) -> list[Check]:
    from compilot.llm import health as llm_health
    from compilot.sandboxes import health as sandbox_health

    return [_python(), _git(), *sandbox_health.checks(settings), *llm_health.checks(settings)]


def render(checks: list[Check]) -> None:
    table = Table(show_header=True, header_style="bold")
    for column in ("check", "state", "detail / fix"):
        table.add_column(column)
    for c in checks:
        state = "ok" if c.ok else ("FAIL" if c.required else "warn")
        style = "green" if c.ok else ("red" if c.required else "yellow")
        detail = c.detail if c.ok or not c.fix else f"{c.detail}\nfix: {c.fix}"
        table.add_row(c.name, f"[{style}]{state}[/{style}]", escape(detail))
    console.print(table)


def _python() -> Check:
    version = ".".join(str(p) for p in sys.version_info[:3])
    ok = sys.version_info >= (3, 11)
    return Check(name="python", ok=ok, detail=f"{version} ({sys.executable})",
                 fix=None if ok else "install Python 3.11 or newer")


def _git() -> Check:
    path = shutil.which("git")
    if path is None:
        return Check(name="git", ok=False, detail="not found", fix="apt-get install -y git")
    out = subprocess.run([path, "--version"], capture_output=True, text=True, check=False)
    return Check(name="git", ok=out.returncode == 0, detail=out.stdout.strip() or out.stderr)
