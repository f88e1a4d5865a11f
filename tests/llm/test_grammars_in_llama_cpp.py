"""The GBNF grammars compilot sends are read by llama.cpp's own grammar parser and admit what
they promise: here, a plan line whose one-value argument holds a list (mapped over), and
a ReAct step that cannot. Checked with the real bundled 0.5B model in-process: the model is
asked to copy a line, and the grammar decides what can come out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from compilot.planner.constrained import plan_grammar
from compilot.planner.parser import parse_plan
from compilot.tools import ToolRegistry, tool
from compilot.workflows.react import action_grammar

pytestmark = pytest.mark.model


@tool
def search(country: str, field: str) -> int:
    """Look up one fact about a country."""
    return 0


REG = ToolRegistry([search])
LINE = '1. search(country=["Peru", "Chile", "Cuba"], field="area")'


@pytest.fixture(scope="module")
def llm(model_home: Path) -> Any:
    from llama_cpp import Llama

    return Llama(str(model_home / "models" / "qwen2.5-coder-0.5b.gguf"), n_ctx=1024,
                 n_threads=2, verbose=False)


def _copy(llm: Any, text: str, grammar: str) -> str:
    from llama_cpp import LlamaGrammar

    out = llm.create_chat_completion(
        [{"role": "user", "content": f"Repeat this text exactly, nothing else:\n{text}"}],
        grammar=LlamaGrammar.from_string(grammar, verbose=False), max_tokens=60,
        temperature=0.0)
    return str(out["choices"][0]["message"]["content"])


def test_the_plan_grammar_admits_a_list_for_a_one_value_argument(llm: Any) -> None:
    text = _copy(llm, f"{LINE}\n2. join()", plan_grammar(REG))
    plan = parse_plan(text)
    assert plan.has_join and not plan.issues, text
    assert plan.tasks[0].args == {"country": ["Peru", "Chile", "Cuba"], "field": "area"}, text


def test_a_react_step_takes_one_value_per_argument(llm: Any) -> None:
    text = _copy(llm, f"Thought: all three.\nAction: {LINE.removeprefix('1. ')}",
                 action_grammar(REG))
    assert text.startswith("Thought: ") and "[" not in text.split("Action:", 1)[-1], text
