"""Capability probe: what one endpoint really supports, asked once and cached.

Local servers differ in ways the planner must adapt to (ARCHITECTURE.md): llama-cpp-python
enforces a JSON schema in ``response_format`` and a GBNF ``grammar``, but returns a tool call
as JSON *text* for ``tool_choice: "auto"`` and structured ``tool_calls`` only when one tool is
forced. Each check below is a tiny request (few tokens, temperature 0) whose answer an
unconstrained model would almost never produce, so a ``True`` means *enforced*, not *lucky*.
Results live in ``<home>/probe/<sha1(api_base + model)>.json``; ``refresh=True`` re-asks.
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from compilot.errors import ModelConnectionError, ModelResponseError, ModelTimeoutError
from compilot.llm._errors import translate
from compilot.llm.client import JsonSchemaStyle, LiteLLMModel
from compilot.llm.endpoint import Endpoint
from compilot.llm.types import ChatModel, GenerationOptions

DEFAULT_CONTEXT_LENGTH = 8192
_ANSWER_SCHEMA: dict[str, Any] = {
    "type": "object", "properties": {"answer": {"type": "integer"}},
    "required": ["answer"], "additionalProperties": False,
}
_YES_NO_GRAMMAR = 'root ::= "yes" | "no"'
_WEATHER_TOOL: dict[str, Any] = {"type": "function", "function": {
    "name": "get_weather", "description": "Current weather of a city.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                   "required": ["city"]}}}


class Capabilities(BaseModel):
    """What an endpoint supports, as measured by :func:`probe`."""

    model_config = ConfigDict(frozen=True)

    model: str
    """The litellm model string probed."""
    api_base: str | None = None
    """The endpoint probed."""
    server: str | None = None
    """Server family when recognisable: ``llama.cpp``, ``llama-cpp-python``, ``vllm``."""
    context_length: int = DEFAULT_CONTEXT_LENGTH
    """Context window in tokens."""
    context_length_source: str = "default"
    """Where ``context_length`` came from: ``props``, ``models`` or ``default``."""
    tool_calls_auto: bool = False
    """Structured ``tool_calls`` come back with ``tool_choice: "auto"``."""
    tool_calls_forced: bool = False
    """Structured ``tool_calls`` come back when one tool is forced."""
    json_schema: bool = False
    """A JSON schema in ``response_format`` is enforced."""
    json_schema_style: JsonSchemaStyle | None = None
    """The ``response_format`` form that worked (:data:`compilot.llm.client.JsonSchemaStyle`)."""
    grammar: bool = False
    """A GBNF ``grammar`` field is enforced."""
    probed_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    """When the probe ran."""

    @property
    def native_tool_calls(self) -> bool:
        """The model can be left to choose tools itself and answers in structured form."""
        return self.tool_calls_auto


def cache_path(home: Path, endpoint: Endpoint) -> Path:
    key = hashlib.sha1(f"{endpoint.api_base or ''}{endpoint.model}".encode()).hexdigest()
    return Path(home) / "probe" / f"{key}.json"


def probe(model: ChatModel, endpoint: Endpoint, home: Path, *, refresh: bool = False,
          default_context_length: int = DEFAULT_CONTEXT_LENGTH) -> Capabilities:
    """The endpoint's capabilities, from the cache unless ``refresh`` or absent.

    Raises :class:`~compilot.errors.ModelConnectionError` / ``ModelTimeoutError`` when the
    endpoint cannot be asked at all; nothing is cached then."""
    path = cache_path(home, endpoint)
    if not refresh:
        cached = _load(path)
        if cached is not None:
            return cached
    server, context, source = _server_info(endpoint, default_context_length)
    style = _json_schema_style(model)
    caps = Capabilities(
        model=endpoint.model, api_base=endpoint.api_base, server=server,
        context_length=context, context_length_source=source,
        tool_calls_auto=_tool_calls(model, "auto"),
        tool_calls_forced=_tool_calls(model, "forced"),
        json_schema=style is not None, json_schema_style=style,
        grammar=_grammar(model))
    _save(path, caps)
    return caps


def _load(path: Path) -> Capabilities | None:
    """A cached result, or None when absent or unreadable (then we simply probe again)."""
    try:
        return Capabilities.model_validate_json(path.read_text(encoding="utf-8"))
    except (OSError, ValidationError, ValueError):
        return None


def _save(path: Path, caps: Capabilities) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(caps.model_dump_json(indent=2), encoding="utf-8")
    os.replace(tmp, path)  # atomic: a concurrent reader never sees half a file


# -- server metadata -------------------------------------------------------------------------
def _server_info(endpoint: Endpoint, default: int) -> tuple[str | None, int, str]:
    """Server family and context length from ``/v1/models`` and llama.cpp's ``/props``."""
    if not endpoint.api_base:
        return None, default, "default"
    base = endpoint.api_base.rstrip("/")
    models = _get_json(f"{base}/models", endpoint)
    root = base[:-3] if base.endswith("/v1") else base
    props = _get_json(f"{root}/props", endpoint)
    entry = _model_entry(models, endpoint.model)
    meta = entry.get("meta") or {}
    n_ctx = (props.get("default_generation_settings") or {}).get("n_ctx") or props.get("n_ctx")
    if isinstance(n_ctx, int) and n_ctx > 0:
        return "llama.cpp", n_ctx, "props"
    for value in (meta.get("n_ctx_train"), entry.get("max_model_len")):
        if isinstance(value, int) and value > 0:
            return _family(entry, props), value, "models"
    return _family(entry, props), default, "default"


