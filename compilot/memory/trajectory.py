"""Trajectories: one JSONL line per model call and per tool call of an agent run.

:class:`TrajectoryRecorder` appends events to a file (thread-safe, flushed per line, so a
killed run keeps everything up to the kill). :class:`RecordingModel` wraps any
:class:`~compilot.llm.types.ChatModel` by delegation and records each call's messages digest,
tokens and latency; it also enforces the run's call and token budgets before each call.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from compilot.llm.types import (
    ChatModel,
    Completion,
    GenerationOptions,
    MessagesLike,
    StreamEvent,
    as_messages,
)


class BudgetExhausted(Exception):  # noqa: N818 - a stop signal, not a user error
    """The run's model-call or token budget is spent; the agent stops and reports."""


@dataclass
class TrajectoryRecorder:
    """Appends events to ``path`` as JSON lines and keeps running totals."""

    path: Path
    model_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    tool_calls: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        self.path = Path(self.path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text("", encoding="utf-8")

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def event(self, kind: str, **data: Any) -> None:
        line = json.dumps({"type": kind, "time": time.time(), **data}, default=str)
        with self._lock, self.path.open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")

    def model_call(self, *, model: str, step: str, messages: MessagesLike,
                   options: GenerationOptions, completion: Completion | None,
                   latency_s: float, error: str | None = None) -> None:
        msgs = as_messages(messages)
        usage = completion.usage if completion is not None else None
        with self._lock:
            self.model_calls += 1
            if usage is not None:
                self.prompt_tokens += usage.prompt_tokens
                self.completion_tokens += usage.completion_tokens
        digest = hashlib.sha256(json.dumps([m.to_openai() for m in msgs]).encode()).hexdigest()
        self.event("model_call", model=model, step=step, messages=len(msgs),
                   messages_sha256=digest[:16], last_message=msgs[-1].content[:2000] if msgs
                   else "", temperature=options.temperature, constrained=bool(
                       options.json_schema or options.grammar),
                   prompt_tokens=usage.prompt_tokens if usage else 0,
                   completion_tokens=usage.completion_tokens if usage else 0,
                   latency_s=round(latency_s, 4),
                   output=completion.text[:4000] if completion else None, error=error)

    @contextmanager
    def tool(self, name: str, args: Mapping[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        """Record one tool call; the body may put a short ``result`` into the yielded dict."""
        info: dict[str, Any] = {}
        start = time.perf_counter()
        ok, error = True, None
        try:
            yield info
        except BaseException as exc:
            ok, error = False, repr(exc)
            raise
        finally:
            with self._lock:
                self.tool_calls += 1
            self.event("tool_call", name=name, args=dict(args or {}),
                       duration_s=round(time.perf_counter() - start, 4),
                       ok=ok and info.get("ok", True), error=error,
                       result=info.get("result"))


@dataclass(frozen=True)
class Budget:
    """Limits on model use; ``None`` means unlimited."""

    max_calls: int | None = None
    max_tokens: int | None = None
    deadline: float | None = None
    """``time.monotonic()`` after which no new call starts (the run's wall-time limit)."""


class RecordingModel:
    """A :class:`ChatModel` that delegates to ``inner`` and records every call.

    ``step`` names the agent step the next calls belong to (set by the agent)."""

    def __init__(self, inner: ChatModel, recorder: TrajectoryRecorder,
                 budget: Budget | None = None) -> None:
        self.inner = inner
        self.recorder = recorder
        self.budget = budget or Budget()
        self.name = inner.name
        self.step = "model"

    def _check(self) -> None:
        b, r = self.budget, self.recorder
        if b.max_calls is not None and r.model_calls >= b.max_calls:
            raise BudgetExhausted(f"model-call budget of {b.max_calls} spent")
        if b.max_tokens is not None and r.total_tokens >= b.max_tokens:
            raise BudgetExhausted(f"token budget of {b.max_tokens} spent")
        if b.deadline is not None and time.monotonic() >= b.deadline:
            raise BudgetExhausted("wall-time limit reached")

    def _record(self, messages: MessagesLike, options: GenerationOptions | None,
                completion: Completion | None, start: float, error: str | None) -> None:
        self.recorder.model_call(model=self.name, step=self.step, messages=messages,
                                 options=options or GenerationOptions(),
                                 completion=completion,
                                 latency_s=time.perf_counter() - start, error=error)

    def complete(self, messages: MessagesLike, options: GenerationOptions | None = None,
                 ) -> Completion:
        self._check()
        start = time.perf_counter()
        try:
            completion = self.inner.complete(messages, options)
        except Exception as exc:
            self._record(messages, options, None, start, repr(exc))
            raise
        self._record(messages, options, completion, start, None)
        return completion

    async def acomplete(self, messages: MessagesLike, options: GenerationOptions | None = None,
                        ) -> Completion:
        self._check()
        start = time.perf_counter()
        try:
            completion = await self.inner.acomplete(messages, options)
        except Exception as exc:
            self._record(messages, options, None, start, repr(exc))
            raise
        self._record(messages, options, completion, start, None)
        return completion

    def stream(self, messages: MessagesLike, options: GenerationOptions | None = None,
               ) -> Iterator[StreamEvent]:
        self._check()
        start = time.perf_counter()
        for event in self.inner.stream(messages, options):
            if event.completion is not None:
                self._record(messages, options, event.completion, start, None)
            yield event

    async def astream(self, messages: MessagesLike, options: GenerationOptions | None = None,
                      ) -> AsyncIterator[StreamEvent]:
        self._check()
        start = time.perf_counter()
        async for event in self.inner.astream(messages, options):
            if event.completion is not None:
                self._record(messages, options, event.completion, start, None)
            yield event
