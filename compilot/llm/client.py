"""The litellm-backed :class:`~compilot.llm.types.ChatModel` every other package talks to.

It owns the wire details local servers are picky about (``max_tokens`` always sent, assistant
tool-call turns with ``content: ""``, the schema / grammar fields llama.cpp enforces), the
retry policy (ours, not litellm's or openai's, so there is exactly one), usage and latency
accounting, and the translation of every foreign failure into :mod:`compilot.errors`.
litellm is imported on first use: importing compilot stays cheap and offline.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import TYPE_CHECKING, Any, Literal

from compilot.errors import ModelError
from compilot.llm._errors import (
    backoff_delay,
    gave_up,
    is_model_failure,
    is_retryable,
    translate,
    truncated_error,
)
from compilot.llm.config import ModelConfig
from compilot.llm.endpoint import Endpoint
from compilot.llm.types import (
    Completion,
    GenerationOptions,
    Message,
    MessagesLike,
    StreamEvent,
    ToolCall,
    Usage,
    as_messages,
)

if TYPE_CHECKING:
    from compilot.llm.probe import Capabilities

JsonSchemaStyle = Literal["json_object", "json_schema"]
"""How ``GenerationOptions.json_schema`` goes on the wire: ``json_object`` is
``{"type": "json_object", "schema": S}`` (llama-cpp-python enforces it); ``json_schema`` is
OpenAI's ``{"type": "json_schema", "json_schema": {"name": .., "schema": S}}`` (vLLM, OpenAI)."""

_LOCAL_KEY = "sk-local"  # local servers accept any key; the openai SDK insists on one


def _litellm() -> Any:
    """Import and quieten litellm once, on first use."""
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm

    litellm.suppress_debug_info = True
    litellm.telemetry = False
    litellm.num_retries = 0
    return litellm


