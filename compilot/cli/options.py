"""Option declarations shared by several commands, so flags read the same everywhere."""

from __future__ import annotations

from typing import Annotated

import typer

ModelOpt = Annotated[
    str | None,
    typer.Option("--model", "-m", help="Model source: bundled:NAME, gguf:PATH, "
                 "openai:URL (with --model-name), or a litellm model string."),
]
ModelNameOpt = Annotated[
    str | None, typer.Option("--model-name", help="Model id sent to an openai: endpoint."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document for machines.")]


def model_overrides(model: str | None, model_name: str | None = None) -> dict[str, object]:
    """CLI flags as a nested override dict for :func:`compilot.config.load_settings`."""
    return {"model": {"source": model, "name": model_name}}
