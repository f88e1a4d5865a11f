"""Model access: the ChatModel protocol, the litellm client, bundled model weights, the local
llama.cpp server and the capability probe.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from compilot._lazy import lazy_exports
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


__getattr__, __dir__ = lazy_exports(__name__, _LAZY, globals())
