"""The `compilot` command line: parses, calls the SDK, renders. No logic of its own.

Each command group lives in its own module exposing ``app`` (a ``typer.Typer``) and is
registered here; errors the user must fix are printed with their fix and a non-zero exit code.
"""

from __future__ import annotations

import typer

from compilot.cli import ask as ask_cmd
from compilot.cli import config as config_cmd
from compilot.cli import debug as debug_cmd
from compilot.cli import doctor as doctor_cmd
from compilot.cli import fix as fix_cmd
from compilot.cli import model as model_cmd
from compilot.cli import run as run_cmd
from compilot.cli import sandbox as sandbox_cmd

app = typer.Typer(
    name="compilot",
    help="LLM agents that write, debug and fix code, with local models and Docker sandboxes.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(model_cmd.app, name="model")
app.add_typer(config_cmd.app, name="config")
app.add_typer(sandbox_cmd.app, name="sandbox")
app.command("ask")(ask_cmd.ask)
app.command("doctor")(doctor_cmd.doctor)
app.command("run")(run_cmd.run)
app.command("fix")(fix_cmd.fix)
app.command("demo")(fix_cmd.demo)
app.command("debug")(debug_cmd.debug)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
