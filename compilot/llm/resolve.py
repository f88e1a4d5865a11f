"""Turn the configured model source into a callable :class:`Endpoint`.

This is where local models come to life: a ``bundled:`` source is assembled on first use and
served, a ``gguf:`` file is served, an ``openai:`` URL or a litellm string is passed through.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from compilot.errors import ConfigError
from compilot.llm.bundled import ensure_bundled
from compilot.llm.endpoint import Endpoint
from compilot.llm.server import LocalServer, ServerState
from compilot.llm.sources import ModelSource, parse_source

if TYPE_CHECKING:
    from compilot.config import Settings

LOCAL_API_KEY = "sk-local"


def ensure_endpoint(settings: Settings, *, progress: bool = True,
                    server_home: Path | None = None) -> Endpoint:
    """The endpoint for ``settings.model.source``, pulling weights and starting (or reusing)
    the local server as needed. ``server_home`` keeps that server's state apart from the
    home's usual one (default: ``settings.home``), for a caller that restarts a server of its
    own. Raises ModelSourceError / ModelAssemblyError / ServerError."""
    source = parse_source(settings.model.source)
    servers = LocalServer(server_home or settings.home, settings.server)
    if source.kind == "bundled":
        path = ensure_bundled(source.value, settings.home, progress=progress)
        return local_endpoint(servers.ensure(path, alias=source.value), source)
    if source.kind == "gguf":
        return local_endpoint(servers.ensure(source.path, alias=source.path.stem), source)
    if source.kind == "openai":
        return Endpoint(model=f"openai/{_openai_name(settings, source)}", api_base=source.value,
                        api_key=settings.model.api_key or LOCAL_API_KEY, label=source.raw)
    return Endpoint(model=source.value, api_key=settings.model.api_key, label=source.raw)


def local_endpoint(state: ServerState, source: ModelSource | None = None) -> Endpoint:
    """The endpoint of a running llama.cpp server."""
    return Endpoint(model=f"openai/{state.alias}", api_base=state.base_url,
                    api_key=LOCAL_API_KEY, label=source.raw if source else state.alias)


def _openai_name(settings: Settings, source: ModelSource) -> str:
    if not settings.model.name:
        raise ConfigError(
            f"{source.raw} needs the model id to send (model.name)",
            hint="set model.name in compilot.toml, or COMPILOT_MODEL__NAME=<model id> "
                 "(see the server's /v1/models)")
    return settings.model.name
