"""Locate the function to debug in a user's file and derive the task it is judged against."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

from compilot.agents.debugger.blocks import find_function
from compilot.errors import ComPilotError


class DebugTargetError(ComPilotError):
    """The ``FILE::FUNCTION`` target cannot be read or holds no such function."""

    exit_code = 2


@dataclass(frozen=True)
class Target:
    path: Path
    function: str
    source: str
    task: str
    """The function's signature and docstring (what its blocks are judged against)."""


def parse_spec(spec: str) -> tuple[Path, str]:
    path, sep, function = spec.rpartition("::")
    if not sep or not path or not function.isidentifier():
        raise DebugTargetError(f"invalid target {spec!r}",
                               hint="compilot debug path/to/file.py::function --test '...'")
    return Path(path), function


def load_target(spec: str, task: str | None = None) -> Target:
    """Read ``FILE::FUNCTION``; the task defaults to the function's signature + docstring."""
    path, function = parse_spec(spec)
    try:
        source = path.read_text(encoding="utf-8")
        node = find_function(ast.parse(source), function)
    except OSError as exc:
        raise DebugTargetError(f"cannot read {path}: {exc.strerror}") from exc
    except SyntaxError as exc:
        raise DebugTargetError(f"{path} is not valid Python: {exc.msg} (line {exc.lineno})",
                               hint="fix the syntax error first") from exc
    except ValueError as exc:
        raise DebugTargetError(f"{path}: {exc}", hint="name a function defined in the "
                               "file: FILE::FUNCTION") from exc
    return Target(path, function, source, task or _signature_and_doc(source, node))


def _signature_and_doc(source: str, node: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
    lines = source.splitlines()
    header = "\n".join(lines[node.lineno - 1: node.body[0].lineno - 1])
    doc = ast.get_docstring(node)
    if doc is None:
        return header + "\n    ...  # (no docstring: judge against the tests)"
    quoted = "\n".join("    " + line if line else "" for line in doc.splitlines())
    return f'{header}\n    """\n{quoted}\n    """'
