"""The server's greedy grammar sampling (:mod:`compilot.llm.lazy_grammar`) picks the same
tokens as llama-cpp-python's chain, which applies the grammar to the whole vocabulary:
on the real bundled 0.5B model in-process, with prompts where the grammar agrees with the
model's first choice and prompts where it must overrule it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from compilot.llm.lazy_grammar import GreedyGrammarSampler, lazy_grammar_init_sampler
from compilot.planner.constrained import call_rules, gbnf, plan_grammar
from compilot.tools import ToolRegistry, tool

pytestmark = pytest.mark.model


@tool
def search(country: str, field: str) -> int:
    """Look up one fact about a country."""
    return 0


REG = ToolRegistry([search])
CASES = [  # (prompt, grammar): the model's own words fit the first; the second forbids "["
    ("Plan the calls for: which of Peru, Chile and Cuba is the largest?", plan_grammar(REG)),
    ('Repeat exactly: Action: search(country=["Peru", "Chile"], field="area")',
     gbnf(['root ::= "Action: " call', *call_rules(REG, refs=False, lists=False)])),
    ("Answer yes or no in JSON: is water wet?",
     'root ::= "{\\"answer\\": \\"" ("yes" | "no") "\\"}"'),
]


@pytest.fixture(scope="module")
def llm(model_home: Path) -> Any:
    from llama_cpp import Llama

    return Llama(str(model_home / "models" / "qwen2.5-coder-0.5b.gguf"), n_ctx=1024,
                 n_threads=2, verbose=False)


def _answers(llm: Any, temperature: float = 0.0) -> list[str]:
    from llama_cpp import LlamaGrammar

    out = []
    for prompt, grammar in CASES:
        llm.reset()
        reply = llm.create_chat_completion(
            [{"role": "user", "content": prompt}], max_tokens=40, temperature=temperature,
            grammar=LlamaGrammar.from_string(grammar, verbose=False))
        out.append(str(reply["choices"][0]["message"]["content"]))
    return out


def test_greedy_grammar_sampling_picks_the_chains_tokens(llm: Any) -> None:
    from llama_cpp import Llama

    original = Llama._init_sampler
    Llama._init_sampler = lazy_grammar_init_sampler(original)  # type: ignore[method-assign]
    try:
        with_lazy = _answers(llm)
        assert isinstance(llm._sampler, GreedyGrammarSampler)  # the path under test ran
    finally:
        Llama._init_sampler = original  # type: ignore[method-assign]
    assert with_lazy == _answers(llm)
    assert "[" not in with_lazy[1] and with_lazy[2] in ('{"answer": "yes"}', '{"answer": "no"}')
