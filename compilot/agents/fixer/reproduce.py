"""Step 3 of the fixer: the model writes a reproduction test; the sandbox says if it fails.

The test is only evidence when it fails before the fix, so that is recorded, and a test that
passes on the unchanged code (or does not parse) gets one bounded retry with the real output
as feedback. The test lives in the sandbox only; it is never part of the patch.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from compilot.agents.fixer import prompts
from compilot.agents.fixer.grammars import repro_grammar
from compilot.agents.fixer.testrun import TestRun, run_repro
from compilot.llm.types import ChatModel, GenerationOptions, Message
from compilot.repair.validate import check_syntax
from compilot.sandboxes import SandboxConfig

_NAME_ERROR = re.compile(r"NameError: name '(\w+)' is not defined")
_BLOCK = re.compile(r"```(?:python|py)?[ \t]*\n(.*?)```", re.DOTALL)


@dataclass(frozen=True)
class Reproduction:
    """The reproduction test and what it did on the unchanged code."""

    code: str | None
    before: TestRun | None
    attempts: int

    @property
    def reproduced(self) -> bool:
        """It ran, and failed, before any change (the only state in which it is evidence)."""
        return self.before is not None and self.before.failed_cleanly


def extract_test(text: str, constrained: bool) -> str | None:
    """The test file from an answer: the JSON field, a fenced block, or bare code."""
    if constrained:
        try:
            code = json.loads(text).get("test_code")
        except (ValueError, AttributeError):
            return None
        return code if isinstance(code, str) and "def test" in code else None
    blocks = _BLOCK.findall(text)
    code = max(blocks, key=len) if blocks else text
    return code if "def test" in code else None


def _syntax_error(code: str) -> str | None:
    """tree-sitter is lenient with indentation; the interpreter that will run it is not."""
    problem = check_syntax(code, "test_compilot_repro.py")
    if problem is not None:
        return f"{problem.message} at line {problem.line}"
    try:
        compile(code, "test_compilot_repro.py", "exec", dont_inherit=True)
    except SyntaxError as exc:
        return f"{exc.msg} at line {exc.lineno}"
    return None


def _problem(code: str | None, run: TestRun | None) -> str | None:
    if code is None:
        return "No test function (def test_...) was found in your answer."
    syntax = _syntax_error(code)
    if syntax is not None:
        return f"The test does not parse: {syntax}."
    if run is not None and run.ok:
        return ("The test PASSED on the current code, so it does not reproduce the issue. "
                "Write a test that fails because of the bug.")
    if run is not None and not run.failed_cleanly:
        return f"The test could not run (collection error):\n{run.output[-1500:]}"
    missing = _NAME_ERROR.search(run.output) if run is not None else None
    if missing is not None:
        return (f"The test fails with NameError: {missing.group(1)!r} is not defined; a "
                "missing import is not the bug. Import every name the test uses.")
    return None


def repro_options(form: prompts.Form, max_tokens: int) -> GenerationOptions:
    """A fenced python block holding ``def test_`` under a grammar; JSON under a schema."""
    return GenerationOptions(
        temperature=0.0, max_tokens=max_tokens, seed=0,
        json_schema=prompts.REPRO_SCHEMA if form == "json" else None,
        grammar=repro_grammar() if form == "grammar" else None)


def reproduce(model: ChatModel, context: str, tree: Path, *, sandbox: SandboxConfig,
              test_command: str, timeout: float, constrained: bool | str, attempts: int = 2,
              max_tokens: int = 700, imports: str = "") -> Reproduction:
    """Ask for a reproduction test and run it on the unchanged ``tree``.

    ``constrained`` is a :data:`~.prompts.Form` (``True``/``False`` mean json/none);
    ``imports`` shows how the existing tests import the code."""
    form = prompts.as_form(constrained)
    ask = prompts.repro_ask(form, imports)
    messages = [Message(role="system", content=prompts.SYSTEM),
                Message(role="user", content=f"{context}\n\n# Task\n{ask}")]
    options = repro_options(form, max_tokens)
    code: str | None = None
    run: TestRun | None = None
    for attempt in range(1, attempts + 1):
        answer = model.complete(messages, prompts.retry_options(options, attempt)).text
        code = extract_test(answer, form == "json")
        run = None
        if code is not None and _syntax_error(code) is None:
            run = run_repro(tree, sandbox, test_command, code, timeout=timeout)
        problem = _problem(code, run)
        if problem is None:
            return Reproduction(code, run, attempt)
        messages += [Message(role="assistant", content=answer),
                     Message(role="user", content=f"{problem}\n\n{ask}")]
    if run is not None and run.failed_cleanly:
        run = None  # it failed for a reason that is not the bug: no evidence
    return Reproduction(code, run, attempts)
