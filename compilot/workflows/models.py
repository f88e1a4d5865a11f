"""SDK entry point for model access: configuration -> weights -> server -> ChatModel."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from compilot.config import Settings, load_settings

if TYPE_CHECKING:
    from compilot.llm.client import LiteLLMModel


def open_model(settings: Settings | None = None, *, progress: bool = True,
               **overrides: Any) -> LiteLLMModel:
    """A ready :class:`ChatModel` for the configured source.

    For ``bundled:`` and ``gguf:`` sources this assembles the weights if needed and starts
    (or reuses) the local llama.cpp server; other sources are only resolved, not contacted.
    """
    from compilot.llm.client import LiteLLMModel
    from compilot.llm.resolve import ensure_endpoint

    settings = settings or load_settings(**overrides)
    endpoint = ensure_endpoint(settings, progress=progress)
    return LiteLLMModel(endpoint, settings.model)
