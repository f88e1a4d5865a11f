"""SDK entry of the issue fixer: ``fix(repo, issue) -> FixResult``.

The pipeline (compilot/agents/fixer/): prepare a private clone -> look-ups in parallel through
the executor (localise, read files, baseline tests) -> reproduction test -> candidate edits ->
sandbox validation -> ranked result with its evidence. The user's repository is only written
by ``apply=True`` / ``commit=True``, and only when a patch was validated.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from compilot.agents.fixer import candidates as cand_mod
from compilot.agents.fixer.excerpts import import_hint, lines_by_path, select_excerpts
from compilot.agents.fixer.grammars import editable_paths
from compilot.agents.fixer.lookups import Lookups, run_lookups
from compilot.agents.fixer.prepare import apply_to_user, new_tree, prepare
from compilot.agents.fixer.prompts import Form, as_form, context_message
from compilot.agents.fixer.report import FixResult, FixStatus, candidate_json, write_artifacts
from compilot.agents.fixer.reproduce import Reproduction, reproduce
from compilot.config import Settings, load_settings
from compilot.memory.trajectory import Budget, BudgetExhausted, RecordingModel, TrajectoryRecorder

if TYPE_CHECKING:
    from compilot.llm.types import ChatModel

__all__ = ["FixLimits", "FixResult", "afix", "fix", "fix_instances"]

Progress = Callable[[str], None]
MAX_EDITABLE = 30
"""Editable files offered when localisation showed no source excerpt."""
SEARCH_FROM_SHOWN_LINES = True
"""Grammar form: each SEARCH line must be one of the lines shown for its file."""


@dataclass(frozen=True)
class FixLimits:
    """Bounds of one run."""

    max_steps: int = 12
    """Model calls in all (reproduction, edits, feedback retries)."""
    wall_time_s: float = 1800.0
    """No new model call starts after this long."""
    token_budget: int | None = 200_000
    test_timeout_s: float = 120.0
    """Timeout of one test command in the sandbox."""
    edit_attempts: int = 3
    repro_attempts: int = 2
    refine_rounds: int = 2
    """Rounds after validation when no candidate validated: one more candidate each, its
    prompt showing the best rejected patch and the test failures it left."""


def _default_run_dir(settings: Settings) -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    return Path(settings.home) / "runs" / f"fix-{stamp}"


def _form(model: ChatModel, settings: Settings, forced: bool | str | None) -> Form:
    """The output form: the one asked for, else what the probe says the server enforces
    (cached per endpoint): a GBNF grammar first, then a JSON schema, else free text.
    ``True`` asks for the best constrained form (JSON for models without an endpoint)."""
    if forced is not None and forced is not True:
        return as_form(forced)
    endpoint = getattr(model, "endpoint", None)
    if endpoint is None:
        return "none" if forced is None else "json"
    from compilot.llm.probe import probe

    caps = probe(model, endpoint, Path(settings.home))
    if caps.grammar:
        return "grammar"
    return "json" if caps.json_schema or forced else "none"


def fix(repo: Path | str, issue: str, *, model: ChatModel | None = None,
        settings: Settings | None = None, candidates: int = 2,
        limits: FixLimits | None = None, constrained: bool | Form | None = None,
        base_commit: str | None = None, test_command: str | None = None,
        run_dir: Path | None = None, apply: bool = False, commit: bool = False,
        temperature: float = 0.7, progress: Progress | None = None) -> FixResult:
    """Fix ``issue`` in the git repository ``repo``; see the module docstring.

    ``constrained`` forces an output form (``"grammar"``, ``"json"``, ``"none"``; ``True`` the
    best one the server enforces, ``False`` free text); by default the capability probe
    decides for served models and scripted models get free text."""
    settings = settings or load_settings()
    limits = limits or FixLimits()
    run_dir = Path(run_dir) if run_dir else _default_run_dir(settings)
    say = progress or (lambda _msg: None)
    recorder = TrajectoryRecorder(run_dir / "trajectory.jsonl")
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="compilot-fix-") as tmp:
        work = Path(tmp)
        with recorder.tool("prepare", {"repo": str(repo), "commit": base_commit}):
            prepared = prepare(Path(repo), work, commit=base_commit, test_command=test_command)
        if model is None:
            from compilot.workflows.models import open_model

            model = open_model(settings, progress=progress is not None)
        form = _form(model, settings, constrained)
        budget = Budget(limits.max_steps, limits.token_budget, start + limits.wall_time_s)
        chat = RecordingModel(model, recorder, budget)
        run = _Run(prepared, work, chat, recorder, settings, limits, form, say)
        result = run.execute(issue, candidates, temperature, run_dir, start)
        write_artifacts(result)
        if result.ok and (apply or commit):
            result = run.deliver(result, apply=apply, commit=commit, issue=issue)
            write_artifacts(result)
    return result


async def afix(repo: Path | str, issue: str, **kwargs: object) -> FixResult:
    """:func:`fix` in a worker thread, for async callers."""
    return await asyncio.to_thread(fix, repo, issue, **kwargs)  # type: ignore[arg-type]


def fix_instances(instances: Path | str, preds: Path | str, *, model: ChatModel | None = None,
                  settings: Settings | None = None, runs_dir: Path | None = None,
                  progress: Progress | None = None, **kwargs: object) -> list[dict]:
    """SWE-bench format: solve each unfinished instance of ``instances`` and append its
    prediction to ``preds`` (resumable). ``kwargs`` go to :func:`fix`."""
    from compilot.agents.fixer.swebench import run_instances

    settings = settings or load_settings()
    if model is None:
        from compilot.workflows.models import open_model

        model = open_model(settings, progress=progress is not None)
    base = Path(runs_dir) if runs_dir else _default_run_dir(settings)

    def solve(inst):  # type: ignore[no-untyped-def]
        if progress is not None:
            progress(f"instance {inst.instance_id}")
        return fix(inst.repo, inst.problem_statement, model=model, settings=settings,
                   base_commit=inst.base_commit, test_command=inst.test_command,
                   run_dir=base / inst.instance_id, progress=progress,
                   **kwargs)  # type: ignore[arg-type]

    return run_instances(Path(instances), Path(preds), model_name=model.name, solve=solve)


class _Run:
    """The steps of one run, sharing its clone, model and trajectory."""

    def __init__(self, prepared, work, chat, recorder, settings, limits, form,
                 say) -> None:  # type: ignore[no-untyped-def]
        self.prepared, self.work, self.chat = prepared, work, chat
        self.recorder, self.limits, self.say = recorder, limits, say
        self.sandbox = settings.sandbox
        self.form: Form = form
        self.notes: list[str] = []
        if prepared.dirty:
            self.notes.append("uncommitted changes in your tree were not part of the copy: "
                              + ", ".join(prepared.dirty[:10]))

    def execute(self, issue: str, count: int, temperature: float, run_dir: Path,
                start: float) -> FixResult:
        base = new_tree(self.prepared, self.work / "base")
        self.say("localising and running the existing tests (in parallel)")
        look = run_lookups(base, issue, sandbox=self.sandbox,
                           test_command=self.prepared.test_command,
                           timeout=self.limits.test_timeout_s,
                           on_event=lambda name, data: self.recorder.event(
                               "tool_call", name=name, **data))
        context, editable, search_lines = self._prompt(issue, look)
        repro, stopped = self._reproduce(context, base, import_hint(look.files))
        hint = "" if not repro.code else (
            "\n\n# Reproduction test (fails on the current code)\n```python\n"
            f"{repro.code.strip()}\n```" if repro.reproduced else "")
        cands: list[cand_mod.Candidate] = []
        seen: dict[str, int] = {}  # patch key -> first candidate with it, across rounds

        def sample(step: str, n: int, prompt_hint: str) -> tuple[list, str | None]:
            self.chat.step = step
            return cand_mod.generate(
                self.chat, self.prepared, self.work, context, count=n,
                constrained=self.form, paths=editable, temperature=temperature,
                max_attempts=self.limits.edit_attempts, repro_hint=prompt_hint,
                search_lines=search_lines, on_step=self.say, first=len(cands), seen=seen)

        if stopped is None:
            cands, stopped = sample("edit", count, hint)
        self._validate(cands, look, repro)
        for round_no in range(1, self.limits.refine_rounds + 1):
            if stopped is not None or any(c.validated for c in cands):
                break
            feedback = cand_mod.failure_feedback(cands)
            self.say(f"refinement {round_no}: "
                     + ("showing the model its rejected patch and the test failures"
                        if feedback else "sampling another candidate"))
            more, stopped = sample("refine", 1, hint + feedback)
            self._validate(more, look, repro)
            cands += more
        chosen = cand_mod.best(cands)
        status: FixStatus = ("no_patch" if chosen is None else "fixed" if chosen.validated
                             else "unvalidated")
        evidence = chosen.evidence if chosen is not None else None
        if evidence is None:
            evidence = cand_mod.Evidence(look.baseline, None, repro.before, None)
        return FixResult(
            status=status, patch=chosen.diff if chosen else "", evidence=evidence,
            run_dir=run_dir, trajectory_path=self.recorder.path, reproduced=repro.reproduced,
            repro_test=repro.code, stopped=stopped,
            candidates=tuple(candidate_json(c) for c in cands), model=self.chat.name,
            model_calls=self.recorder.model_calls, tokens=self.recorder.total_tokens,
            duration_s=time.monotonic() - start, notes=tuple(self.notes))

    def _validate(self, cands: list[cand_mod.Candidate], look: Lookups,
                  repro: Reproduction) -> None:
        with self.recorder.tool("validate", {"candidates": len(cands)}):
            cand_mod.validate(cands, sandbox=self.sandbox,
                              test_command=self.prepared.test_command,
                              repro=repro.code if repro.reproduced else None,
                              suite_before=look.baseline,
                              repro_before=repro.before if repro.reproduced else None,
                              timeout=self.limits.test_timeout_s, on_step=self.say)

    def _prompt(self, issue: str, look: Lookups,
                ) -> tuple[str, tuple[str, ...], dict[str, tuple[str, ...]] | None]:
        """The shared context, the editable files, and (grammar form) what SEARCH may copy."""
        shown = select_excerpts(look.localization, look.files)
        editable = (editable_paths(ex.path for ex in shown)
                    or editable_paths(look.repo_files)[:MAX_EDITABLE])
        context = context_message(issue, shown)
        self.recorder.event("prompt_context", form=self.form, chars=len(context),
                            excerpts=[f"{ex.path}:{ex.start_line}-{ex.end_line}"
                                      for ex in shown], editable=list(editable))
        search_lines = lines_by_path(shown) if SEARCH_FROM_SHOWN_LINES else None
        return context, editable, search_lines

    def _reproduce(self, context: str, base: Path,
                   imports: str) -> tuple[Reproduction, str | None]:
        self.say("asking the model for a reproduction test")
        self.chat.step = "reproduce"
        try:
            with self.recorder.tool("reproduce", {"attempts": self.limits.repro_attempts}) as i:
                repro = reproduce(self.chat, context, base, sandbox=self.sandbox,
                                  test_command=self.prepared.test_command,
                                  timeout=self.limits.test_timeout_s,
                                  constrained=self.form, imports=imports,
                                  attempts=self.limits.repro_attempts)
                i["result"] = {"reproduced": repro.reproduced, "attempts": repro.attempts}
        except BudgetExhausted as exc:
            return Reproduction(None, None, 0), str(exc)
        if not repro.reproduced:
            self.notes.append("the reproduction test did not fail on the unchanged code; "
                              "it is not used as evidence")
        return repro, None

    def deliver(self, result: FixResult, *, apply: bool, commit: bool, issue: str) -> FixResult:
        title = issue.strip().splitlines()[0][:60] if issue.strip() else "issue"
        with self.recorder.tool("deliver", {"apply": apply, "commit": commit}):
            branch = apply_to_user(self.prepared, result.patch, apply=apply, commit=commit,
                                   message=f"compilot fix: {title}")
        return replace(result, applied=apply, branch=branch)

