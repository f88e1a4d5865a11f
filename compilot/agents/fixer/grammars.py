"""GBNF grammars of the fixer's answers, for servers that enforce a ``grammar`` (llama.cpp).

Small models write code badly inside JSON strings (escaped quotes and newlines), so with a
grammar the code stays raw text and only the STRUCTURE is enforced:

* edits: one to four SEARCH/REPLACE blocks (:func:`compilot.repair.parse_edits` reads them);
  the path line is an enum of the editable files shown to the model, and a raw line can never
  be a marker line (nor start like one), so a block always parses. Optionally each SEARCH line
  must be one of the lines shown for that file, so SEARCH cannot invent code.
* reproduction test: one fenced ```python block whose content holds a ``def test_``.

Test files are not editable by default: an SWE-style fix changes the source, and a model that
may edit tests tends to "fix" the fixture it was shown instead of the bug.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

MAX_BLOCKS = 4
MAX_SEARCH_LINES = 12
"""SEARCH names a few lines: small models otherwise copy whole classes, spending the token
budget before they reach REPLACE."""
_MARKERS = "<=>"
_RUN = 4
"""A raw line may start with at most this many of one marker character (markers are 5+)."""


def is_test_path(path: str) -> bool:
    """``tests/...``, ``test/...``, ``test_*.py``, ``*_test.py`` and ``conftest.py``."""
    parts = path.replace("\\", "/").split("/")
    name = parts[-1]
    return (any(p in ("tests", "test", "testing") for p in parts[:-1])
            or name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py")


def editable_paths(paths: Iterable[str], *, allow_tests: bool = False) -> tuple[str, ...]:
    """``paths`` in order without duplicates, test files left out unless ``allow_tests``."""
    return tuple(p for p in dict.fromkeys(paths) if allow_tests or not is_test_path(p))


def literal(text: str) -> str:
    """A GBNF string literal: quotes, backslashes and control characters escaped."""
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\x{ord(ch):02X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _raw_line_rules() -> list[str]:
    """``line``: any line that does not start with 5+ of ``<``, ``=`` or ``>``."""
    rules = ['line ::= ( [^<=>\\n] [^\\n]* | ' + " | ".join(f"m{i}-1" for i in range(3))
             + ' )? "\\n"']
    for i, ch in enumerate(_MARKERS):
        for n in range(1, _RUN + 1):
            nxt = f" | m{i}-{n + 1}" if n < _RUN else ""
            rules.append(f'm{i}-{n} ::= "{ch}" ( [^{ch}\\n] [^\\n]*{nxt} )?')
    return rules


def edit_grammar(paths: Sequence[str],
                 search_lines: Mapping[str, Sequence[str]] | None = None) -> str:
    """SEARCH/REPLACE blocks over ``paths`` (non-empty). With ``search_lines`` for a path,
    each SEARCH line of its blocks must be one of those lines (trailing spaces dropped)."""
    if not paths:
        raise ValueError("edit_grammar needs at least one editable path")
    blocks = [f"block-{i}" for i in range(len(paths))]
    rules = ["root ::= block" + " block?" * (MAX_BLOCKS - 1),
             "block ::= " + " | ".join(blocks)]
    for i, path in enumerate(paths):
        allowed = (search_lines or {}).get(path) or ()
        search = "line"
        if any(line.strip() for line in allowed):
            search = f"src-{i}"
            rules += line_choice_rules(search, allowed)
        lines = " ".join([search] + [f"{search}?"] * (MAX_SEARCH_LINES - 1))
        rules.append(f'block-{i} ::= {literal(path + chr(10))} "<<<<<<< SEARCH\\n" {lines} '
                     f'"=======\\n" line* ">>>>>>> REPLACE\\n"')
    return "\n".join(rules + _raw_line_rules()) + "\n"


def line_choice_rules(name: str, lines: Iterable[str]) -> list[str]:
    """Rule ``name``: exactly one of ``lines`` (trailing spaces dropped) and its newline.

    Written as a prefix tree, not a flat alternation: llama.cpp keeps one parse stack per
    alternative still alive, so hundreds of lines sharing their indentation made sampling
    an order of magnitude slower."""
    trie: dict = {}
    for line in {line.rstrip() + "\n" for line in lines}:
        node = trie
        for ch in line:
            node = node.setdefault(ch, {})
    rules: list[str] = []
    rules.insert(0, f"{name} ::= {_trie_expr(trie, name, rules)}")
    return rules


def _trie_expr(node: dict, name: str, rules: list[str]) -> str:
    alternatives = []
    for ch, child in sorted(node.items()):
        label = ch
        while len(child) == 1:
            (nxt, child), = child.items()
            label += nxt
        if not child:
            alternatives.append(literal(label))
            continue
        sub = f"{name}-{len(rules)}"
        rules.append("")  # reserve the index, so nested rule names stay unique
        at = len(rules) - 1
        rules[at] = f"{sub} ::= {_trie_expr(child, name, rules)}"
        alternatives.append(f"{literal(label)} {sub}")
    return alternatives[0] if len(alternatives) == 1 else "( " + " | ".join(alternatives) + " )"


def repro_grammar() -> str:
    """One fenced python block whose content holds a ``def test_`` (at any indentation)."""
    return "\n".join([
        'root ::= "```python\\n" code-line* test-line code-line* "```"',
        'test-line ::= [ \\t]* "def test_" [^\\n]* "\\n"',
        'code-line ::= ( [^`\\n] [^\\n]* )? "\\n"',
    ]) + "\n"
