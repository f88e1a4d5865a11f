"""Constrained plan output for small local models, generated from the tool registry.

Two forms, chosen where the server's capability probe allows them:

* ``json``: a JSON schema whose task items are one ``anyOf`` branch per tool - the tool name is
  an enum of one, arguments are typed, and any argument may instead be a reference string
  matching ``$N`` / ``$N.field``, or a list of values where the tool takes one (the call is
  mapped over them). ``parse_json_plan`` turns the answer into a :class:`Plan`.
* ``grammar``: a GBNF grammar of the text plan language with the same typing, so the streaming
  parser (and early dispatch) works unchanged.
"""

from __future__ import annotations

import json
import re
from typing import Any

from compilot.planner.plan import WHOLE_REF_JSON_PATTERN, Plan, Task
from compilot.tools.registry import ToolRegistry
from compilot.tools.tool import Tool, accepts_list

_REF_SCHEMA = {"type": "string", "pattern": WHOLE_REF_JSON_PATTERN}


def _tool_item_schema(t: Tool, defs: dict[str, Any]) -> dict[str, Any]:
    schema = t.json_schema()
    defs.update(schema.get("$defs", {}))
    props = {name: {"anyOf": _alternatives(_strip_title(prop))}
             for name, prop in schema.get("properties", {}).items()}
    args = {"type": "object", "properties": props, "required": schema.get("required", []),
            "additionalProperties": False}
    return {"type": "object",
            "properties": {"id": {"type": "integer", "minimum": 1},
                           "tool": {"type": "string", "enum": [t.name]}, "args": args},
            "required": ["id", "tool", "args"], "additionalProperties": False}


def _alternatives(prop: dict[str, Any]) -> list[dict[str, Any]]:
    """A value, a reference, or - where the tool takes one value - a list of values to map
    the call over (:mod:`compilot.executor.fanout`)."""
    if accepts_list(prop):
        return [prop, _REF_SCHEMA]
    return [prop, _REF_SCHEMA, {"type": "array", "items": prop, "minItems": 1}]


def _strip_title(prop: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in prop.items() if k != "title"}


def plan_json_schema(registry: ToolRegistry, max_tasks: int = 20) -> dict[str, Any]:
    """The JSON schema of a whole plan (``thought`` then ``tasks``; the end is the join)."""
    defs: dict[str, Any] = {}
    items = [_tool_item_schema(t, defs) for t in registry]
    schema: dict[str, Any] = {
        "type": "object",
        "properties": {"thought": {"type": "string"},
                       "tasks": {"type": "array", "items": {"anyOf": items},
                                 "maxItems": max_tasks}},
        "required": ["thought", "tasks"], "additionalProperties": False}
    if defs:
        schema["$defs"] = defs
    return schema


def parse_json_plan(text: str) -> Plan:
    """A :class:`Plan` from a JSON plan answer; anything unreadable becomes an issue."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return Plan(issues=(f"the plan is not valid JSON ({exc.msg} at char {exc.pos})",),
                    text=text)
    if not isinstance(data, dict) or not isinstance(data.get("tasks"), list):
        return Plan(issues=("the plan must be an object with a `tasks` list",), text=text)
    tasks, issues = [], []
    for i, item in enumerate(data["tasks"], 1):
        if (isinstance(item, dict) and isinstance(item.get("id"), int)
                and isinstance(item.get("tool"), str) and isinstance(item.get("args", {}), dict)):
            tasks.append(Task.make(item["id"], item["tool"], item.get("args", {})))
        else:
            issues.append(f"task item {i} {json.dumps(item)[:200]}: needs integer `id`, "
                          "string `tool` and object `args`")
    thought = data.get("thought")
    return Plan(tasks=tuple(tasks), has_join=True, issues=tuple(issues),
                thoughts=(thought,) if isinstance(thought, str) and thought else (), text=text)


_GBNF_COMMON = r'''
ws ::= [ ]?
string ::= "\"" ( [^"\\\n] | "\\" ["\\nt] )* "\""
integer ::= "-"? [0-9]+
number ::= "-"? [0-9]+ ( "." [0-9]+ )?
boolean ::= "True" | "False"
ref ::= "$" [1-9] [0-9]* ( "." [a-zA-Z_] [a-zA-Z0-9_]* )*
value ::= string | number | boolean | "None" | list
list ::= "[" ws ( value ( "," ws value )* )? "]"
thought ::= "Thought: " [^\n]* "\n"
num ::= [1-9] [0-9]*
'''


def _gbnf_value(prop: dict[str, Any]) -> str:
    if "enum" in prop:
        return " | ".join(json.dumps(json.dumps(v)) for v in prop["enum"])
    kind = prop.get("type")
    if "anyOf" in prop:
        return " | ".join(f"( {_gbnf_value(p)} )" for p in prop["anyOf"])
    return {"string": "string", "integer": "integer", "number": "number",
            "boolean": "boolean", "array": "list", "null": '"None"'}.get(str(kind), "value")


def _rule_name(name: str) -> str:
    return "call-" + re.sub(r"[^a-zA-Z0-9]", "-", name)


def call_rules(registry: ToolRegistry, *, refs: bool = True, lists: bool = True) -> list[str]:
    """GBNF rules ``call ::= ...`` and one per tool, with typed arguments; each argument may
    also be a reference (``refs``) or, where the tool takes one value, a list of values to map
    the call over (``lists``). The grammar's common rules (:func:`gbnf`) complete them."""
    rules = ["call ::= " + (" | ".join(_rule_name(t.name) for t in registry) or '"none()"')]
    for t in registry:
        schema = t.json_schema()
        props, required = schema.get("properties", {}), set(schema.get("required", []))
        parts: list[str] = []
        for i, name in enumerate(t.params):
            sep = '", " ' if i else ""
            prop = props.get(name, {})
            value = _gbnf_value(prop)
            if lists and not accepts_list(prop):
                value += f' | "[" ws ( {value} ) ( "," ws ( {value} ) )* "]"'
            if refs:
                value = f"ref | {value}"
            arg = f'{sep}"{name}=" ( {value} )'
            parts.append(arg if name in required else f"( {arg} )?")
        rules.append(f'{_rule_name(t.name)} ::= "{t.name}(" {" ".join(parts)} ")"')
    return rules


def gbnf(rules: list[str]) -> str:
    """A whole grammar: ``rules`` (with ``root``) and the common value rules."""
    return "\n".join(rules) + _GBNF_COMMON


def plan_grammar(registry: ToolRegistry) -> str:
    """A GBNF grammar of the text plan language for ``registry``'s tools."""
    return gbnf(["root ::= thought? ( thought? task )* num \". join()\" \"\\n\"?",
                 "task ::= num \". \" call \"\\n\"", *call_rules(registry)])
