"""Typed errors the *user* must fix (no server, Docker down, bad config).

Errors the model can fix (a bad plan line, an unknown tool, a failed edit match) are never
raised as these: they become feedback text sent back to the model. Every error here says what
happened and, where one exists, the exact command that fixes it (``hint``). Foreign exceptions
(litellm, docker, httpx) are translated at the boundary with ``raise ... from exc``.
"""

from __future__ import annotations


class ComPilotError(Exception):
    """Base class of every error compilot raises on purpose."""

    exit_code: int = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message}\n  fix: {self.hint}"
        return self.message


class ConfigError(ComPilotError):
    """A configuration file, variable or flag holds an invalid value."""

    exit_code = 2


class ModelSourceError(ComPilotError):
    """A model reference cannot be resolved (unknown name, missing file)."""

    exit_code = 2


class ModelAssemblyError(ComPilotError):
    """Downloading or assembling bundled weights failed (missing chunk, hash mismatch)."""


class ServerError(ComPilotError):
    """The local model server could not be started, reached or stopped."""


class ModelError(ComPilotError):
    """A model call failed (connection, timeout, HTTP error, malformed response)."""


class ModelConnectionError(ModelError):
    """The model endpoint could not be reached."""


class ModelTimeoutError(ModelError):
    """A model call exceeded its timeout."""


class ModelResponseError(ModelError):
    """The endpoint answered with an error status or a malformed response."""

    def __init__(self, message: str, *, status: int | None = None, hint: str | None = None):
        super().__init__(message, hint=hint)
        self.status = status


class SandboxError(ComPilotError):
    """A sandbox could not be created, used or cleaned up (not a failing command)."""


class DockerUnavailableError(SandboxError):
    """The Docker engine is not reachable."""


class SandboxImageMissingError(SandboxError):
    """The sandbox image has not been built."""


class ToolError(ComPilotError):
    """A tool could not be defined, loaded or found (bad ``--tools`` spec, bad signature)."""

    exit_code = 2


class PlanError(ComPilotError):
    """The model's plan stayed invalid after its one targeted repair request.

    The message names every remaining problem (unknown tool, bad arguments, bad reference,
    cycle, duplicate id, missing ``join()``, unparsable line)."""

    def __init__(self, message: str, *, problems: tuple[str, ...] = (),
                 hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.problems = problems


class ExecutionError(ComPilotError):
    """A plan run failed under the ``fail`` policy, or exceeded its deadline."""

    def __init__(self, message: str, *, task_id: int | None = None,
                 hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.task_id = task_id


class RepositoryError(ComPilotError):
    """The repository to fix is not usable (not a git work tree, no commit, unknown commit,
    or ``--apply`` would overwrite uncommitted changes)."""

    exit_code = 2
