"""Executor settings: concurrency limits, timeouts, retries and the failure policy."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

FailurePolicy = Literal["fail", "skip", "to_joiner"]


class ExecutorConfig(BaseModel):
    """How the task fetching unit runs a plan."""

    model_config = ConfigDict(frozen=True)

    max_concurrency: int = Field(default=64, ge=1)
    """At most this many tasks run at once."""
    per_tool_concurrency: dict[str, int] = Field(default_factory=dict)
    """Per-tool caps by name (a tool's own ``max_concurrency`` applies when absent here)."""
    task_timeout_s: float | None = Field(default=60.0, gt=0)
    """Timeout of one attempt of one task (a tool's ``timeout_s`` overrides it)."""
    retries: int = Field(default=0, ge=0)
    """Extra attempts after a tool raises or times out (bad arguments are never retried)."""
    backoff_s: float = Field(default=0.2, ge=0)
    """Wait before retry k is ``backoff_s * 2**(k-1)``, capped at ``max_backoff_s``."""
    max_backoff_s: float = Field(default=5.0, ge=0)
    failure_policy: FailurePolicy = "skip"
    """``fail``: a failed task fails the run; ``skip``: its dependents are skipped and the rest
    goes on; ``to_joiner``: stop, cancel what is outstanding and hand the error to the joiner."""
    max_fanout: int = Field(default=64, ge=1)
    """At most this many calls when a list result is mapped over one argument
    (:mod:`compilot.executor.fanout`)."""
    deadline_s: float | None = Field(default=None, gt=0)
    """Wall-clock limit of one ``execute()``; outstanding tasks are cancelled past it."""
