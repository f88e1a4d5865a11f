"""The methods compared by the HumanEval harness, all under one call budget per problem.

``plain``: generate, and while the visible tests fail and calls remain, sample again (the best
sample wins). ``selfdebug``: repair from the test failure messages only. ``ldb``: repair from
block-level traces (:mod:`compilot.agents.debugger.agent`). Each method starts from the same
first (greedy) generation, or from a given program in repair mode.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Literal

from compilot.agents.debugger import prompts
from compilot.agents.debugger.agent import (
    debug_program,
    generate,
    propose,
    resample_step,
    stuck,
    with_restarts,
)
from compilot.agents.debugger.loop import (
    Attempt,
    CallBudget,
    Candidate,
    DebuggerConfig,
    DebugResult,
    Step,
    evaluate,
    repair_loop,
)
from compilot.llm.types import ChatModel, GenerationOptions
from compilot.sandboxes.base import Sandbox

Method = Literal["plain", "selfdebug", "ldb"]
METHODS: tuple[Method, ...] = ("plain", "selfdebug", "ldb")


def _selfdebug_step(iteration: int, current: Candidate, budget: CallBudget,
                    previous: Attempt | None, *, sandbox: Sandbox, task: str, function: str,
                    tests: Sequence[str], config: DebuggerConfig) -> Attempt:
    messages = prompts.selfdebug_messages(task, current.program, function,
                                          current.report.failures, stuck=stuck(previous))
    options = GenerationOptions(temperature=config.temperature_at(iteration),
                                max_tokens=config.max_tokens)
    _, proposal, notes = propose(budget, messages, options, sandbox=sandbox, current=current,
                                 function=function, tests=tests, config=config)
    return Attempt(iteration, current, proposal, notes=tuple(notes))


def run_method(method: Method, model: ChatModel, sandbox: Sandbox, *, task: str,
               function: str, tests: Sequence[str], program: str | None = None,
               config: DebuggerConfig | None = None) -> DebugResult:
    """Solve (``program`` None: generate first, one call of the budget) or repair ``program``."""
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; known: {', '.join(METHODS)}")
    config = config or DebuggerConfig()
    budget = CallBudget(model, config.max_calls, seed=config.seed)
    if program is None:
        program = generate(budget, task, function, config)
    if method == "ldb":
        return debug_program(model, sandbox, task=task, program=program, function=function,
                             tests=tests, config=config, budget=budget)
    chosen = resample_step if method == "plain" else _selfdebug_step
    step: Step = partial(chosen, sandbox=sandbox, task=task, function=function, tests=tests,
                         config=config)
    if method == "selfdebug" and config.restarts:
        step = with_restarts(step, sandbox=sandbox, task=task, function=function, tests=tests,
                             config=config)
    return repair_loop(method, evaluate(sandbox, program, function, tests, config), step,
                       budget)
