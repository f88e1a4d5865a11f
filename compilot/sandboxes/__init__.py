"""Sandboxes that run generated code: the Sandbox protocol, DockerSandbox (default) and
LocalSandbox (no isolation, loud warning).

Importing this package does not import the docker SDK; the implementations load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from compilot._lazy import lazy_exports
from compilot.sandboxes.base import Changes, ExecResult, Sandbox
from compilot.sandboxes.config import SandboxConfig
from compilot.sandboxes.factory import make_sandbox

if TYPE_CHECKING:
    from compilot.sandboxes.docker_sandbox import DockerSandbox
    from compilot.sandboxes.local import LocalSandbox
    from compilot.sandboxes.pool import SandboxPool

__all__ = ["Changes", "DockerSandbox", "ExecResult", "LocalSandbox", "Sandbox", "SandboxConfig",
           "SandboxPool", "make_sandbox"]

_LAZY = {
    "DockerSandbox": "compilot.sandboxes.docker_sandbox",
    "LocalSandbox": "compilot.sandboxes.local",
    "SandboxPool": "compilot.sandboxes.pool",
}


__getattr__, __dir__ = lazy_exports(__name__, _LAZY, globals())
