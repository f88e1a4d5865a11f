"""A model source for end-to-end tests of the CLI: ``--model script:/path/to/script.json``.

The file holds a JSON list of replies, or ``{"replies": [...], "delay_s": 0.5, "name": "x"}``.
Replies are served in order by a :class:`~compilot.testing.models.ScriptedModel` (which raises
when they run out); ``delay_s`` makes every call, sync or async, take that long (to test
interruption of a run in flight).
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

from compilot.errors import ModelSourceError
from compilot.llm.types import Completion, GenerationOptions, MessagesLike, StreamEvent
from compilot.testing.models import ScriptedModel

PREFIX = "script:"


def is_script_source(source: str | None) -> bool:
    return bool(source) and str(source).startswith(PREFIX)


class SlowScriptedModel:
    """A :class:`ScriptedModel` whose every call first sleeps ``delay_s`` (also when sync)."""

    def __init__(self, inner: ScriptedModel, delay_s: float) -> None:
        self.inner = inner
        self.delay_s = delay_s
        self.name = inner.name

    @property
    def requests(self) -> list:
        return self.inner.requests

    def complete(self, messages: MessagesLike, options: GenerationOptions | None = None,
                 ) -> Completion:
        time.sleep(self.delay_s)
        return self.inner.complete(messages, options)

    def stream(self, messages: MessagesLike, options: GenerationOptions | None = None,
               ) -> Iterator[StreamEvent]:
        time.sleep(self.delay_s)
        yield from self.inner.stream(messages, options)

    async def acomplete(self, messages: MessagesLike, options: GenerationOptions | None = None,
                        ) -> Completion:
        return await self.inner.acomplete(messages, options)

    async def astream(self, messages: MessagesLike, options: GenerationOptions | None = None,
                      ) -> AsyncIterator[StreamEvent]:
        async for event in self.inner.astream(messages, options):
            yield event


def load_script_model(source: str | Path) -> ScriptedModel | SlowScriptedModel:
    """The model a ``script:PATH`` source (or a bare path) describes."""
    text = str(source)
    path = Path(text[len(PREFIX):] if text.startswith(PREFIX) else text).expanduser()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelSourceError(f"cannot read the model script {path}: {exc}",
                               hint='write a JSON list of replies, e.g. ["first", "second"]'
                               ) from exc
    spec = {"replies": data} if isinstance(data, list) else data
    replies = spec.get("replies") if isinstance(spec, dict) else None
    if not isinstance(replies, list) or not all(isinstance(r, str) for r in replies):
        raise ModelSourceError(f"{path} must hold a list of reply strings (or "
                               '{"replies": [...]})')
    delay = float(spec.get("delay_s", 0.0))  # type: ignore[arg-type]
    model = ScriptedModel(list(replies), name=str(spec.get("name", "scripted")),
                          delay_s=delay)
    return SlowScriptedModel(model, delay) if delay > 0 else model