def _family(entry: dict[str, Any], props: dict[str, Any]) -> str | None:
    owner = str(entry.get("owned_by") or "")
    if props or owner == "llamacpp" or "n_ctx_train" in (entry.get("meta") or {}):
        return "llama.cpp"
    return {"me": "llama-cpp-python", "vllm": "vllm", "library": "ollama"}.get(owner)


def _model_entry(models: dict[str, Any], model: str) -> dict[str, Any]:
    data = [e for e in models.get("data") or [] if isinstance(e, dict)]
    wanted = model.split("/", 1)[-1]
    for entry in data:
        if entry.get("id") == wanted:
            return entry
    return data[0] if len(data) == 1 else {}


def _get_json(url: str, endpoint: Endpoint) -> dict[str, Any]:
    """GET a JSON object; an error status or non-JSON answer is just "not available"."""
    import httpx

    headers = {"Authorization": f"Bearer {endpoint.api_key}"} if endpoint.api_key else {}
    try:
        response = httpx.get(url, headers=headers, timeout=10.0)
    except httpx.HTTPError as exc:
        raise translate(exc, url=url, timeout_s=10.0) from exc
    if response.status_code != 200:
        return {}
    try:
        value = response.json()
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


# -- generation checks -----------------------------------------------------------------------
def _ask(model: ChatModel, prompt: str, **options: Any) -> Any:
    """One tiny request; a rejected field (HTTP error) means "unsupported", while an
    unreachable or silent endpoint aborts the probe."""
    opts = GenerationOptions(temperature=0.0, max_tokens=options.pop("max_tokens", 32),
                             seed=0, **options)
    try:
        return model.complete(prompt, opts)
    except (ModelConnectionError, ModelTimeoutError):
        raise
    except ModelResponseError:
        return None


def _tool_calls(model: ChatModel, mode: str) -> bool:
    choice: str | dict[str, Any] = "auto" if mode == "auto" else {
        "type": "function", "function": {"name": "get_weather"}}
    answer = _ask(model, "What is the weather in Paris right now? Use the tool.",
                  tools=(_WEATHER_TOOL,), tool_choice=choice, max_tokens=64)
    return bool(answer and answer.tool_calls and answer.tool_calls[0].name == "get_weather")


def _json_schema_style(model: ChatModel) -> JsonSchemaStyle | None:
    """The first wire form under which the schema is obeyed; the prompt asks for prose."""
    candidates: list[tuple[JsonSchemaStyle | None, ChatModel]] = [(None, model)]
    if isinstance(model, LiteLLMModel):
        candidates = [(s, model.with_options(json_schema_style=s))
                      for s in ("json_object", "json_schema")]
    for style, variant in candidates:
        answer = _ask(variant, "Say hello in one friendly sentence.", json_schema=_ANSWER_SCHEMA)
        if answer is not None and _matches_answer_schema(answer.text):
            return style or "json_object"
    return None


def _matches_answer_schema(text: str) -> bool:
    try:
        value = json.loads(text)
    except ValueError:
        return False
    return (isinstance(value, dict) and set(value) == {"answer"}
            and isinstance(value["answer"], int) and not isinstance(value["answer"], bool))


def _grammar(model: ChatModel) -> bool:
    answer = _ask(model, "Write two sentences about the sea.", grammar=_YES_NO_GRAMMAR,
                  max_tokens=8)
    return answer is not None and answer.text.strip() in ("yes", "no")
