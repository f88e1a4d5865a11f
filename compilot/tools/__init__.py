"""Tool registry (typed Python functions -> JSON schema) and built-in tools.

``@tool`` turns a typed function into a :class:`Tool`; a :class:`ToolRegistry` holds the
tools one run may call.
"""

from __future__ import annotations

from compilot.tools.registry import ToolRegistry, UnknownToolError, as_registry, load_tools
from compilot.tools.tool import Tool, ToolReturnError, tool

__all__ = ["Tool", "ToolRegistry", "ToolReturnError", "UnknownToolError", "as_registry",
           "load_tools", "tool"]
