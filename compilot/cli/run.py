"""`compilot run "..." --tools package.module:name`: plan, run the DAG in parallel, answer.

Thin: parses, calls :func:`compilot.workflows.run.astream`, renders a live Rich table of the
tasks while they run (or one JSON document with ``--json``).
"""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Annotated, Any

import typer
from rich.live import Live
from rich.table import Table
from rich.text import Text

from compilot.cli._render import console, print_json, user_errors
from compilot.cli.options import JsonOpt, ModelNameOpt, ModelOpt, model_overrides


def run(
    request: Annotated[str, typer.Argument(help="What to answer with tool calls.")],
    tools: Annotated[list[str], typer.Option(
        "--tools", help="Tools as package.module:name (repeatable).")],
    model: ModelOpt = None,
    model_name: ModelNameOpt = None,
    constrained: Annotated[str, typer.Option(
        help="Plan output form: auto (what the server enforces), json (JSON schema), "
             "grammar (GBNF) or none (free text).")
    ] = "auto",
    max_replans: Annotated[int, typer.Option(help="How many times the joiner may replan.")] = 2,
    thread_id: Annotated[str | None, typer.Option(help="Resume or name this run.")] = None,
    db: Annotated[str | None, typer.Option(help="SQLite checkpoint file.")] = None,
    json: JsonOpt = False,
) -> None:
    """Answer REQUEST with a compiler-style plan whose independent calls run in parallel."""
    from compilot.config import load_settings
    from compilot.errors import ConfigError
    from compilot.llm.types import ChatModel
    from compilot.tools.registry import load_tools
    from compilot.workflows.models import open_model
    from compilot.workflows.run import resolve_constrained

    with user_errors():
        if constrained not in ("auto", "none", "json", "grammar"):
            raise ConfigError(f"--constrained must be auto, none, json or grammar, not "
                              f"{constrained!r}")
        registry = [t for spec in tools for t in load_tools(spec)]
        settings = load_settings(**model_overrides(model, model_name))
        chat: ChatModel = open_model(settings, progress=not json)
        form, chat = resolve_constrained(chat, constrained,  # type: ignore[arg-type]
                                         settings.home)
        kwargs: dict[str, Any] = {"tools": registry, "model": chat, "constrained": form,
                                  "max_replans": max_replans, "thread_id": thread_id,
                                  "db_path": db}
        result = asyncio.run(_drive(request, kwargs, live=not json))
    if json:
        print_json({**dataclasses.asdict(result), "constrained": form})
        return
    if result.status == "interrupted":
        console.print("waiting for approval:", markup=False, style="yellow")
        for item in result.pending_approvals:
            console.print(f"  {item}", markup=False)
        return
    console.print(result.answer if result.answer is not None else f"(no answer: "
                  f"{result.note})", markup=False)
    tr = result.trace
    console.print(f"{len(tr.tasks)} tasks, {len(tr.model_calls)} model calls, "
                  f"{tr.total_tokens} tokens, {tr.wall_s:.2f}s", markup=False, style="dim")


async def _drive(request: str, kwargs: dict[str, Any], *, live: bool) -> Any:
    from compilot.executor.results import TaskFinished, TaskStarted
    from compilot.workflows.run import RunResult, astream

    rows: dict[int, list[str]] = {}
    result: RunResult | None = None
    with Live(_table(rows), console=console, auto_refresh=False,
              transient=False) if live else _Null() as view:
        async for event in astream(request, **kwargs):
            if isinstance(event, TaskStarted):
                rows[event.task.id] = [event.task.render(), "running", "", ""]
            elif isinstance(event, TaskFinished):
                r = event.result
                shown = str(r.value if r.ok else r.error)[:60]
                rows[event.task.id] = [event.task.render(), r.status,
                                       f"{r.duration_s:.2f}s", shown]
            elif isinstance(event, RunResult):
                result = event
            if live:
                view.update(_table(rows), refresh=True)
    if result is None:
        raise RuntimeError("the run ended without a result")
    return result


def _table(rows: dict[int, list[str]]) -> Table:
    table = Table("task", "status", "time", "result")
    for tid in sorted(rows):
        table.add_row(*(Text(cell) for cell in rows[tid]))  # never markup
    return table


class _Null:
    def __enter__(self) -> _Null:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def update(self, *args: object, **kwargs: object) -> None:
        return None
