"""The local model server process: ``python -m compilot.llm.llama_server [llama_cpp.server args]``.

llama-cpp-python's OpenAI-compatible server, unchanged but for its prompt cache, two parts
of its speculative decoding (``--draft_model prompt-lookup-decoding``) and its grammar
sampling:

- the prompt cache (``--cache true --cache_type ram``) keeps the model's state after each
  answer and resumes a request from the kept state sharing its longest prefix. The library
  saves with each state the logits of every token (600 kB a token with a 152k vocabulary)
  and clears the rest of the logits array on every restore (gigabytes), which cost more
  than reading the prompt again. Sampling reads the logits llama.cpp keeps in its own state,
  never those copies, so :func:`save_state` / :func:`load_state` keep the KV cache only;
- the draft is :class:`~compilot.llm.lookup_draft.AdaptiveLookupDraft` instead of the
  library's fixed-size lookup (see that module for why);
- a model with a draft computes logits for only the tokens whose next token is sampled.
  llama-cpp-python turns on ``logits_all`` for drafts, so a prompt was read with logits for
  every token (a 152k-word vocabulary per token, on a CPU): prompts, which dominate an
  agent's calls, were read 1.6 times slower than without drafts (measured on the bundled
  1.5B model). Sampling only ever reads the last token of a prompt and the guessed tokens
  of a step (at most the draft's size plus one), so :func:`tail_logits_eval` computes those.
  Consequence: log-probabilities of PROMPT tokens (``echo`` with ``logprobs``) are not
  available from this server; those of generated tokens are.
- with ``--repeatable`` (compilot's flag, not the library's), every request reads its whole
  prompt from the first token: the library otherwise resumes from the longest prefix the
  last request left in the model's state, and a prompt read from another starting point is
  batched differently and rounds differently (:func:`whole_prompt_generate`);
- greedy requests with a grammar ask the grammar about the best token only, and about the
  whole vocabulary only when it refuses that one (:mod:`compilot.llm.lazy_grammar`): the
  same tokens, without testing 152k tokens against the grammar at every step.

:class:`~compilot.llm.server.LocalServer` starts this module; nothing imports it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Any


def tail_logits_eval(tail: int) -> Callable[[Any, Sequence[int]], None]:
    """A ``Llama.eval`` that computes logits for the last ``tail`` tokens of each evaluated
    sequence only (``Llama.eval`` of llama-cpp-python 0.3 otherwise)."""
    import numpy as np

    def evaluate(self: Any, tokens: Sequence[int]) -> None:
        self._ctx.kv_cache_seq_rm(-1, self.n_tokens, -1)
        total = len(tokens)
        for start in range(0, total, self.n_batch):
            batch = tokens[start:min(total, start + self.n_batch)]
            n_past, n = self.n_tokens, len(batch)
            self._batch.set_batch(batch=batch, n_past=n_past, logits_all=False)
            first = min(max(0, total - tail - start), n - 1)  # the batch's last one at least
            for i in range(first, n):
                self._batch.batch.logits[i] = True
            self._ctx.decode(self._batch)
            self.input_ids[n_past:n_past + n] = batch
            rows, cols = n - first, self._n_vocab
            logits = np.ctypeslib.as_array(self._ctx.get_logits(), shape=(rows * cols,))
            self.scores[n_past + first:n_past + n, :].reshape(-1)[::] = logits
            self.n_tokens += n

    return evaluate


def save_state(self: Any) -> Any:
    """``Llama.save_state`` without the per-token logits copy (see the module docstring)."""
    import ctypes

    import llama_cpp
    import numpy as np
    from llama_cpp.llama import LlamaState

    size = llama_cpp.llama_get_state_size(self._ctx.ctx)
    buffer = (ctypes.c_uint8 * int(size))()
    n_bytes = int(llama_cpp.llama_copy_state_data(self._ctx.ctx, buffer))
    if n_bytes > int(size):
        raise RuntimeError("failed to copy the llama state")
    return LlamaState(scores=np.empty((0, self._n_vocab), dtype=np.single),
                      input_ids=self.input_ids.copy(), n_tokens=self.n_tokens,
                      llama_state=ctypes.string_at(buffer, n_bytes), llama_state_size=n_bytes,
                      seed=self._seed)


def load_state(self: Any, state: Any) -> None:
    """``Llama.load_state`` for states of :func:`save_state`."""
    import ctypes

    import llama_cpp

    self.input_ids = state.input_ids.copy()
    self.n_tokens, self._seed = state.n_tokens, state.seed
    buffer = (ctypes.c_uint8 * state.llama_state_size).from_buffer_copy(state.llama_state)
    if llama_cpp.llama_set_state_data(self._ctx.ctx, buffer) != state.llama_state_size:
        raise RuntimeError("failed to restore the llama state")


def whole_prompt_generate(generate: Callable[..., Any]) -> Callable[..., Any]:
    """``Llama.generate`` that never resumes from the last request's state: each request
    reads its prompt from the first token, in the same batches every time."""
    def fresh(self: Any, tokens: Sequence[int], *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("reset", True):
            self.n_tokens = 0  # no prefix to match: the library resets and reads it all
        return generate(self, tokens, *args, **kwargs)
    return fresh


def main() -> None:
    import llama_cpp.llama_speculative as speculative
    from llama_cpp import Llama
    from llama_cpp.server.__main__ import main as serve

    from compilot.llm.lazy_grammar import lazy_grammar_init_sampler
    from compilot.llm.lookup_draft import AdaptiveLookupDraft

    def draft(num_pred_tokens: int = 10, **_: Any) -> AdaptiveLookupDraft:
        # A step evaluates the sampled token and at most num_pred_tokens guesses.
        Llama.eval = tail_logits_eval(num_pred_tokens + 1)  # type: ignore[method-assign,assignment]
        return AdaptiveLookupDraft(max_tokens=num_pred_tokens)

    if "--repeatable" in sys.argv:
        sys.argv.remove("--repeatable")
        Llama.generate = whole_prompt_generate(Llama.generate)  # type: ignore[method-assign]
    # The server looks the class up on this module when it loads the model.
    speculative.LlamaPromptLookupDecoding = draft  # type: ignore[assignment,misc]
    Llama.save_state, Llama.load_state = save_state, load_state  # type: ignore[method-assign]
    Llama._init_sampler = lazy_grammar_init_sampler(Llama._init_sampler)  # type: ignore[method-assign]
    serve()


if __name__ == "__main__":
    main()
