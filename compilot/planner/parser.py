"""Streaming parser of the LLMCompiler plan language.

    Thought: I need both populations first.
    1. search(country="France", field="population")
    2. search("Spain", "population")
    3. math(expression="$1 + $2")
    4. join()

Feed it text deltas as they stream; each task comes out the moment its line is complete, so
the executor can start it while the model is still writing. Arguments are parsed with
Python's ``ast`` (never ``eval``); positional arguments map onto the tool's parameters. A line
that is not a task, a thought, a fence or blank becomes a :class:`ParseIssue` - nothing is
dropped silently. Text after ``join()`` ends the plan and is kept as ``trailing``.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from compilot.planner.plan import REF_RE, Plan, Task

_LINE_RE = re.compile(r"^\s*(?:(\d+)\s*[.:)]\s*)?(.*?)\s*$")
_THOUGHT_RE = re.compile(r"^\s*(?:\d+\s*[.:)]\s*)?thought\s*:\s*(.*)$", re.IGNORECASE)
_LITERAL_NAMES = {"true": True, "false": False, "null": None, "none": None}


@dataclass(frozen=True)
class ParseIssue:
    """A plan line that could not be read, and why."""

    line: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.line!r}: {self.reason}"


@dataclass(frozen=True)
class Join:
    """The plan's final ``join()``."""


ParsedItem = Task | ParseIssue | Join


def quote_refs(text: str) -> str:
    """Turn ``$1`` / ``${1}`` / ``$1.x`` outside string literals into quoted strings, so the
    call is valid Python; references inside strings are left for interpolation."""
    out: list[str] = []
    i, quote = 0, ""
    while i < len(text):
        ch = text[i]
        if quote:
            out.append(ch)
            if ch == "\\" and i + 1 < len(text):
                out.append(text[i + 1])
                i += 1
            elif ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
            out.append(ch)
        elif ch == "$" and (match := REF_RE.match(text, i)):
            out.append(repr(match.group(0)))
            i = match.end()
            continue
        else:
            out.append(ch)
        i += 1
    return "".join(out)


def _literal(node: ast.expr) -> Any:
    if isinstance(node, ast.Name) and node.id.lower() in _LITERAL_NAMES:
        return _LITERAL_NAMES[node.id.lower()]
    if isinstance(node, ast.List):
        return [_literal(e) for e in node.elts]
    if isinstance(node, ast.Dict) and None not in node.keys:
        return {_literal(k): _literal(v) for k, v in zip(node.keys, node.values, strict=True)
                if k is not None}
    value = ast.literal_eval(node)
    return list(value) if isinstance(value, tuple) else value


ParamsOf = Callable[[str], tuple[str, ...] | None]


def parse_call(text: str, params_of: ParamsOf) -> tuple[str, dict[str, Any]]:
    """``tool(a, b=1)`` -> ``("tool", {...})``; raises ``ValueError`` with the reason."""
    try:
        node = ast.parse(quote_refs(text), mode="eval").body
    except SyntaxError as exc:
        raise ValueError(f"not a valid call ({exc.msg})") from None
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
        raise ValueError("expected `N. tool_name(arg=value, ...)`")
    name = node.func.id
    args: dict[str, Any] = {}
    try:
        if node.args:
            params = params_of(name) or ()
            if len(node.args) > len(params):
                raise ValueError(f"{name}() got {len(node.args)} positional arguments; "
                                 f"it takes {len(params)}: {', '.join(params) or 'none'}")
            args.update({p: _literal(a) for p, a in zip(params, node.args, strict=False)})
        for kw in node.keywords:
            if kw.arg is None:
                raise ValueError("`**` arguments are not allowed")
            if kw.arg in args:
                raise ValueError(f"argument {kw.arg!r} given twice")
            args[kw.arg] = _literal(kw.value)
    except (SyntaxError, TypeError) as exc:
        raise ValueError(f"arguments must be literals or $N references ({exc})") from None
    return name, args


@dataclass
class PlanParser:
    """Incremental parser: :meth:`feed` deltas, then :meth:`close`; :meth:`plan` at the end."""

    params_of: ParamsOf = lambda _name: None
    _buffer: str = ""
    _thought: str | None = None
    _tasks: list[Task] = field(default_factory=list)
    _issues: list[str] = field(default_factory=list)
    _thoughts: list[str] = field(default_factory=list)
    _text: list[str] = field(default_factory=list)
    joined: bool = False
    trailing: str = ""

    def feed(self, delta: str) -> list[ParsedItem]:
        self._text.append(delta)
        if self.joined:
            self.trailing += delta
            return []
        self._buffer += delta
        items: list[ParsedItem] = []
        while "\n" in self._buffer and not self.joined:
            line, self._buffer = self._buffer.split("\n", 1)
            items.extend(self._line(line))
        if self.joined:
            self.trailing, self._buffer = self._buffer, ""
        return items

    def close(self) -> list[ParsedItem]:
        rest, self._buffer = self._buffer, ""
        return [] if self.joined else self._line(rest)

    def plan(self) -> Plan:
        return Plan(tasks=tuple(self._tasks), has_join=self.joined, issues=tuple(self._issues),
                    thoughts=tuple(self._thoughts), text="".join(self._text))

    def _line(self, raw: str) -> list[ParsedItem]:
        line = raw.strip()
        if not line or line.startswith("```"):
            return []
        if thought := _THOUGHT_RE.match(line):
            self._thought = thought.group(1).strip()
            self._thoughts.append(self._thought)
            return []
        match = _LINE_RE.match(line)
        number, call = (match.group(1), match.group(2)) if match else (None, line)
        try:
            name, args = parse_call(call, self.params_of)
        except ValueError as exc:
            return [self._issue(line, str(exc))]
        if name == "join":
            self.joined = True
            return [Join()]
        if number is None:
            return [self._issue(line, "a task line must start with its number, e.g. `1. ...`")]
        task = Task.make(int(number), name, args, thought=self._thought)
        self._thought = None
        self._tasks.append(task)
        return [task]

    def _issue(self, line: str, reason: str) -> ParseIssue:
        issue = ParseIssue(line, reason)
        self._issues.append(str(issue))
        return issue


def parse_plan(text: str, params_of: ParamsOf = lambda _name: None) -> Plan:
    """Parse a whole plan text at once."""
    parser = PlanParser(params_of=params_of)
    parser.feed(text)
    parser.close()
    return parser.plan()
