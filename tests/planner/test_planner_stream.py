from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from compilot.executor import Executor, TaskStarted
from compilot.llm.types import Completion, GenerationOptions, MessagesLike, StreamEvent
from compilot.planner.ledger import Ledger
from compilot.planner.planner import Planner
from compilot.testing.models import ScriptedModel
from compilot.tools import ToolRegistry, tool


@tool
async def search(country: str) -> int:
    """Look up."""
    return len(country)


REG = ToolRegistry([search])
LINES = ['1. search(country="France")\n', '2. search(country="Spain")\n', "3. join()\n"]


class SlowStream(ScriptedModel):
    """A scripted model whose stream pauses between lines, like a real server."""

    async def astream(self, messages: MessagesLike, options: GenerationOptions | None = None,
                      ) -> AsyncIterator[StreamEvent]:
        completion = await self.acomplete(messages, options)
        for line in completion.text.splitlines(keepends=True):
            await asyncio.sleep(0.05)
            yield StreamEvent(delta=line)
        yield StreamEvent(completion=Completion(text=completion.text))


def test_execution_starts_while_the_plan_is_still_streaming() -> None:
    log: list[str] = []
    model = SlowStream(["".join(LINES)])
    planner = Planner(model, REG)

    async def main() -> None:
        async def tasks():  # type: ignore[no-untyped-def]
            async for task in planner.tasks("q", Ledger()):
                log.append(f"planned {task.id}")
                yield task
            log.append("plan done")

        def on_event(event: object) -> None:
            if isinstance(event, TaskStarted):
                log.append(f"started {event.task.id}")

        await Executor(REG, on_event=on_event).execute(tasks())

    asyncio.run(main())
    assert log.index("started 1") < log.index("planned 2") < log.index("plan done")


def test_grammar_mode_sends_the_grammar_and_parses_text() -> None:
    model = ScriptedModel(["".join(LINES)])
    planner = Planner(model, REG, constrained="grammar")

    async def collect() -> list[int]:
        return [t.id async for t in planner.tasks("q", Ledger())]

    assert asyncio.run(collect()) == [1, 2]
    assert 'call-search ::= "search("' in (model.requests[0].options.grammar or "")
