"""Per-thread persistence of tasks and results *as they finish*.

LangGraph checkpoints at node boundaries; a plan's tasks finish in the middle of a node. This
store writes each admitted task and each result the moment it exists (autocommit SQLite, the
same file as the checkpointer), so a run killed mid-node resumes without re-running finished
tasks. Results must be JSON-serialisable to come back with full fidelity (others come back as
``{"__repr__": ...}``).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

from compilot.executor.results import TaskResult
from compilot.planner.plan import Task

_SCHEMA = """
CREATE TABLE IF NOT EXISTS compilot_tasks (
  thread TEXT NOT NULL, id INTEGER NOT NULL, round INTEGER NOT NULL, task TEXT NOT NULL,
  PRIMARY KEY (thread, id));
CREATE TABLE IF NOT EXISTS compilot_results (
  thread TEXT NOT NULL, id INTEGER NOT NULL, result TEXT NOT NULL, PRIMARY KEY (thread, id));
CREATE TABLE IF NOT EXISTS compilot_rounds (
  thread TEXT NOT NULL, round INTEGER NOT NULL, PRIMARY KEY (thread, round));
"""


class TaskStore:
    """Tasks, results and finished planning rounds, keyed by thread id.
    ``path=None`` keeps everything in memory (no resume across processes)."""

    def __init__(self, path: str | Path | None) -> None:
        self._conn = sqlite3.connect(":memory:" if path is None else str(path),
                                     isolation_level=None, check_same_thread=False,
                                     timeout=30)
        self._lock = threading.Lock()
        with self._lock:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.executescript(_SCHEMA)

    def close(self) -> None:
        self._conn.close()

    def add_task(self, thread: str, round_: int, task: Task) -> None:
        with self._lock:
            self._conn.execute("INSERT OR REPLACE INTO compilot_tasks VALUES (?, ?, ?, ?)",
                               (thread, task.id, round_, task.model_dump_json()))

    def add_result(self, thread: str, task_id: int, result: TaskResult) -> None:
        if result.status == "cancelled":
            return  # not an outcome: a resumed run should try the task again
        with self._lock:
            self._conn.execute("INSERT OR REPLACE INTO compilot_results VALUES (?, ?, ?)",
                               (thread, task_id, json.dumps(result.to_json())))

    def finish_round(self, thread: str, round_: int) -> None:
        with self._lock:
            self._conn.execute("INSERT OR IGNORE INTO compilot_rounds VALUES (?, ?)",
                               (thread, round_))

    def round_planned(self, thread: str, round_: int) -> bool:
        with self._lock:
            row = self._conn.execute("SELECT 1 FROM compilot_rounds WHERE thread=? AND round=?",
                                     (thread, round_)).fetchone()
        return row is not None

    def tasks(self, thread: str, round_: int | None = None) -> list[Task]:
        query = "SELECT task FROM compilot_tasks WHERE thread=?"
        params: tuple[object, ...] = (thread,)
        if round_ is not None:
            query, params = query + " AND round=?", (thread, round_)
        with self._lock:
            rows = self._conn.execute(query + " ORDER BY id", params).fetchall()
        return [Task.model_validate_json(r[0]) for r in rows]

    def results(self, thread: str) -> dict[int, TaskResult]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT id, result FROM compilot_results WHERE thread=?", (thread,)).fetchall()
        return {int(i): TaskResult.from_json(json.loads(r)) for i, r in rows}


def store_path(db_path: str | Path | None) -> Path | None:
    """Where the task store of a checkpoint database lives."""
    return None if db_path is None else Path(f"{db_path}.tasks")
