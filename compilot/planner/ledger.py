"""The ledger of every task a run has admitted, across repairs, replans and resumes.

A plan's task is *admitted* under a global id. If the same call (tool and arguments, with
references compared by what they point at - see :func:`call_key`) was already admitted, the
new task becomes an alias of the old one and is not run again: a repaired plan does not
repeat the calls of the bad attempt, a replan does not repeat finished calls, a resumed run
does not repeat what finished before the kill.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from compilot.planner.plan import Task, call_key, rename_refs


@dataclass
class Ledger:
    tasks: dict[int, Task] = field(default_factory=dict)
    keys: dict[str, int] = field(default_factory=dict)
    key_of: dict[int, str] = field(default_factory=dict)
    reusable: Callable[[int], bool] = lambda _id: True
    """Whether an admitted task may be reused (e.g. not a failed one on replan)."""
    failure: Callable[[int], str | None] = lambda _id: None
    """The error of an admitted task that ran and failed (None: it did not fail)."""

    @classmethod
    def of(cls, tasks: Iterable[Task], reusable: Callable[[int], bool] = lambda _id: True,
           failure: Callable[[int], str | None] = lambda _id: None) -> Ledger:
        ledger = cls(reusable=reusable, failure=failure)
        for task in tasks:
            ledger.tasks[task.id] = task
            ledger.key_of[task.id] = key = ledger.key(task)
            ledger.keys.setdefault(key, task.id)
        return ledger

    def key(self, task: Task) -> str:
        return call_key(task, self.key_of)

    def admit(self, task: Task, id_map: dict[int, int]) -> tuple[Task, bool]:
        """Map ``task`` into the global id space. Returns the global task and whether it is
        new (``False``: an alias of an admitted call, not to be run again)."""
        renamed = Task.make(task.id, task.tool, rename_refs(task.args, id_map), task.thought)
        key = self.key(renamed)
        existing = self.keys.get(key)
        if existing is not None and self.reusable(existing):
            id_map[task.id] = existing
            return self.tasks[existing], False
        new_id = task.id if task.id not in self.tasks else max(self.tasks) + 1
        id_map[task.id] = new_id
        final = Task.make(new_id, renamed.tool, renamed.args, renamed.thought)
        self.tasks[new_id] = final
        self.keys[key] = new_id
        self.key_of[new_id] = key
        return final, True

    def failed_before(self, task: Task, id_map: dict[int, int]) -> str | None:
        """The error of an earlier run of the same call, if it failed: run again unchanged,
        it would fail again, so a plan that repeats it is sent back for repair."""
        key = self.key(Task.make(task.id, task.tool, rename_refs(task.args, id_map)))
        existing = self.keys.get(key)
        return self.failure(existing) if existing is not None else None

    def next_id(self) -> int:
        return max(self.tasks, default=0) + 1
