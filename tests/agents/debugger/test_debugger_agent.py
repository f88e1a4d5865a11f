"""The LDB loop and its baselines with scripted models against a real (local) sandbox."""

from __future__ import annotations

import pytest

from compilot.agents.debugger import DebuggerConfig, TraceConfig, debug_program, run_method
from compilot.llm.types import GenerationOptions, Message
from compilot.sandboxes.base import Sandbox
from compilot.testing.models import FunctionModel, ScriptedModel

TASK = ('def running_max(xs):\n    """Return the list of running maxima of xs.\n'
        '    >>> running_max([1, 3, 2])\n    [1, 3, 3]\n    """\n')
BUGGY = ("def running_max(xs):\n    out = []\n    best = 0\n    for x in xs:\n"
         "        if x < best:\n            best = x\n        out.append(best)\n    return out\n")
FIXED = BUGGY.replace("x < best", "x > best")
HALF = BUGGY.replace("best = 0", "best = 1").replace("x < best", "x > best")
TESTS = ["assert running_max([1, 3, 2]) == [1, 3, 3]", "assert running_max([0, -1]) == [0, 0]"]
CONFIG = DebuggerConfig(max_calls=6, trace=TraceConfig(test_timeout_s=2.0))


def answer(code: str | None, *pairs: tuple[int, bool]) -> str:
    """An LDB answer: a verdict line per pair, then the program (if any)."""
    lines = [f"Block {b}: {'correct' if ok else 'wrong'} - because" for b, ok in pairs]
    if code is not None:
        lines.append(f"```python\n{code}```")
    return "\n".join(lines)


def fenced(code: str) -> str:
    return f"Here is the fix:\n```python\n{code}```\n"


def run(model: object, sandbox: Sandbox, program: str = BUGGY, **cfg: object):
    config = CONFIG.model_copy(update=cfg) if cfg else CONFIG
    return debug_program(model, sandbox, task=TASK, program=program,  # type: ignore[arg-type]
                         function="running_max", tests=TESTS, config=config)


def test_ldb_judges_blocks_and_fixes_in_one_answer(sandbox: Sandbox) -> None:
    model = ScriptedModel([answer(FIXED, (0, True), (2, False))])
    result = run(model, sandbox)
    assert result.solved and result.stop_reason == "solved" and result.calls == 1
    assert result.program.strip() == FIXED.strip()
    (request,) = model.requests
    assert request.options.grammar is None  # not constrained unless the server allows it
    prompt = request.messages[-1].content
    assert "returned [0, 0, 0], expected [1, 3, 3]" in prompt
    assert "[block 2]" in prompt and "changed:" in prompt and "best=0" in prompt
    assert "Block 0: correct or wrong" in prompt
    attempt = result.attempts[0]
    assert [(v.block, v.correct) for v in attempt.verdicts] == [(0, True), (2, False)]
    assert result.usage.total_tokens > 0


def test_constrained_ldb_sends_a_grammar_naming_the_shown_blocks(sandbox: Sandbox) -> None:
    model = ScriptedModel([answer(FIXED, (0, True))])
    result = run(model, sandbox, constrained=True)
    grammar = model.requests[0].options.grammar
    shown = sorted({v.block for v in result.attempts[0].shown if hasattr(v, "block")})
    assert grammar is not None and shown
    assert all(f'"Block {b}: "' in grammar for b in shown)


def test_malformed_verdicts_are_a_note_and_the_fix_still_counts(sandbox: Sandbox) -> None:
    model = ScriptedModel(["I think block two is wrong.\n" + fenced(FIXED)])
    result = run(model, sandbox)
    assert result.solved and result.calls == 1
    assert any("malformed verdicts" in n for n in result.attempts[0].notes)


def test_budget_exhaustion_stops_exactly_at_the_budget(sandbox: Sandbox) -> None:
    replies = [answer(None, (1, False)), answer(BUGGY, (1, False)), answer(HALF, (1, False))]
    model = ScriptedModel(replies)  # raises if the loop asks for a fourth call
    result = run(model, sandbox, max_calls=3)
    assert result.calls == 3 and model.remaining == 0
    assert result.stop_reason == "budget" and not result.solved
    assert result.attempts[0].proposal is None
    assert "no ```python code block" in result.attempts[0].notes[-1]
    assert "unchanged" in result.attempts[1].notes[-1]


def test_repairs_after_the_first_are_sampled_and_told_when_stuck(sandbox: Sandbox) -> None:
    model = ScriptedModel([answer(BUGGY, (1, False)), answer(FIXED, (1, False))])
    result = run(model, sandbox)
    assert result.solved
    first, second = (r.options.temperature for r in model.requests)
    assert (first, second) == (CONFIG.temperature, CONFIG.repair_temperature)
    assert "unchanged" not in model.requests[0].messages[-1].content
    assert "gave this program back unchanged" in model.requests[1].messages[-1].content


