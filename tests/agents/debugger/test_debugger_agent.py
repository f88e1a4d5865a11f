"""The LDB loop and its baselines with scripted models against a real (local) sandbox."""

from __future__ import annotations

import json

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


def verdicts(*pairs: tuple[int, bool]) -> str:
    return json.dumps({"verdicts": [{"block": b, "correct": c, "explanation": "because"}
                                    for b, c in pairs]})


def fenced(code: str) -> str:
    return f"Here is the fix:\n```python\n{code}```\n"


def run(model: object, sandbox: Sandbox, program: str = BUGGY, **cfg: object):
    config = CONFIG.model_copy(update=cfg) if cfg else CONFIG
    return debug_program(model, sandbox, task=TASK, program=program,  # type: ignore[arg-type]
                         function="running_max", tests=TESTS, config=config)


def test_ldb_judges_blocks_then_fixes(sandbox: Sandbox) -> None:
    model = ScriptedModel([verdicts((0, True), (2, False)), fenced(FIXED)])
    result = run(model, sandbox)
    assert result.solved and result.stop_reason == "solved" and result.calls == 2
    assert result.program.strip() == FIXED.strip()
    verdict_req, fix_req = model.requests
    assert verdict_req.options.json_schema is not None
    prompt = verdict_req.messages[-1].content
    assert "returned [0, 0, 0], expected [1, 3, 3]" in prompt
    assert "[block 2]" in prompt and "after:" in prompt and "best=0" in prompt
    assert fix_req.messages[-2].role == "assistant"  # the fix sees its own verdicts
    assert "blocks wrong: 2" in fix_req.messages[-1].content
    attempt = result.attempts[0]
    assert [(v.block, v.correct) for v in attempt.verdicts] == [(0, True), (2, False)]
    assert result.usage.total_tokens > 0


def test_malformed_verdicts_are_retried_then_the_fix_still_happens(sandbox: Sandbox) -> None:
    model = ScriptedModel(["I think block two is wrong.", '{"verdicts": "nope"}',
                           fenced(FIXED)])
    result = run(model, sandbox)
    assert result.solved and result.calls == 3
    retry = model.requests[1].messages[-1].content
    assert "could not be used" in retry and "no JSON object" in retry
    assert "could not be read" in model.requests[2].messages[-1].content
    assert any("malformed verdicts" in n for n in result.attempts[0].notes)


def test_budget_exhaustion_stops_exactly_at_the_budget(sandbox: Sandbox) -> None:
    replies = [verdicts((1, False)), "no code here", verdicts((1, False)), fenced(BUGGY),
               verdicts((1, False))]
    model = ScriptedModel(replies)  # raises if the loop asks for a sixth call
    result = run(model, sandbox, max_calls=5)
    assert result.calls == 5 and model.remaining == 0
    assert result.stop_reason == "budget" and not result.solved
    assert result.attempts[0].proposal is None
    assert "no ```python code block" in result.attempts[0].notes[0]


def test_best_program_so_far_is_kept_and_each_iteration_starts_fresh(
        sandbox: Sandbox) -> None:
    model = ScriptedModel([verdicts((1, False)), fenced(HALF),
                           verdicts((0, False)), fenced("def running_max(xs):\n    return (\n"),
                           ])
    result = run(model, sandbox, max_calls=4)
    assert result.best.program.strip() == HALF.strip() and result.best.passed == 1
    second_iteration = model.requests[2].messages
    assert [m.role for m in second_iteration] == ["system", "user"]  # fresh context
    assert "best = 1" in second_iteration[-1].content  # it debugs the best program
    assert result.attempts[1].proposal is not None
    assert result.attempts[1].proposal.report.load_error is not None


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
        model = ScriptedModel([verdicts((2, False)), fenced(FIXED)])
        result = run(model, box)
    assert result.solved and result.calls == 2
