"""Step 6 of the fixer: the result, its files (patch, evidence, trajectory) and diagnostics.

A run directory holds ``patch.diff`` (``git apply``-able; empty when there is none),
``evidence.json`` (every candidate with its test runs), ``repro_test.py`` and
``trajectory.jsonl``. :func:`diagnostics` renders editor / CI lines
(``path:line:col: severity: message`` or GitHub workflow commands).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from compilot.agents.fixer.candidates import Candidate, Evidence

FixStatus = Literal["fixed", "unvalidated", "no_patch"]
_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@")


@dataclass(frozen=True)
class FixResult:
    """The outcome of one fix run. ``status == "fixed"`` only with test evidence."""

    status: FixStatus
    patch: str
    evidence: Evidence | None
    run_dir: Path
    trajectory_path: Path
    reproduced: bool = False
    repro_test: str | None = None
    stopped: str | None = None
    """Why the run stopped early (budget, wall time), if it did."""
    candidates: tuple[dict[str, Any], ...] = ()
    model: str = ""
    model_calls: int = 0
    tokens: int = 0
    duration_s: float = 0.0
    notes: tuple[str, ...] = ()
    branch: str | None = None
    applied: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == "fixed"

    @property
    def patch_path(self) -> Path:
        return self.run_dir / "patch.diff"

    def to_json(self) -> dict[str, Any]:
        ev = self.evidence
        return {
            "status": self.status, "ok": self.ok, "patch": self.patch,
            "patch_path": str(self.patch_path), "run_dir": str(self.run_dir),
            "trajectory_path": str(self.trajectory_path), "reproduced": self.reproduced,
            "stopped": self.stopped, "model": self.model, "model_calls": self.model_calls,
            "tokens": self.tokens, "duration_s": round(self.duration_s, 2),
            "evidence": evidence_json(ev) if ev is not None else None,
            "candidates": list(self.candidates), "notes": list(self.notes),
            "applied": self.applied, "branch": self.branch}


def evidence_json(ev: Evidence) -> dict[str, Any]:
    def run(r: Any) -> Any:
        return r.to_json() if r is not None else None
    return {"validated": ev.validated, "reproduced": ev.reproduced, "fixed": list(ev.fixed),
            "regressions": list(ev.regressions), "repro_before": run(ev.repro_before),
            "repro_after": run(ev.repro_after), "suite_before": run(ev.suite_before),
            "suite_after": run(ev.suite_after), "lint": [d.render() for d in ev.lint]}


def candidate_json(c: Candidate) -> dict[str, Any]:
    out = c.outcome
    return {"index": c.index, "temperature": c.temperature,
            "applied": bool(out and out.applied), "attempts": out.attempts if out else 0,
            "feedback": list(out.feedback) if out else [], "empty": not c.diff,
            "duplicate_of": c.duplicate_of, "validated": c.validated, "error": c.error,
            "evidence": evidence_json(c.evidence) if c.evidence else None, "patch": c.diff}


def write_artifacts(result: FixResult) -> None:
    result.run_dir.mkdir(parents=True, exist_ok=True)
    result.patch_path.write_text(result.patch, encoding="utf-8")
    if result.repro_test:
        (result.run_dir / "repro_test.py").write_text(result.repro_test, encoding="utf-8")
    (result.run_dir / "evidence.json").write_text(
        json.dumps(result.to_json(), indent=2, default=str), encoding="utf-8")


def evidence_rows(ev: Evidence | None) -> list[tuple[str, str, str]]:
    """(check, before, after) rows of the evidence table."""
    if ev is None:
        return []
    def count(r: Any) -> str:
        if r is None:
            return "not run"
        state = "timed out" if r.timed_out else f"exit {r.exit_code}"
        return f"{len(r.passed)} passed, {len(r.failed)} failed ({state})"
    rows = [("reproduction test", count(ev.repro_before), count(ev.repro_after)),
            ("existing tests", count(ev.suite_before), count(ev.suite_after)),
            ("fixed (fail -> pass)", "", ", ".join(ev.fixed) or "none"),
            ("regressions (pass -> fail)", "", ", ".join(ev.regressions) or "none"),
            ("lint introduced", "", "; ".join(d.render() for d in ev.lint) or "none")]
    return rows


def hunk_lines(patch: str) -> list[tuple[str, int]]:
    """(path, first new line) of every hunk."""
    out, path = [], None
    for line in patch.splitlines():
        if line.startswith("+++ "):
            path = line[6:] if line.startswith("+++ b/") else None
        match = _HUNK.match(line)
        if match and path:
            out.append((path, max(int(match.group(1)), 1)))
    return out


def diagnostics(result: FixResult, fmt: Literal["vscode", "github"]) -> list[str]:
    """One line per changed hunk and per introduced lint problem."""
    severity = "info" if result.ok else "warning"
    what = ("compilot: validated fix (tests fail before, pass after)" if result.ok
            else "compilot: proposed change NOT validated by tests")
    items = [(p, n, 1, severity, what) for p, n in hunk_lines(result.patch)]
    if result.evidence is not None:
        items += [(d.path, d.line, d.column, "warning", f"{d.code} {d.message}")
                  for d in result.evidence.lint]
    if fmt == "github":
        level = {"info": "notice", "warning": "warning", "error": "error"}
        return [f"::{level[s]} file={p},line={n},col={c}::{m}" for p, n, c, s, m in items]
    return [f"{p}:{n}:{c}: {s}: {m}" for p, n, c, s, m in items]
