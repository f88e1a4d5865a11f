"""Test doubles shipped with compilot so that users' tests and ours are deterministic."""

from compilot.testing.models import (
    FunctionModel,
    RecordedRequest,
    ScriptedModel,
    ScriptExhaustedError,
)

__all__ = ["FunctionModel", "RecordedRequest", "ScriptExhaustedError", "ScriptedModel"]