def estimate_tokens(text: str) -> int:
    """Stand-in for a tokenizer when the server reports no usage: ~4 characters a token."""
    return max(1, len(text) // 4) if text else 0


class LiteLLMModel:
    """A :class:`ChatModel` for one endpoint: ``LiteLLMModel(endpoint, config)``."""

    def __init__(self, endpoint: Endpoint, config: ModelConfig | None = None, *,
                 capabilities: Capabilities | None = None,
                 json_schema_style: JsonSchemaStyle | None = None,
                 retry_base_delay_s: float = 0.5, retry_max_delay_s: float = 8.0,
                 retry_on_timeout: bool = False) -> None:
        self.endpoint = endpoint
        self.config = config or ModelConfig()
        self.capabilities = capabilities
        style = json_schema_style or (capabilities.json_schema_style if capabilities else None)
        self.json_schema_style: JsonSchemaStyle = style or "json_object"
        self.retry_base_delay_s = retry_base_delay_s
        self.retry_max_delay_s = retry_max_delay_s
        self.retry_on_timeout = retry_on_timeout
        self.name = endpoint.label or endpoint.model

    @property
    def url(self) -> str:
        return self.endpoint.api_base or f"the default {self.endpoint.model} endpoint"

    def with_options(self, **changes: Any) -> LiteLLMModel:
        """A copy with other constructor arguments (e.g. ``capabilities=caps``)."""
        kwargs: dict[str, Any] = {
            "capabilities": self.capabilities, "json_schema_style": self.json_schema_style,
            "retry_base_delay_s": self.retry_base_delay_s,
            "retry_max_delay_s": self.retry_max_delay_s,
            "retry_on_timeout": self.retry_on_timeout}
        if "capabilities" in changes and "json_schema_style" not in changes:
            kwargs["json_schema_style"] = None
        kwargs.update(changes)
        return LiteLLMModel(self.endpoint, self.config, **kwargs)

    # -- request -------------------------------------------------------------------------
    def _timeout(self, opts: GenerationOptions) -> float:
        return opts.timeout_s or self.config.timeout_s

    def request(self, messages: list[Message], opts: GenerationOptions, *,
                stream: bool) -> dict[str, Any]:
        """The keyword arguments of ``litellm.completion`` for this call."""
        temperature = self.config.temperature if opts.temperature is None else opts.temperature
        kw: dict[str, Any] = {
            "model": self.endpoint.model,
            "messages": [m.to_openai() for m in messages],
            "max_tokens": opts.max_tokens or self.config.max_tokens,
            "temperature": temperature,
            "timeout": self._timeout(opts),
            "num_retries": 0, "max_retries": 0,  # ours is the only retry loop
        }
        if self.endpoint.api_base:
            kw["api_base"] = self.endpoint.api_base
        key = self.endpoint.api_key or self.config.api_key
        if key or self.endpoint.api_base:
            kw["api_key"] = key or _LOCAL_KEY
        if stream:
            kw["stream"] = True
            kw["stream_options"] = {"include_usage": True}
        self._add_generation_fields(kw, opts)
        return kw

    def _add_generation_fields(self, kw: dict[str, Any], opts: GenerationOptions) -> None:
        if opts.stop:
            kw["stop"] = list(opts.stop)
        if opts.seed is not None:
            kw["seed"] = opts.seed
        if opts.tools:
            kw["tools"] = list(opts.tools)
            # litellm (1.10x) routes any call with tools through its MCP bridge, which imports
            # the optional `mcp` package and fails without it; plain function tools never
            # need that bridge. The flag is consumed by litellm, not sent to the server.
            kw["_skip_mcp_handler"] = True
        if opts.tool_choice is not None:
            kw["tool_choice"] = opts.tool_choice
        if opts.json_schema is not None:
            kw["response_format"] = self._response_format(opts.json_schema)
        if opts.grammar is not None:
            kw["extra_body"] = {"grammar": opts.grammar}

    def _response_format(self, schema: dict[str, Any]) -> dict[str, Any]:
        if self.json_schema_style == "json_schema":
            name = str(schema.get("title") or "answer")
            return {"type": "json_schema",
                    "json_schema": {"name": name, "schema": schema, "strict": True}}
        return {"type": "json_object", "schema": schema}

    # -- retry ---------------------------------------------------------------------------
    def _call(self, kw: dict[str, Any]) -> Any:
        """``litellm.completion`` with our retry policy; raises only compilot errors."""
        litellm = _litellm()
        attempt = 0
        while True:
            try:
                return litellm.completion(**kw)
            except Exception as exc:  # noqa: BLE001 - translated just below
                if not is_model_failure(exc):
                    raise  # a bug or a broken install, not the endpoint: keep it visible
                cause, err = exc, translate(exc, url=self.url, timeout_s=kw["timeout"])
            if attempt >= self.config.max_retries or not self._retry(err):
                raise gave_up(err, attempt + 1) from cause
            time.sleep(self._delay(attempt))
            attempt += 1

    async def _acall(self, kw: dict[str, Any]) -> Any:
        litellm = _litellm()
        attempt = 0
        while True:
            try:
                return await litellm.acompletion(**kw)
            except Exception as exc:  # noqa: BLE001 - translated just below
                if not is_model_failure(exc):
                    raise  # a bug or a broken install, not the endpoint: keep it visible
                cause, err = exc, translate(exc, url=self.url, timeout_s=kw["timeout"])
            if attempt >= self.config.max_retries or not self._retry(err):
                raise gave_up(err, attempt + 1) from cause
            await asyncio.sleep(self._delay(attempt))
            attempt += 1

    def _retry(self, err: ModelError) -> bool:
        return is_retryable(err, retry_on_timeout=self.retry_on_timeout)

    def _delay(self, attempt: int) -> float:
        return backoff_delay(attempt, base_s=self.retry_base_delay_s,
                             max_s=self.retry_max_delay_s)

    # -- ChatModel -----------------------------------------------------------------------
    def complete(self, messages: MessagesLike, options: GenerationOptions | None = None,
                 ) -> Completion:
        _litellm()  # the first import costs seconds; keep it out of the latency
        msgs, opts = as_messages(messages), options or GenerationOptions()
        started = time.perf_counter()
        response = self._call(self.request(msgs, opts, stream=False))
        return self._parse(response, msgs, time.perf_counter() - started)

    async def acomplete(self, messages: MessagesLike, options: GenerationOptions | None = None,
                        ) -> Completion:
        _litellm()  # the first import costs seconds; keep it out of the latency
        msgs, opts = as_messages(messages), options or GenerationOptions()
        started = time.perf_counter()
        response = await self._acall(self.request(msgs, opts, stream=False))
        return self._parse(response, msgs, time.perf_counter() - started)

    def stream(self, messages: MessagesLike, options: GenerationOptions | None = None,
               ) -> Iterator[StreamEvent]:
        _litellm()  # the first import costs seconds; keep it out of the latency
        msgs, opts = as_messages(messages), options or GenerationOptions()
        kw = self.request(msgs, opts, stream=True)
        acc = _StreamAccumulator(msgs, self.endpoint.model)
        chunks = self._call(kw)
        fail = self._stream_failure(kw["timeout"], acc)
        while True:
            try:
                chunk = next(chunks)
            except StopIteration:
                break
            except Exception as exc:  # noqa: BLE001 - translated
                raise fail(exc) from exc
            delta = acc.add(chunk)
            if delta:
                yield StreamEvent(delta=delta)
        yield StreamEvent(completion=acc.finish(self.url, _server_finished(chunks)))

    async def astream(self, messages: MessagesLike, options: GenerationOptions | None = None,
                      ) -> AsyncIterator[StreamEvent]:
        _litellm()  # the first import costs seconds; keep it out of the latency
        msgs, opts = as_messages(messages), options or GenerationOptions()
        kw = self.request(msgs, opts, stream=True)
        acc = _StreamAccumulator(msgs, self.endpoint.model)
        chunks = (await self._acall(kw)).__aiter__()
        fail = self._stream_failure(kw["timeout"], acc)
        while True:
            try:
                chunk = await chunks.__anext__()
            except StopAsyncIteration:
                break
            except Exception as exc:  # noqa: BLE001 - translated
                raise fail(exc) from exc
            delta = acc.add(chunk)
            if delta:
                yield StreamEvent(delta=delta)
        yield StreamEvent(completion=acc.finish(self.url, _server_finished(chunks)))

    def _stream_failure(self, timeout_s: float, acc: _StreamAccumulator,
                        ) -> Callable[[BaseException], Exception]:
        """Errors while iterating a stream are never retried: part of the answer may
        already be with the caller, and a second answer would not continue the first."""
        return lambda exc: translate(exc, url=self.url, timeout_s=timeout_s,
                                     streaming_started=acc.started)

    def _parse(self, response: Any, msgs: list[Message], latency: float) -> Completion:
        choice = response.choices[0]
        message = choice.message
        text = message.content or ""
        calls = tuple(
            ToolCall(id=c.id or f"call_{i}", name=c.function.name or "",
                     arguments=c.function.arguments or "")
            for i, c in enumerate(getattr(message, "tool_calls", None) or ()))
        usage = _usage(getattr(response, "usage", None), msgs, text, calls, latency, None)
        return Completion(text=text, tool_calls=calls, finish_reason=choice.finish_reason,
                          usage=usage, model=getattr(response, "model", None) or "")


def _usage(reported: Any, msgs: list[Message], text: str, calls: tuple[ToolCall, ...],
           latency: float, ttft: float | None) -> Usage:
    """The server's token counts when it gave them, else an estimate. litellm reports zeros
    when the server sent no usage, so a zero for a non-empty text counts as missing."""
    prompt = getattr(reported, "prompt_tokens", None)
    completion = getattr(reported, "completion_tokens", None)
    if not prompt:
        prompt = sum(estimate_tokens(m.content) for m in msgs)
    if not completion:
        completion = estimate_tokens(text + "".join(c.arguments for c in calls))
    return Usage(prompt_tokens=prompt, completion_tokens=completion, latency_s=latency,
                 ttft_s=ttft)


def _server_finished(chunks: Any) -> bool:
    """Whether the server itself sent a finish reason. litellm's stream wrapper invents
    ``stop`` on a stream that just ends, which would pass a cut-off answer as complete; its
    own record of what the server sent tells them apart (absent: trust the chunks)."""
    names = ("received_finish_reason", "intermittent_finish_reason")
    if not all(hasattr(chunks, n) for n in names):
        return True
    return any(getattr(chunks, n) is not None for n in names)


class _StreamAccumulator:
    """Assembles streamed chunks: text, tool-call pieces by index, finish reason, usage."""

    def __init__(self, msgs: list[Message], model: str) -> None:
        self.msgs = msgs
        self.model = model
        self.started_at = time.perf_counter()
        self.ttft: float | None = None
        self.text: list[str] = []
        self.calls: dict[int, dict[str, str]] = {}
        self.finish_reason: str | None = None
        self.usage: Any = None

    @property
    def started(self) -> bool:
        return self.ttft is not None

    def add(self, chunk: Any) -> str:
        """Take one chunk; return its text delta."""
        self.model = getattr(chunk, "model", None) or self.model
        if getattr(chunk, "usage", None) is not None:
            self.usage = chunk.usage
        if not chunk.choices:
            return ""
        choice = chunk.choices[0]
        self.finish_reason = choice.finish_reason or self.finish_reason
        delta = choice.delta
        text = getattr(delta, "content", None) or ""
        for piece in getattr(delta, "tool_calls", None) or ():
            self._add_call(piece)
        if text:
            self.text.append(text)
        if (text or getattr(delta, "tool_calls", None)) and self.ttft is None:
            self.ttft = time.perf_counter() - self.started_at
        return text

    def _add_call(self, piece: Any) -> None:
        index = getattr(piece, "index", None) or 0
        slot = self.calls.setdefault(index, {"id": "", "name": "", "arguments": ""})
        slot["id"] = slot["id"] or (piece.id or "")
        function = piece.function
        if function is not None:
            slot["name"] += function.name or ""
            slot["arguments"] += function.arguments or ""

    def finish(self, url: str, server_finished: bool = True) -> Completion:
        if self.finish_reason is None or not server_finished:
            raise truncated_error(url)
        text = "".join(self.text)
        calls = tuple(ToolCall(id=c["id"] or f"call_{i}", name=c["name"],
                               arguments=c["arguments"])
                      for i, c in sorted(self.calls.items()))
        latency = time.perf_counter() - self.started_at
        usage = _usage(self.usage, self.msgs, text, calls, latency, self.ttft)
        return Completion(text=text, tool_calls=calls, finish_reason=self.finish_reason,
                          usage=usage, model=self.model)
