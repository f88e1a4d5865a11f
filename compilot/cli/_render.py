"""Shared CLI rendering: consoles, JSON output and the user-error boundary."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import typer
from rich.console import Console

from compilot.errors import ComPilotError

# soft_wrap: model text, patches and log tails must never be hard-wrapped at the terminal width.
console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)

def print_json(data: Any) -> None:
    """Machine output: one JSON document on stdout, nothing else."""
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")
    sys.stdout.flush()


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn :class:`ComPilotError` into a readable message and its exit code."""
    try:
        yield
    except ComPilotError as exc:
        err_console.print(f"error: {exc.message}", markup=False, style="bold red", soft_wrap=True)
        if exc.hint:
            err_console.print(f"  fix: {exc.hint}", markup=False, soft_wrap=True)
        raise typer.Exit(exc.exit_code) from None
    except KeyboardInterrupt:
        err_console.print("interrupted", markup=False)
        raise typer.Exit(130) from None
