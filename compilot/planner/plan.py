"""The plan data model: a :class:`Task` is one tool call, a :class:`Plan` a DAG of them.

Arguments are plain JSON values. A string that is exactly ``$N``, ``${N}`` or ``$N.field``
is a *whole-value reference*: the task receives task N's Python result (or its field). A
reference inside a longer string is interpolated as text. Dependencies are derived from the
references, so a Task is fully JSON-serialisable (checkpoints store it as is).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

REF_PATTERN = r"\$(?:\{(\d+)\}|(\d+))((?:\.[A-Za-z_][A-Za-z0-9_]*|\[\d+\])*)"
REF_RE = re.compile(REF_PATTERN)
# The pattern of a reference in constrained JSON plans. llama.cpp turns patterns into a grammar
# and its converter rejects backslash escapes such as `\$` (the server process then dies), so
# only character classes are used, and only the `$N` / `$N.field` forms are offered there.
WHOLE_REF_JSON_PATTERN = r"^[$][0-9]+([.][A-Za-z_][A-Za-z0-9_]*)?$"


class Ref(BaseModel):
    """A parsed reference: task ``id`` and the attribute/key/index ``path`` into its result."""

    model_config = ConfigDict(frozen=True)

    id: int
    path: tuple[str | int, ...] = ()


def _ref_of(match: re.Match[str]) -> Ref:
    task_id = int(match.group(1) or match.group(2))
    path: list[str | int] = []
    for part in re.findall(r"\.([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]", match.group(3)):
        path.append(part[0] if part[0] else int(part[1]))
    return Ref(id=task_id, path=tuple(path))


def whole_ref(value: Any) -> Ref | None:
    """The reference if ``value`` is a string that is exactly one reference."""
    if isinstance(value, str):
        match = REF_RE.fullmatch(value.strip())
        if match:
            return _ref_of(match)
    return None


def iter_refs(value: Any) -> Iterator[Ref]:
    """Every reference anywhere inside an argument value (walks lists and dicts)."""
    if isinstance(value, str):
        for match in REF_RE.finditer(value):
            yield _ref_of(match)
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from iter_refs(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from iter_refs(item)


class Task(BaseModel):
    """One tool call of a plan."""

    model_config = ConfigDict(frozen=True)

    id: int
    tool: str
    args: dict[str, Any] = Field(default_factory=dict)
    deps: tuple[int, ...] = ()
    """Ids of the tasks whose results this one needs (derived from the references)."""
    thought: str | None = None

    @classmethod
    def make(cls, id: int, tool: str, args: dict[str, Any] | None = None,
             thought: str | None = None) -> Task:
        args = dict(args or {})
        deps = tuple(sorted({r.id for r in iter_refs(args)}))
        return cls(id=id, tool=tool, args=args, deps=deps, thought=thought)

    def render(self, shown: Mapping[str, str] | None = None) -> str:
        """The task as a plan line: ``3. tool(a="x", b=$1)``; ``shown`` replaces the text of
        some arguments."""
        parts = [f"{k}={(shown or {}).get(k) or _render_value(v)}" for k, v in self.args.items()]
        return f"{self.id}. {self.tool}({', '.join(parts)})"


def _render_value(value: Any) -> str:
    if whole_ref(value) is not None:
        return str(value).strip()
    return json.dumps(value, ensure_ascii=False)


class Plan(BaseModel):
    """A whole plan: its tasks in order, whether it ended with ``join()``, and every line
    the parser could not read (never dropped silently)."""

    model_config = ConfigDict(frozen=True)

    tasks: tuple[Task, ...] = ()
    has_join: bool = False
    issues: tuple[str, ...] = ()
    thoughts: tuple[str, ...] = ()
    text: str = ""
    """The model's raw plan text (kept for traces and repair prompts)."""

    def render(self) -> str:
        lines = [t.render() for t in self.tasks]
        if self.has_join:
            lines.append(f"{max((t.id for t in self.tasks), default=0) + 1}. join()")
        return "\n".join(lines)


def call_key(task: Task, key_of: Mapping[int, str]) -> str:
    """A structural identity of a call: tool and arguments, with each reference replaced by
    the key of the task it points at. Two tasks with equal keys compute the same thing, so a
    finished one is never run again (repairs, replans and resumes reuse it)."""
    def canon(value: Any) -> Any:
        if isinstance(value, str):
            return REF_RE.sub(lambda m: "@{" + key_of.get(_ref_of(m).id, m.group(0))
                              + m.group(3) + "}", value)
        if isinstance(value, Mapping):
            return {k: canon(v) for k, v in sorted(value.items())}
        if isinstance(value, list | tuple):
            return [canon(v) for v in value]
        return value
    return json.dumps([task.tool, canon(task.args)], sort_keys=True, ensure_ascii=False,
                      default=str)


def rename_refs(value: Any, mapping: Mapping[int, int]) -> Any:
    """``value`` with every reference ``$a`` rewritten to ``$mapping[a]`` (others kept)."""
    if isinstance(value, str):
        def sub(m: re.Match[str]) -> str:
            ref = _ref_of(m)
            return f"${mapping.get(ref.id, ref.id)}{m.group(3)}"
        return REF_RE.sub(sub, value)
    if isinstance(value, Mapping):
        return {k: rename_refs(v, mapping) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [rename_refs(v, mapping) for v in value]
    return value
