"""The set of tools one run may use, looked up by name.

Unknown names never fail silently: the lookup error lists the available tools, and the
planner's validator turns it into feedback text for the model. ``load_tools`` resolves the
CLI's ``package.module:name`` specs lazily.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from compilot.errors import ToolError
from compilot.tools.tool import Tool, tool


class UnknownToolError(KeyError):
    """A plan named a tool that is not registered (model-fixable: becomes feedback)."""

    def __init__(self, name: str, available: Iterable[str]) -> None:
        self.name = name
        self.available = tuple(available)
        super().__init__(name)

    def __str__(self) -> str:
        return (f"unknown tool {self.name!r}; available tools: "
                f"{', '.join(self.available) or '(none)'}")


class ToolRegistry:
    """An ordered name -> :class:`Tool` mapping. Plain functions are wrapped with ``@tool``."""

    def __init__(self, tools: Iterable[Tool | Callable[..., Any]] = ()) -> None:
        self._tools: dict[str, Tool] = {}
        for item in tools:
            self.register(item)

    def register(self, item: Tool | Callable[..., Any]) -> Tool:
        t = item if isinstance(item, Tool) else tool(item)
        if t.name == "join":
            raise ToolError("a tool may not be called 'join': the plan language reserves it")
        if t.name in self._tools and self._tools[t.name] is not t:
            raise ToolError(f"two different tools are both named {t.name!r}",
                            hint="pass name=... to @tool to tell them apart")
        self._tools[t.name] = t
        return t

    def get(self, name: str) -> Tool:
        try:
            return self._tools[name]
        except KeyError:
            raise UnknownToolError(name, self._tools) from None

    def names(self) -> tuple[str, ...]:
        return tuple(self._tools)

    def __contains__(self, name: object) -> bool:
        return name in self._tools

    def __iter__(self) -> Iterator[Tool]:
        return iter(self._tools.values())

    def __len__(self) -> int:
        return len(self._tools)

    def describe(self) -> str:
        """One block per tool, as the planner prompt lists them."""
        lines = []
        for i, t in enumerate(self, 1):
            flag = " [side effects]" if t.side_effects else ""
            lines.append(f"{i}. {t.signature_text()}{flag}\n   {t.description}")
        return "\n".join(lines)


def as_registry(tools: ToolRegistry | Iterable[Tool | Callable[..., Any]]) -> ToolRegistry:
    return tools if isinstance(tools, ToolRegistry) else ToolRegistry(tools)


def load_tools(spec: str) -> list[Tool]:
    """Resolve ``package.module:name``; the object may be a Tool, a function, a
    ToolRegistry or a list of those."""
    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        raise ToolError(f"bad tool spec {spec!r}", hint="use --tools package.module:name")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ToolError(f"cannot import {module_name!r} for tool spec {spec!r}: {exc}",
                        hint="check the module is importable: "
                             f"python -c 'import {module_name}'") from exc
    try:
        obj = getattr(module, attr)
    except AttributeError:
        public = [n for n in vars(module) if not n.startswith("_")]
        raise ToolError(f"{module_name!r} has no attribute {attr!r}; it defines: "
                        f"{', '.join(public[:30])}") from None
    items = list(obj) if isinstance(obj, list | tuple | ToolRegistry) else [obj]
    return [ToolRegistry([i]).get(i.name if isinstance(i, Tool) else i.__name__)
            for i in items]
