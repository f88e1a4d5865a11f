"""What the executor reports: per-task results and the events of a run."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

from compilot.planner.plan import Task

Status = Literal["ok", "failed", "skipped", "cancelled"]


@dataclass(frozen=True)
class TaskResult:
    """The outcome of one task. ``value`` is the tool's Python return value when ``ok``."""

    status: Status
    value: Any = None
    error: str | None = None
    started: float | None = None
    """Wall-clock start (``time.time()``) of the first attempt; ``None`` if it never ran."""
    ended: float | None = None
    attempts: int = 0

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def duration_s(self) -> float:
        if self.started is None or self.ended is None:
            return 0.0
        return self.ended - self.started

    @property
    def size(self) -> int:
        """Characters of the result as the joiner would see it."""
        return len(render_value(self.value)) if self.ok else len(self.error or "")

    def to_json(self) -> dict[str, Any]:
        """A JSON-safe form (values that are not JSON are kept as their ``repr``)."""
        try:
            value = json.loads(json.dumps(self.value))
        except (TypeError, ValueError):
            value = {"__repr__": repr(self.value)}
        return {"status": self.status, "value": value, "error": self.error,
                "started": self.started, "ended": self.ended, "attempts": self.attempts}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TaskResult:
        return cls(**data)


def render_value(value: Any) -> str:
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, ensure_ascii=False, default=repr)
    except (TypeError, ValueError):
        return repr(value)


@dataclass(frozen=True)
class TaskStarted:
    task: Task
    at: float


@dataclass(frozen=True)
class TaskFinished:
    task: Task
    result: TaskResult


@dataclass(frozen=True)
class ExecutionOutcome:
    """Everything ``execute()`` produced. ``held`` tasks wait for approval; ``blocked`` ones
    wait on held tasks; both are run by a later ``execute()`` with these results as prior."""

    results: dict[int, TaskResult]
    held: tuple[Task, ...] = ()
    blocked: tuple[Task, ...] = ()
    stopped_early: str | None = None
    """Why the run stopped before finishing everything (``to_joiner`` failure, deadline)."""
    tasks: dict[int, Task] = field(default_factory=dict)
