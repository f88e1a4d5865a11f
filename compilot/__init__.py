"""compilot: LLM agents that write, debug and fix code.

The SDK surface is ``__all__``; names are imported lazily so that ``import compilot`` stays
cheap and side-effect free (no network, no model load, no config read).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from compilot._lazy import lazy_exports

# litellm fetches a cost map over the network at import unless told not to; compilot runs
# offline against local servers.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

__version__ = "0.1.0"

_EXPORTS: dict[str, str] = {
    "Settings": "compilot.config",
    "load_settings": "compilot.config",
    "open_model": "compilot.workflows.models",
    "run": "compilot.workflows.run",
    "arun": "compilot.workflows.run",
    "astream": "compilot.workflows.run",
    "RunResult": "compilot.workflows.run",
    "Trace": "compilot.workflows.run",
    "fix": "compilot.workflows.fix",
    "FixResult": "compilot.workflows.fix",
    "FixLimits": "compilot.workflows.fix",
    "ChatModel": "compilot.llm.types",
    "Message": "compilot.llm.types",
    "ToolCall": "compilot.llm.types",
    "Usage": "compilot.llm.types",
    "Completion": "compilot.llm.types",
    "StreamEvent": "compilot.llm.types",
    "GenerationOptions": "compilot.llm.types",
    "Endpoint": "compilot.llm.endpoint",
    "ComPilotError": "compilot.errors",
    "ConfigError": "compilot.errors",
    "ModelError": "compilot.errors",
    "SandboxError": "compilot.errors",
}

__all__ = [  # noqa: RUF022 - grouped by concern, pinned by tests/test_public_api.py
    "Settings", "load_settings", "open_model",
    "run", "arun", "astream", "RunResult", "Trace",
    "fix", "FixResult", "FixLimits",
    "ChatModel", "Message", "ToolCall", "Usage", "Completion", "StreamEvent",
    "GenerationOptions", "Endpoint",
    "ComPilotError", "ConfigError", "ModelError", "SandboxError",
    "__version__",
]


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())


if TYPE_CHECKING:
    from compilot.config import Settings, load_settings
    from compilot.errors import ComPilotError, ConfigError, ModelError, SandboxError
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
    from compilot.workflows.fix import FixLimits, FixResult, fix
    from compilot.workflows.models import open_model
    from compilot.workflows.run import RunResult, Trace, arun, astream, run
