"""The local model server process: ``python -m compilot.llm.llama_server [llama_cpp.server args]``.

llama-cpp-python's OpenAI-compatible server, unchanged but for two parts of its speculative
decoding (``--draft_model prompt-lookup-decoding``):

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

:class:`~compilot.llm.server.LocalServer` starts this module; nothing imports it.
"""

from __future__ import annotations

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


def main() -> None:
    import llama_cpp.llama_speculative as speculative
    from llama_cpp import Llama
    from llama_cpp.server.__main__ import main as serve

    from compilot.llm.lookup_draft import AdaptiveLookupDraft

    def draft(num_pred_tokens: int = 10, **_: Any) -> AdaptiveLookupDraft:
        # A step evaluates the sampled token and at most num_pred_tokens guesses.
        Llama.eval = tail_logits_eval(num_pred_tokens + 1)  # type: ignore[method-assign,assignment]
        return AdaptiveLookupDraft(max_tokens=num_pred_tokens)

    # The server looks the class up on this module when it loads the model.
    speculative.LlamaPromptLookupDecoding = draft  # type: ignore[assignment,misc]
    serve()


if __name__ == "__main__":
    main()
