"""Configuration of model access and of the local model server."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ModelConfig(BaseModel):
    """Which model to use and how to call it."""

    model_config = ConfigDict(extra="forbid")

    source: str = "bundled:qwen2.5-coder-1.5b"
    """`bundled:NAME`, `gguf:/path/file.gguf`, `openai:http://host:port/v1`, or a litellm
    model string such as `ollama/qwen2.5-coder`."""
    name: str | None = None
    """Model name sent to an `openai:` endpoint (e.g. the vLLM or Ollama model id)."""
    api_key: str | None = None
    """API key for remote endpoints; local servers need none."""
    timeout_s: float = Field(default=600.0, gt=0)
    """Per-call timeout in seconds."""
    max_retries: int = Field(default=3, ge=0, le=20)
    """Retries on connection errors and HTTP 5xx, with exponential backoff."""
    temperature: float = Field(default=0.0, ge=0.0, le=2.0)
    """Default sampling temperature."""
    max_tokens: int = Field(default=1024, gt=0)
    """Default cap on generated tokens per call."""


class ServerConfig(BaseModel):
    """The llama.cpp server compilot starts for `bundled:` and `gguf:` models."""

    model_config = ConfigDict(extra="forbid")

    host: str = "127.0.0.1"
    """Interface to bind; loopback unless you mean to expose the model."""
    port: int = Field(default=0, ge=0, le=65535)
    """Port to bind; 0 picks a free one."""
    n_ctx: int = Field(default=8192, ge=512)
    """Context window in tokens."""
    n_threads: int | None = Field(default=None, ge=1)
    """CPU threads for generation; default: all cores."""
    n_gpu_layers: int = 0
    """Layers to offload to a GPU (-1: all) when llama-cpp-python was built with GPU support."""
    draft_tokens: int = Field(default=16, ge=0, le=64)
    """Speculative decoding by prompt lookup: at most this many tokens guessed per step by
    copying what followed the latest earlier occurrence of the context's last few tokens
    (0: off). Code repairs, which copy most of the program they fix, decode about twice as
    fast on a CPU; answers that copy little cost about the same. Batched checking rounds
    differently, so a greedy answer can differ from the unguessed one at near-ties."""
    prompt_cache_mb: int = Field(default=2048, ge=0)
    """Evaluated prompts kept in RAM (model state after each answer, newest first; 0: off).
    A request resumes from the kept prompt sharing its longest prefix, so callers that
    alternate prompts (a planner and a joiner, two agents on one server) read only what is
    new instead of everything after the last request's common prefix. About 30 MB per
    1,000 tokens for the bundled 1.5B model."""
    repeatable: bool = False
    """Every request reads its whole prompt: no state of an earlier request is resumed (the
    prompt cache above is off). Answers then depend on the request alone, bit for bit;
    otherwise a prompt read from another starting point rounds differently, and a greedy
    answer at a near-tie can differ. Costs reading shared prefixes again; for benchmark runs
    that must repeat when resumed, reordered or run beside others."""
    startup_timeout_s: float = Field(default=180.0, gt=0)
    """How long to wait for the server to answer before giving up."""
