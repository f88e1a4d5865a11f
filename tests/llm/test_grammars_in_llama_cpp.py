"""The GBNF grammars compilot sends are read by llama.cpp's own grammar parser and admit what
they promise: a plan line whose one-value argument holds a list (mapped over), and ReAct's
call rules, which do not. Checked with the real bundled 0.5B model in-process: the model is
asked to copy a line, and the grammar decides what can come out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from compilot.planner.constrained import call_rules, gbnf, plan_grammar
from compilot.planner.parser import parse_call, parse_plan
from compilot.tools import ToolRegistry, tool

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


def test_react_call_rules_take_one_value_per_argument(llm: Any) -> None:
    # ReAct's grammar is these rules under a Thought line (``action_grammar``); the root
    # here starts at the call, so the model cannot talk its way around it.
    grammar = gbnf(['root ::= "Action: " call', *call_rules(REG, refs=False, lists=False)])
    text = _copy(llm, f"Action: {LINE.removeprefix('1. ')}", grammar)
    assert "[" not in text, text
    assert parse_call(text.removeprefix("Action: "), lambda _: None)[1]["field"] == "area"
