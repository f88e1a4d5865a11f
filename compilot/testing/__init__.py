"""Test doubles shipped with compilot so that users' tests and ours are deterministic."""

from compilot.testing.fake_server import (
    FakeOpenAIServer,
    FakeReply,
    FakeToolCall,
    http_error,
    llama_cpp_like,
    permissive,
    text,
    tool_calls,
)
from compilot.testing.models import (
    FunctionModel,
    RecordedRequest,
    ScriptedModel,
    ScriptExhaustedError,
)

__all__ = [
    "FakeOpenAIServer", "FakeReply", "FakeToolCall", "FunctionModel", "RecordedRequest",
    "ScriptExhaustedError", "ScriptedModel", "http_error", "llama_cpp_like", "permissive",
    "text", "tool_calls",
]
