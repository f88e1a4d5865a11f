"""Adaptive prompt-lookup drafts for llama.cpp speculative decoding on a CPU.

Prompt-lookup decoding guesses the next tokens by finding the latest n-gram of the context
earlier in the context and copying what followed it; the model then checks all the guesses
in one batch. On a CPU a batch of eleven tokens costs about two single steps, so the payoff
depends on the answer: a repaired program copies most of the program it fixes (three times
faster measured here), a verdict or a plan copies little, and llama-cpp-python's fixed
ten-token guesses from the FIRST match made those slower than no guessing at all.

:class:`AdaptiveLookupDraft` differs in three ways: it copies from the most recent match
(the line just written is the best predictor of the next), it never guesses from a single
token, and it sizes each guess by how the last one fared (doubling after a full hit,
falling back to what was accepted after a miss, and pausing for a growing number of steps
when even one-token guesses keep missing). Every guess is checked by the model, so the
answer follows the model's own choices. Each request starts afresh: the sizes decide how
tokens are batched, which moves logits in their last bits, so sizes carried over from the
last request made a greedy answer (and a seeded sample) depend on what was asked before.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt


class AdaptiveLookupDraft:
    """A llama-cpp-python draft model (``__call__(input_ids) -> draft token ids``)."""

    def __init__(self, max_tokens: int = 10, ngram_sizes: tuple[int, ...] = (4, 3, 2)) -> None:
        self.max_tokens = max(1, max_tokens)
        self.ngram_sizes = ngram_sizes
        self.size = self.first_size
        """Tokens the next guess may hold."""
        self.pause = 0
        """Steps to go without guessing (after one-token guesses kept missing)."""
        self._pause_span = 0
        self._seen = 0
        self._last: tuple[int, npt.NDArray[np.intc]] | None = None

    def __call__(self, input_ids: npt.NDArray[np.intc], /, **kwargs: Any) -> npt.NDArray[np.intc]:
        seen, self._seen = self._seen, len(input_ids)
        if not seen < len(input_ids) <= seen + self.max_tokens + 1:  # a new request
            self._start_request()
        self._learn(input_ids)
        if self.pause:
            self.pause -= 1
            return np.array([], dtype=np.intc)
        draft = self._lookup(input_ids)
        self._last = (len(input_ids), draft) if len(draft) else None
        return draft

    @property
    def first_size(self) -> int:
        """Tokens the first guess of a request may hold."""
        return min(4, self.max_tokens)

    def _start_request(self) -> None:
        """Forget the last request (each one starts afresh: see the module docstring)."""
        self.size, self.pause, self._pause_span, self._last = self.first_size, 0, 0, None

    def _learn(self, input_ids: npt.NDArray[np.intc]) -> None:
        """Resize after seeing how much of the previous guess the model kept."""
        if self._last is None:
            return
        start, draft = self._last
        self._last = None
        grown = input_ids[start:]
        if len(grown) == 0 or len(grown) > len(draft) + 1:  # a new request, not a step
            return
        kept = 0
        while kept < min(len(draft), len(grown)) and grown[kept] == draft[kept]:
            kept += 1
        if kept == len(draft):
            self.size = min(self.max_tokens, self.size * 2)
        else:
            self.size = max(1, kept + 1)
        if kept:
            self._pause_span = 0
        elif len(draft) == 1:  # even single guesses miss: text that copies nothing
            self._pause_span = min(32, max(2, self._pause_span * 2))
            self.pause = self._pause_span

    def _lookup(self, input_ids: npt.NDArray[np.intc]) -> npt.NDArray[np.intc]:
        n = len(input_ids)
        for size in self.ngram_sizes:
            if n <= size:
                continue
            tail = input_ids[n - size:]
            windows = np.lib.stride_tricks.sliding_window_view(input_ids[:n - 1], size)
            hits = np.nonzero(np.all(windows == tail, axis=1))[0]
            if len(hits):
                begin = int(hits[-1]) + size  # the most recent earlier occurrence
                return input_ids[begin:min(begin + self.size, n)].copy()
        return np.array([], dtype=np.intc)
