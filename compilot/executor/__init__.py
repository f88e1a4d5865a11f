"""Task fetching unit and async parallel executor; the LangGraph outer loop with checkpoints.
"""

from __future__ import annotations

from compilot.executor.config import ExecutorConfig, FailurePolicy
from compilot.executor.executor import Executor
from compilot.executor.results import (
    ExecutionOutcome,
    TaskFinished,
    TaskResult,
    TaskStarted,
)

__all__ = ["ExecutionOutcome", "Executor", "ExecutorConfig", "FailurePolicy", "TaskFinished",
           "TaskResult", "TaskStarted"]