def test_best_program_so_far_is_kept_and_each_iteration_starts_fresh(
        sandbox: Sandbox) -> None:
    model = ScriptedModel([answer(HALF, (1, False)),
                           answer("def running_max(xs):\n    return (\n", (0, False))])
    result = run(model, sandbox, max_calls=2)
    assert result.best.program.strip() == HALF.strip() and result.best.passed == 1
    second_iteration = model.requests[1].messages
    assert [m.role for m in second_iteration] == ["system", "user"]  # fresh context
    assert "best = 1" in second_iteration[-1].content  # it debugs the best program
    assert result.attempts[1].proposal is not None
    assert result.attempts[1].proposal.report.load_error is not None


def test_demo_code_in_an_answer_is_dropped_before_the_tests_run(sandbox: Sandbox) -> None:
    """A fix that ends in a failing example call would not even load; the function would."""
    model = ScriptedModel([answer(FIXED + "print(running_max(None))\n", (0, True))])
    result = run(model, sandbox)
    assert result.solved and "print(" not in result.program


def test_selfdebug_sees_failures_only_and_plain_resamples(sandbox: Sandbox) -> None:
    seen: list[list[Message]] = []

    def answer(messages: list[Message], options: GenerationOptions) -> str:
        seen.append(messages)
        return fenced(FIXED if len(seen) == 2 else BUGGY)

    result = run_method("selfdebug", FunctionModel(answer), sandbox, task=TASK,
                        function="running_max", tests=TESTS, config=CONFIG)
    assert result.solved and result.calls == 2
    repair = seen[1][-1].content
    assert "returned [0, 0, 0], expected [1, 3, 3]" in repair and "[block" not in repair
    seen.clear()
    plain = run_method("plain", FunctionModel(answer), sandbox, task=TASK,
                       function="running_max", tests=TESTS, config=CONFIG)
    assert plain.solved and plain.calls == 2
    assert seen[1][-1].content == seen[0][-1].content  # a fresh sample of the same prompt


def test_unknown_method_is_rejected(sandbox: Sandbox) -> None:
    with pytest.raises(ValueError, match="known: plain, selfdebug, ldb"):
        run_method("magic", ScriptedModel([]), sandbox, task=TASK,  # type: ignore[arg-type]
                   function="running_max", tests=TESTS)


@pytest.mark.docker
def test_ldb_in_the_docker_sandbox() -> None:
    from compilot.sandboxes import DockerSandbox, SandboxConfig

    with DockerSandbox(SandboxConfig()) as box:
        model = ScriptedModel([answer(FIXED, (2, False))])
        result = run(model, box)
    assert result.solved and result.calls == 1


def test_a_fix_that_does_not_load_never_replaces_a_program_that_does(
        sandbox: Sandbox) -> None:
    broken = "def running_max(xs):\n    return [\n"
    model = ScriptedModel([answer(broken, (1, False)), answer(FIXED, (1, False))])
    result = run(model, sandbox, max_calls=2)
    assert result.solved
    second = model.requests[1].messages[-1].content
    assert "[block" in second and "best = 0" in second  # still debugging the traced program


def test_restart_when_stuck_samples_a_fresh_program_after_an_unchanged_fix(
        sandbox: Sandbox) -> None:
    # ldb: the fix gives BUGGY back, so the next call is a fresh generation from the task
    # (the generation prompt, sampled), whose program is then the one debugged.
    model = ScriptedModel([answer(BUGGY, (1, False)), fenced(HALF),
                           answer(FIXED, (1, False))])
    result = run(model, sandbox, restart_when_stuck=True)
    assert result.solved and result.calls == 3
    first, restart, third = model.requests
    assert "[block" in first.messages[-1].content
    assert "[block" not in restart.messages[-1].content and TASK in restart.messages[-1].content
    assert restart.options.temperature == CONFIG.resample_temperature
    assert "restart" not in " ".join(result.attempts[0].notes)
    assert result.attempts[1].notes[0].startswith("a fresh program was sampled")
    assert result.attempts[1].proposal is not None
    debugged = result.attempts[2].start.program  # the sample (its docstring restored)
    assert "best = 1" in debugged and "x > best" in debugged
    assert "gave this program back unchanged" not in third.messages[-1].content


