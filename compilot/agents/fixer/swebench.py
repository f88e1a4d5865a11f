"""SWE-bench format: an instances file in, ``preds.jsonl`` out, resumable.

An instance (a JSON list or JSONL line) holds ``instance_id``, ``repo`` (a local path; relative
paths are read from the instances file's folder), ``base_commit`` and ``problem_statement``;
an optional ``test_command`` overrides the default. Each finished instance appends one line
``{"instance_id", "model_name_or_path", "model_patch"}`` (plus compilot's own ``status`` and
cost fields) and flushes it, so a re-run skips what is already in ``preds.jsonl``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from compilot.errors import (
    ComPilotError,
    ConfigError,
    ModelError,
    SandboxError,
    ServerError,
)

REQUIRED = ("instance_id", "repo", "base_commit", "problem_statement")


@dataclass(frozen=True)
class Instance:
    """One task of an instances file."""

    instance_id: str
    repo: Path
    base_commit: str
    problem_statement: str
    test_command: str | None = None


def load_instances(path: Path) -> list[Instance]:
    """Instances from a JSON list or a JSONL file; a bad record is a :class:`ConfigError`."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read the instances file {path}: {exc}") from exc
    try:
        stripped = text.lstrip()
        records = json.loads(text) if stripped.startswith("[") else [
            json.loads(line) for line in text.splitlines() if line.strip()]
    except ValueError as exc:
        raise ConfigError(f"{path} is neither a JSON list nor JSON lines: {exc}") from exc
    out = []
    for number, rec in enumerate(records, start=1):
        missing = [k for k in REQUIRED if not isinstance(rec, dict) or k not in rec]
        if missing:
            raise ConfigError(f"{path}: instance #{number} lacks {', '.join(missing)}",
                              hint=f"each instance needs {', '.join(REQUIRED)}")
        repo = Path(rec["repo"]).expanduser()
        out.append(Instance(str(rec["instance_id"]),
                            repo if repo.is_absolute() else path.parent / repo,
                            str(rec["base_commit"]), str(rec["problem_statement"]),
                            rec.get("test_command")))
    return out


def finished_ids(preds: Path) -> set[str]:
    """Instance ids already in ``preds`` (a half-written last line is ignored)."""
    done: set[str] = set()
    if not Path(preds).exists():
        return done
    for line in Path(preds).read_text(encoding="utf-8").splitlines():
        try:
            done.add(json.loads(line)["instance_id"])
        except (ValueError, KeyError, TypeError):
            continue
    return done


def pending(instances: list[Instance], preds: Path) -> Iterator[Instance]:
    done = finished_ids(preds)
    return (i for i in instances if i.instance_id not in done)


def append_pred(preds: Path, record: dict[str, Any]) -> None:
    preds.parent.mkdir(parents=True, exist_ok=True)
    text = preds.read_text(encoding="utf-8") if preds.exists() else ""
    prefix = "\n" if text and not text.endswith("\n") else ""  # a line cut by a kill
    with preds.open("a", encoding="utf-8") as handle:
        handle.write(prefix + json.dumps(record) + "\n")
        handle.flush()


def run_instances(instances: Path, preds: Path, *, model_name: str,
                  solve: Callable[[Instance], Any],
                  on_done: Callable[[Instance, dict[str, Any]], None] | None = None,
                  ) -> list[dict[str, Any]]:
    """Solve every unfinished instance with ``solve`` (returns a FixResult) and append its
    prediction. A user error on one instance (bad repo, unknown commit) is recorded as an
    empty patch with the error, and the run goes on; a model, server or sandbox failure
    stops the run with nothing recorded for that instance, so resuming retries it."""
    written = []
    for inst in pending(load_instances(instances), Path(preds)):
        record: dict[str, Any] = {"instance_id": inst.instance_id,
                                  "model_name_or_path": model_name}
        try:
            result = solve(inst)
        except (ModelError, ServerError, SandboxError):
            # The model server or Docker failed, not this instance: stop without a line, so
            # that a resumed run tries the instance again.
            raise
        except ComPilotError as exc:
            record.update(model_patch="", status="error", error=str(exc))
        else:
            record.update(model_patch=result.patch, status=result.status,
                          validated=result.ok, model_calls=result.model_calls,
                          tokens=result.tokens, duration_s=round(result.duration_s, 2),
                          run_dir=str(result.run_dir))
        append_pred(Path(preds), record)
        written.append(record)
        if on_done is not None:
            on_done(inst, record)
    return written
