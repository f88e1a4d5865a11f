"""`compilot debug FILE::FUNCTION --test "assert f(2) == 4"`: the LDB debugger on user code.

Runs the tests in a sandbox, traces the first failure block by block, lets the model judge the
blocks and propose a fix (one answer per iteration, grammar-constrained where the server
supports it), and prints the trace table, the verdicts and the proposed fix. The file itself
is never modified.
"""

from __future__ import annotations

from typing import Annotated, Any

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


def debug(
    target: Annotated[str, typer.Argument(help="path/to/file.py::function")],
    test: Annotated[list[str], typer.Option("--test", "-t", help="A test, e.g. "
                    "\"assert f(2) == 4\" (repeatable).")],
    task: Annotated[str | None, typer.Option(help="What the function should do (default: "
                    "its signature and docstring).")] = None,
    max_calls: Annotated[int, typer.Option(help="Model call budget.", min=1)] = 6,
    max_blocks: Annotated[int, typer.Option(help="Blocks shown per iteration.", min=2)] = 10,
    constrained: Annotated[bool | None, typer.Option(
        "--constrained/--free-text", help="Force the grammar-constrained answer on or off "
        "(default: the capability probe decides).")] = None,
    seed: Annotated[int | None, typer.Option(
        help="Sampling seed: call k asks for seed + k, so a rerun gives the same answers "
        "(default: the server picks).")] = None,
    model: ModelOpt = None,
    model_name: ModelNameOpt = None,
    local: LocalOpt = False,
    allow_unsandboxed: AllowUnsandboxedOpt = False,
    json: JsonOpt = False,
) -> None:
    """Debug a function from its runtime trace and propose a fix (LDB)."""
    from compilot.agents.debugger import DebuggerConfig, debug_program
    from compilot.agents.debugger.report import result_dict
    from compilot.agents.debugger.target import load_target
    from compilot.config import load_settings
    from compilot.llm.types import ChatModel
    from compilot.sandboxes import make_sandbox
    from compilot.workflows.models import open_model
    from compilot.workflows.run import resolve_constrained

    with user_errors():
        goal = load_target(target, task)
        settings = load_settings(**model_overrides(model, model_name),
                                 sandbox=sandbox_overrides(local, allow_unsandboxed))
        chat: ChatModel = open_model(settings, progress=not json)
        if constrained is None:
            form, chat = resolve_constrained(chat, "auto", settings.home)
            constrained = form == "grammar"
        config = DebuggerConfig(max_calls=max_calls, max_blocks=max_blocks,
                                max_tokens=settings.model.max_tokens or 1024,
                                constrained=constrained, seed=seed)
        with make_sandbox(settings.sandbox) as box:
            result = debug_program(chat, box, task=goal.task, program=goal.source,
                                   function=goal.function, tests=test, config=config)
    data = {"target": target, "model": chat.name, **result_dict(result, goal.source)}
    if json:
        print_json(data)
    else:
        render(data)
    raise typer.Exit(0 if result.solved else 1)


def _trace_table(rows: list[dict[str, Any]]) -> Table:
    table = Table(title="Trace of the first failing test (blocks shown to the model)")
    for name in ("step", "block", "lines", "code", "state after (changed)"):
        table.add_column(name, overflow="fold")
    for row in rows:
        if "omitted" in row:
            table.add_row("...", "", "", Text(f"{row['omitted']} visits omitted"), "")
            continue
        state = ", ".join(f"{k}={v}" for k, v in row["changed"].items()) or "-"
        if row["exception"]:
            state += f"\nraised {row['exception']}"
        elif row["returned"] is not None:
            state += f"\nreturned {row['returned']}"
        lines = f"{row['lines'][0]}-{row['lines'][1]}"
        table.add_row(str(row["step"]), str(row["block"]), lines, Text(row["code"]), Text(state))
    return table


def _verdict_table(verdicts: list[dict[str, Any]]) -> Table:
    table = Table(title="Model verdicts")
    for name in ("block", "correct", "explanation"):
        table.add_column(name, overflow="fold")
    for v in verdicts:
        table.add_row(str(v["block"]), "yes" if v["correct"] else "NO", Text(v["explanation"]))
    return table


def render(data: dict[str, Any]) -> None:
    """Human output. Model text and program values go through ``markup=False``/Text cells."""
    first = data["attempts"][0] if data["attempts"] else None
    if first and first["trace"]:
        console.print(_trace_table(first["trace"]))
    if first and first["verdicts"]:
        console.print(_verdict_table(first["verdicts"]))
    for attempt in data["attempts"]:
        for note in attempt["notes"]:
            err_console.print(f"iteration {attempt['iteration']}: {note}", markup=False,
                              style="dim")
    status = "all tests pass" if data["solved"] else "tests still failing"
    console.print(f"{status}: {data['passed']}/{data['total']} visible tests, "
                  f"{data['calls']} model calls ({data['stop_reason']})", markup=False,
                  style="bold green" if data["solved"] else "bold red")
    if data["diff"]:
        console.print("Proposed fix:", style="bold")
        console.print(data["diff"], markup=False, highlight=False)
    else:
        console.print("No change proposed.", markup=False)
