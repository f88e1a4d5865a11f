"""Step 5 of the fixer: several candidate patches, deduplicated, validated, ranked.

Candidate 0 is sampled at temperature 0, the others above it with distinct seeds; each edits
its own work tree. Equivalent patches (same normalised AST) are validated once. A patch is
*validated* only by test evidence from the sandbox: some test fails before and passes after
(the reproduction test or an existing one), no test that passed before fails after, and the
reproduction test, when it reproduced the issue, passes. Never on the model's word.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from compilot.agents.fixer.edit_loop import EditOutcome, edit_candidate
from compilot.agents.fixer.patch_dedup import patch_key
from compilot.agents.fixer.prepare import PreparedRepo, changed_files, git, new_tree, tree_diff
from compilot.agents.fixer.testrun import TestRun, test_tree
from compilot.llm.types import ChatModel
from compilot.memory.trajectory import BudgetExhausted
from compilot.repair.validate import LintDiagnostic
from compilot.sandboxes import SandboxConfig


@dataclass(frozen=True)
class Evidence:
    """Test runs before and after one patch, and the lint it introduced."""

    suite_before: TestRun
    suite_after: TestRun | None
    repro_before: TestRun | None = None
    repro_after: TestRun | None = None
    lint: tuple[LintDiagnostic, ...] = ()

    @property
    def fixed(self) -> tuple[str, ...]:
        """Tests that failed before and pass after."""
        out = []
        for before, after in ((self.repro_before, self.repro_after),
                              (self.suite_before, self.suite_after)):
            if before is not None and after is not None:
                out += [t for t in before.failed if t in set(after.passed)]
        return tuple(out)

    @property
    def regressions(self) -> tuple[str, ...]:
        """Tests that passed before and fail (or vanished) after, and new failures."""
        after = self.suite_after
        if after is None:
            return ()
        lost = [t for t in self.suite_before.passed if t not in set(after.passed)]
        new = [t for t in after.failed if t not in set(self.suite_before.failed)]
        return tuple(dict.fromkeys(lost + new))

    @property
    def reproduced(self) -> bool:
        return self.repro_before is not None and self.repro_before.failed_cleanly

    @property
    def validated(self) -> bool:
        if self.suite_after is None or self.suite_after.timed_out:
            return False
        repro_ok = not self.reproduced or (self.repro_after is not None and self.repro_after.ok)
        return bool(self.fixed) and not self.regressions and repro_ok


@dataclass
class Candidate:
    """One sampled patch and, once validated, its evidence."""

    index: int
    temperature: float
    tree: Path
    outcome: EditOutcome | None = None
    diff: str = ""
    key: str | None = None
    duplicate_of: int | None = None
    evidence: Evidence | None = None
    error: str | None = None
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def validated(self) -> bool:
        return self.evidence is not None and self.evidence.validated

    def rank_key(self) -> tuple:
        ev = self.evidence
        if ev is None:
            return (1, 1, 0, 0, 0, len(self.diff) or 10**9)
        return (0 if ev.validated else 1, 0 if ev.suite_after is not None else 1,
                -len(ev.fixed), len(ev.regressions), len(ev.lint), len(self.diff))


def _key(prepared: PreparedRepo, tree: Path, diff: str) -> str:
    after: dict[str, str | None] = {}
    before: dict[str, str | None] = {}
    for rel in changed_files(diff):
        path = tree / rel
        after[rel] = path.read_text(encoding="utf-8", errors="replace") if path.exists() else None
        shown = git(prepared.root, "show", f"{prepared.commit}:{rel}", check=False)
        before[rel] = shown or None
    return patch_key(after, before)


def generate(model: ChatModel, prepared: PreparedRepo, workdir: Path, context: str, *,
             count: int, constrained: bool | str, paths: tuple[str, ...], temperature: float,
             max_attempts: int, repro_hint: str = "",
             search_lines: Mapping[str, tuple[str, ...]] | None = None,
             on_step: Callable[[str], None] | None = None, first: int = 0,
             seen: dict[str, int] | None = None) -> tuple[list[Candidate], str | None]:
    """Sample up to ``count`` candidates, numbered from ``first``; stops early (with the
    reason) when the budget is spent. Duplicates point at the first equivalent candidate
    (``seen`` maps patch keys to candidate numbers across calls)."""
    out: list[Candidate] = []
    seen = {} if seen is None else seen
    for index in range(first, first + count):
        temp = 0.0 if index == 0 else temperature
        cand = Candidate(index, temp, new_tree(prepared, workdir / f"candidate-{index}"))
        if on_step is not None:
            on_step(f"candidate {index + 1}/{first + count}: asking the model for edits")
        try:
            cand.outcome = edit_candidate(model, context, cand.tree, constrained=constrained,
                                          paths=paths, temperature=temp, seed=index,
                                          max_attempts=max_attempts, repro_hint=repro_hint,
                                          search_lines=search_lines)
        except BudgetExhausted as exc:
            return out, str(exc)
        out.append(cand)
        if cand.outcome.applied:
            cand.diff = tree_diff(cand.tree)
            cand.key = _key(prepared, cand.tree, cand.diff) if cand.diff else None
            if cand.key is not None:
                cand.duplicate_of = seen.setdefault(cand.key, index)
                cand.duplicate_of = None if cand.duplicate_of == index else cand.duplicate_of
    return out, None


def validate(cands: list[Candidate], *, sandbox: SandboxConfig, test_command: str,
             repro: str | None, suite_before: TestRun, repro_before: TestRun | None,
             timeout: float, on_step: Callable[[str], None] | None = None) -> None:
    """Run the reproduction test and the suite on every distinct applied candidate."""
    for cand in cands:
        if not cand.diff or cand.duplicate_of is not None:
            continue
        if on_step is not None:
            on_step(f"candidate {cand.index + 1}: running tests in the sandbox")
        runs = test_tree(cand.tree, sandbox, test_command, repro=repro, timeout=timeout)
        lint = cand.outcome.lint if cand.outcome is not None else ()
        cand.evidence = Evidence(suite_before, runs.suite, repro_before, runs.repro, lint)


def failure_feedback(cands: list[Candidate], limit: int = 1500) -> str:
    """What the best tested candidate did and how the tests answered: the prompt addition of
    a refinement round, or "" when no candidate reached the tests."""
    tested = [c for c in cands if c.evidence is not None and c.duplicate_of is None]
    if not tested:
        return ""
    cand = min(tested, key=Candidate.rank_key)
    ev = cand.evidence
    assert ev is not None
    parts = ["\n\n# A previous attempt, already rejected (the code above is unchanged)\n"
             f"```diff\n{cand.diff[-3000:].strip()}\n```"]
    if ev.suite_after is not None and ev.suite_after.timed_out:
        parts.append("The tests timed out after this change.")
    if ev.reproduced and ev.repro_after is not None and not ev.repro_after.ok:
        parts.append("The reproduction test still fails after it:\n```\n"
                     f"{ev.repro_after.output[-limit:].strip()}\n```")
    if ev.regressions:
        after = ev.suite_after.output[-limit:].strip() if ev.suite_after else ""
        parts.append("It breaks tests that passed before: " + ", ".join(ev.regressions[:8])
                     + f"\n```\n{after}\n```")
    if not ev.fixed and not ev.reproduced:
        parts.append("No test that failed before passes after it.")
    parts.append("Write a different, correct fix of the code shown above.")
    return "\n".join(parts)


def best(cands: list[Candidate]) -> Candidate | None:
    """The best-supported distinct candidate with a non-empty patch."""
    ranked = sorted((c for c in cands if c.diff and c.duplicate_of is None),
                    key=Candidate.rank_key)
    return ranked[0] if ranked else None

