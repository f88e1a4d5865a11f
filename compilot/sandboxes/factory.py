"""Choose a sandbox from the configuration: Docker by default, local only when allowed."""

from __future__ import annotations

import logging
from pathlib import Path

from compilot.errors import DockerUnavailableError
from compilot.sandboxes.base import Sandbox
from compilot.sandboxes.config import SandboxConfig

log = logging.getLogger(__name__)


def make_sandbox(config: SandboxConfig, *, workspace: Path | None = None) -> Sandbox:
    """A started sandbox holding a copy of ``workspace``.

    ``kind="local"`` gives a LocalSandbox (warning). Otherwise Docker; when the engine is not
    reachable, LocalSandbox only if ``allow_unsandboxed``, else DockerUnavailableError.
    """
    from compilot.sandboxes.local import LocalSandbox

    if config.kind == "local":
        return LocalSandbox(config, workspace=workspace)
    from compilot.sandboxes import engine
    from compilot.sandboxes.docker_sandbox import DockerSandbox

    try:
        engine.client()
    except DockerUnavailableError as exc:
        if not config.allow_unsandboxed:
            raise DockerUnavailableError(
                exc.message + "; pass --allow-unsandboxed to run without isolation",
                hint=exc.hint) from exc
        log.warning("Docker is not reachable (%s); running WITHOUT isolation", exc.message)
        return LocalSandbox(config, workspace=workspace)
    return DockerSandbox(config, workspace=workspace)
