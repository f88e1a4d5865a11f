"""An OpenAI-compatible endpoint, resolved from a model source (see :mod:`compilot.llm.sources`)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Endpoint(BaseModel):
    """Everything needed to call one model through litellm."""

    model_config = ConfigDict(frozen=True)

    model: str
    """litellm model string, e.g. ``openai/qwen2.5-coder-1.5b`` or ``ollama/qwen2.5-coder``."""
    api_base: str | None = None
    """Base URL of the server (``http://127.0.0.1:8080/v1``); None for litellm defaults."""
    api_key: str | None = None
    """Key sent to the endpoint; local servers accept any."""
    label: str = ""
    """The source the user asked for (``bundled:qwen2.5-coder-1.5b``), for messages and logs."""
