"""The adaptive prompt-lookup draft: what it guesses and how it sizes its guesses."""

from __future__ import annotations

import numpy as np

from compilot.llm.lookup_draft import AdaptiveLookupDraft


def ids(*values: int) -> np.ndarray:
    return np.array(values, dtype=np.intc)


def test_guesses_continue_the_most_recent_match() -> None:
    draft = AdaptiveLookupDraft(max_tokens=8)
    #          an old "1 2" -> 7 8, a newer "1 2" -> 5 6; the context ends in "1 2"
    guess = draft(ids(1, 2, 7, 8, 9, 1, 2, 5, 6, 9, 1, 2))
    assert guess.tolist() == [5, 6, 9, 1]  # the first guess holds 4 tokens


def test_no_guess_from_a_single_token_or_without_a_match() -> None:
    draft = AdaptiveLookupDraft()
    assert draft(ids(4, 1, 9, 3, 1)).tolist() == []  # only the 1-gram "1" repeats
    assert draft(ids(1, 2, 3)).tolist() == []


def test_guess_size_doubles_after_a_full_hit_and_falls_back_after_a_miss() -> None:
    draft = AdaptiveLookupDraft(max_tokens=16)
    text = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17]
    context = text + [1, 2]
    guess = draft(ids(*context)).tolist()
    assert guess == [3, 4, 5, 6]
    context += guess + [7]  # the model kept all four guesses and sampled 7 after them
    guess = draft(ids(*context)).tolist()
    assert len(guess) == 8 and guess[0] == 8
    context += guess[:2] + [99]  # it kept two of eight, then disagreed
    assert draft.size == 8
    draft(ids(*context))
    assert draft.size == 3  # what was kept, plus one


def test_a_new_request_does_not_count_as_a_miss() -> None:
    draft = AdaptiveLookupDraft(max_tokens=16)
    draft(ids(1, 2, 3, 4, 5, 1, 2))
    assert draft.size == 4
    draft(ids(*range(100, 140)))  # an unrelated, longer prompt
    assert draft.size == 4


def test_a_new_request_guesses_as_the_first_one_did() -> None:
    # Guess sizes decide how tokens are batched, and batching moves logits in their last
    # bits: a size carried over from the last request made greedy answers depend on it.
    draft = AdaptiveLookupDraft(max_tokens=16)
    context = list(range(1, 18)) + [1, 2]
    guess = draft(ids(*context)).tolist()
    draft(ids(*context, *guess, 7))  # a full hit: the next guess may hold 8
    assert draft.size == 8
    first_time = AdaptiveLookupDraft(max_tokens=16)(ids(*context)).tolist()
    assert draft(ids(*context)).tolist() == first_time == [3, 4, 5, 6]


def test_missed_single_guesses_pause_guessing_for_a_growing_span() -> None:
    draft = AdaptiveLookupDraft(max_tokens=16)
    draft.size = 1
    context = [5, 6, 7, 8, 5, 6]
    assert draft(ids(*context)).tolist() == [7]
    context += [9]  # missed
    assert draft(ids(*context)).tolist() == [] and draft.pause == 1  # a pause of two steps
    context += [1]
    assert draft(ids(*context)).tolist() == [] and draft.pause == 0
    context += [5, 6]
    assert draft(ids(*context)).tolist() == [9]  # guessing again: what followed the last "5 6"
    context += [3]  # missed again: the pause doubles
    draft(ids(*context))
    assert draft.pause == 3


def test_a_new_request_ends_a_pause() -> None:
    draft = AdaptiveLookupDraft(max_tokens=16)
    draft.size = 1
    context = [5, 6, 7, 8, 5, 6]
    draft(ids(*context))
    draft(ids(*context, 9))  # missed: guessing pauses
    assert draft.pause
    assert draft(ids(1, 2, 3, 1, 2)).tolist() == [3, 1, 2]  # another prompt guesses at once