def test_restart_after_failed_fix_alternates_fixes_and_fresh_samples(
        sandbox: Sandbox) -> None:
    # The first fix changes the program and still fails (HALF passes one test of two), so
    # the second call samples afresh; that sample (BUGGY) fails, so the third call fixes
    # the best program so far, HALF.
    model = ScriptedModel([answer(HALF, (1, False)), fenced(BUGGY),
                           answer(FIXED, (1, False))])
    result = run(model, sandbox, restart_after_failed_fix=True)
    assert result.solved and result.calls == 3
    fix, sample, fix_again = (r.messages[-1].content for r in model.requests)
    assert "[block" in fix and "[block" in fix_again
    assert "[block" not in sample and TASK in sample
    assert model.requests[1].options.temperature == CONFIG.resample_temperature
    assert result.attempts[1].notes == ("a fresh program was sampled: the previous fix failed",)
    assert "best = 1" in result.attempts[2].start.program


def test_a_seed_numbers_the_calls_so_a_restart_draws_plains_sample(sandbox: Sandbox) -> None:
    # Call k asks for seed + k: ldb's restart at call 2 (after an unchanged fix) sends what
    # plain's sample at call 2 sent, prompt and seed alike, so it draws the same program.
    config = CONFIG.model_copy(update={"seed": 40, "max_calls": 3})
    plain = ScriptedModel([fenced(BUGGY)] * 3)
    run_method("plain", plain, sandbox, task=TASK, function="running_max", tests=TESTS,
               config=config)
    assert [r.options.seed for r in plain.requests] == [40, 41, 42]
    ldb = ScriptedModel([fenced(BUGGY), answer(BUGGY, (1, False)), fenced(BUGGY)])
    run_method("ldb", ldb, sandbox, task=TASK, function="running_max", tests=TESTS,
               config=config.model_copy(update={"restart_when_stuck": True}))
    assert [r.options.seed for r in ldb.requests] == [40, 41, 42]
    assert ldb.requests[2] == plain.requests[2]
    unseeded = ScriptedModel([fenced(BUGGY)] * 2)
    run_method("plain", unseeded, sandbox, task=TASK, function="running_max", tests=TESTS,
               config=CONFIG.model_copy(update={"max_calls": 2}))
    assert [r.options.seed for r in unseeded.requests] == [None, None]  # the server picks


def test_hinted_restart_carries_the_failing_test_and_the_blocks_judged_wrong(
        sandbox: Sandbox) -> None:
    model = ScriptedModel([answer(HALF, (0, True), (1, False)), fenced(FIXED)])
    result = run(model, sandbox, program=HALF, restart_after_failed_fix=True,
                 hinted_restarts=True)
    assert result.solved and result.calls == 2
    restart = model.requests[1].messages[-1].content
    assert "[block" not in restart and TASK.strip() in restart
    assert "An earlier solution failed this test:" in restart
    assert "running_max([0, -1])" in restart and "returned [1, 1], expected [0, 0]" in restart
    assert "What was wrong in it:\n- because" in restart  # block 1's explanation only
    assert restart.count("- because") == 1


def test_hinted_plain_tells_every_new_sample_how_the_best_program_fails(
        sandbox: Sandbox) -> None:
    model = ScriptedModel([fenced(BUGGY), fenced(HALF), fenced(FIXED)])
    result = run_method("plain", model, sandbox, task=TASK, function="running_max",
                        tests=TESTS, config=CONFIG.model_copy(update={"hinted_restarts": True}))
    assert result.solved and result.calls == 3
    seed, after_buggy, after_half = (r.messages[-1].content for r in model.requests)
    assert "An earlier solution" not in seed
    assert "returned [0, 0, 0], expected [1, 3, 3]" in after_buggy  # BUGGY's first failure
    assert "returned [1, 1], expected [0, 0]" in after_half  # HALF is the best so far
    assert "What was wrong" not in after_half  # plain judges no blocks


def test_restart_when_stuck_applies_to_selfdebug_and_is_off_by_default(
        sandbox: Sandbox) -> None:
    script = [fenced(BUGGY), fenced(BUGGY), fenced(FIXED)]
    stuck = run_method("selfdebug", ScriptedModel(list(script)), sandbox, task=TASK,
                       function="running_max", tests=TESTS, config=CONFIG)
    assert stuck.solved and stuck.calls == 3
    assert all("fresh program" not in n for a in stuck.attempts for n in a.notes)
    model = ScriptedModel(list(script))
    restarted = run_method("selfdebug", model, sandbox, task=TASK, function="running_max",
                           tests=TESTS,
                           config=CONFIG.model_copy(update={"restart_when_stuck": True}))
    assert restarted.solved and restarted.calls == 3
    assert restarted.attempts[1].notes[0].startswith("a fresh program was sampled")
    assert model.requests[2].messages[-1].content == model.requests[0].messages[-1].content
