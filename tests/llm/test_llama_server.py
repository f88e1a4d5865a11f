"""The server's tail-only logits for drafts: the same greedy answers as the library's
all-token logits and as no drafts at all, on the real bundled 0.5B model in-process."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from compilot.llm.llama_server import tail_logits_eval
from compilot.llm.lookup_draft import AdaptiveLookupDraft

pytestmark = pytest.mark.model

PROMPT = (Path(__file__).resolve().parents[2] / "compilot" / "llm" / "lookup_draft.py"
          ).read_text()[:1500] + "\n\nclass FixedDraft:\n    \"\"\"A fixed-size"


@pytest.fixture
def plain_eval() -> Iterator[None]:
    from llama_cpp import Llama

    original = Llama.eval
    yield
    Llama.eval = original  # type: ignore[method-assign]


def _greedy(model_path: Path, draft: bool, tail: int | None) -> tuple[str, int]:
    from llama_cpp import Llama

    if tail is not None:
        Llama.eval = tail_logits_eval(tail)  # type: ignore[method-assign]
    # n_batch 64: the prompt is read in several batches, the last one partly needing logits.
    llm = Llama(str(model_path), n_ctx=1024, n_batch=64, n_threads=2, verbose=False,
                logits_all=draft, draft_model=AdaptiveLookupDraft(max_tokens=8) if draft else None)
    out = llm.create_completion(PROMPT, max_tokens=48, temperature=0.0)
    return out["choices"][0]["text"], out["usage"]["prompt_tokens"]


def test_tail_logits_give_the_same_greedy_answer(model_home: Path, plain_eval: None) -> None:
    path = model_home / "models" / "qwen2.5-coder-0.5b.gguf"
    no_draft, prompt_tokens = _greedy(path, draft=False, tail=None)
    all_logits, _ = _greedy(path, draft=True, tail=None)
    tail_only, _ = _greedy(path, draft=True, tail=9)
    assert prompt_tokens > 3 * 64
    assert no_draft.strip()
    assert tail_only == all_logits == no_draft


@pytest.fixture
def plain_state() -> Iterator[None]:
    from llama_cpp import Llama

    original = Llama.save_state, Llama.load_state
    yield
    Llama.save_state, Llama.load_state = original  # type: ignore[method-assign]


def test_prompt_cache_states_resume_with_the_same_answers(
        model_home: Path, plain_eval: None, plain_state: None) -> None:
    from llama_cpp import Llama, LlamaRAMCache

    from compilot.llm.llama_server import load_state, save_state

    path = str(model_home / "models" / "qwen2.5-coder-0.5b.gguf")
    first, other = PROMPT, "def fibonacci(n: int) -> int:\n    \"\"\"The n-th Fibonacci"
    prompts = [first, other, first + " number"]  # the last one resumes from the first's state

    def answers(cached: bool) -> list[str]:
        llm = Llama(path, n_ctx=1024, n_batch=64, n_threads=2, verbose=False,
                    logits_all=True, draft_model=AdaptiveLookupDraft(max_tokens=8))
        if cached:
            llm.set_cache(LlamaRAMCache(capacity_bytes=1 << 30))
        texts = [llm.create_completion(p, max_tokens=24, temperature=0.0)["choices"][0]["text"]
                 for p in prompts]
        if cached:
            assert llm.cache is not None and first in _decoded(llm, llm.cache)
        return texts

    Llama.eval = tail_logits_eval(9)  # type: ignore[method-assign]
    plain = answers(cached=False)
    Llama.save_state, Llama.load_state = save_state, load_state  # type: ignore[method-assign]
    assert answers(cached=True) == plain


def _decoded(llm: object, cache: object) -> str:
    keys = cache.cache_state.keys()  # type: ignore[attr-defined]
    return "".join(llm.detokenize(list(k)).decode(errors="ignore")  # type: ignore[attr-defined]
                   for k in keys)
