"""Tolerant parsing of block verdicts and of fixed code."""

from __future__ import annotations

from compilot.agents.debugger.verdicts import extract_code, first_json_object, parse_verdicts


def test_clean_json_verdicts() -> None:
    parsed = parse_verdicts('{"verdicts": [{"block": 0, "correct": true, "explanation": "ok"},'
                            ' {"block": 2, "correct": false, "explanation": "off by one"}]}')
    assert parsed.ok
    assert parsed.wrong_blocks() == [2]
    assert parsed.verdicts[1].explanation == "off by one"


def test_json_inside_prose_and_fences_with_loose_types() -> None:
    text = ('Sure! Here is my analysis {not json}.\n```json\n{"verdicts": ['
            '{"block": "3", "correct": "No", "explanation": "wrong sign"},'
            '{"block": 4, "correct": "yes"}]}\n```\nHope it helps.')
    parsed = parse_verdicts(text, shown_blocks={3, 4})
    assert parsed.ok
    assert [(v.block, v.correct) for v in parsed.verdicts] == [(3, False), (4, True)]


def test_malformed_verdicts_become_feedback_not_exceptions() -> None:
    assert "no JSON object" in (parse_verdicts("block 2 is wrong").error or "")
    assert "no \"verdicts\" list" in (parse_verdicts('{"answer": 1}').error or "")
    bad = parse_verdicts('{"verdicts": [{"block": 9, "correct": false}, "x"]}', {1, 2})
    assert not bad.ok and "not shown" in (bad.error or "") and "not an object" in bad.error
    partial = parse_verdicts('{"verdicts": [{"block": 1, "correct": 0}, '
                             '{"block": 1, "correct": "maybe"}]}', {1})
    assert partial.ok and partial.wrong_blocks() == [1]


def test_first_json_object_skips_broken_candidates() -> None:
    assert first_json_object('{"a": } then {"b": [1, {"c": 2}]}') == {"b": [1, {"c": 2}]}


def test_extract_code_prefers_the_block_defining_the_function() -> None:
    text = ("Explanation:\n```python\nprint(f(2))\n```\nFix:\n```python\n"
            "def f(x):\n    return x * 2\n```")
    assert extract_code(text, "f") == "def f(x):\n    return x * 2"
    assert extract_code("```\ndef f():\n    pass\n```", "f") == "def f():\n    pass"
    assert extract_code("def f():\n    return 1", "f") == "def f():\n    return 1"
    assert extract_code("I cannot fix it.", "f") is None
    unterminated = "```python\ndef f():\n    return 3\n"
    assert extract_code(unterminated, "f") == "def f():\n    return 3"
