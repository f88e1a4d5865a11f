"""Model access: the ChatModel protocol, the litellm client, bundled model weights, the local
llama.cpp server and the capability probe.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from compilot.llm.endpoint import Endpoint
from compilot.llm.types import (
    ChatModel,
    Completion,
    GenerationOptions,
    Message,
    StreamEvent,
    ToolCall,
    Usage,
)

if TYPE_CHECKING:
    from compilot.llm.client import LiteLLMModel
    from compilot.llm.probe import Capabilities, probe

__all__ = [
    "Capabilities", "ChatModel", "Completion", "Endpoint", "GenerationOptions", "LiteLLMModel",
    "Message", "StreamEvent", "ToolCall", "Usage", "probe",
]

# The client and the probe load on first use, so `import compilot.llm` (pulled in by the
# configuration) stays cheap; neither imports litellm before the first model call.
_LAZY = {
    "LiteLLMModel": "compilot.llm.client",
    "Capabilities": "compilot.llm.probe",
    "probe": "compilot.llm.probe",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'compilot.llm' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
