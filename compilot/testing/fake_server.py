"""A fake OpenAI-compatible HTTP server for tests of the real client stack.

Tests of :mod:`compilot.llm.client` go through real HTTP (litellm -> openai -> httpx -> a
socket) so that retries, timeouts, SSE parsing and error translation are exercised exactly as
against llama.cpp. The server answers from a script of :class:`FakeReply` items (or a
``responder`` function of the request body), records every JSON body it receives, and, like
:class:`~compilot.testing.ScriptedModel`, answers HTTP 500 and records the fact when its
script runs out, so a runaway caller is noticed rather than fed forever.

Streams use chunked transfer encoding, as uvicorn does: a "crash" closes the socket in the
middle of the body, which clients see as a broken stream, not as a normal end.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = [
    "FakeOpenAIServer", "FakeReply", "FakeToolCall", "http_error", "llama_cpp_like",
    "permissive", "text", "tool_calls",
]


@dataclass(frozen=True)
class FakeToolCall:
    """One tool call the fake model asks for."""

    name: str
    arguments: dict[str, Any] | str = field(default_factory=dict)
    id: str = ""

    def wire(self, index: int) -> dict[str, Any]:
        args = self.arguments if isinstance(self.arguments, str) else json.dumps(self.arguments)
        return {"id": self.id or f"call_{index}", "type": "function",
                "function": {"name": self.name, "arguments": args}}


@dataclass(frozen=True)
class FakeReply:
    """One scripted answer; served as JSON or as SSE depending on the request's ``stream``."""

    text: str = ""
    tool_calls: tuple[FakeToolCall, ...] = ()
    status: int = 200
    """Non-200: answer this HTTP error with ``error_body`` instead of a completion."""
    error_body: str = ""
    delay_s: float = 0.0
    """Sleep before sending the response headers (to provoke client timeouts)."""
    chunk_delay_s: float = 0.0
    """Sleep before each streamed chunk."""
    crash_after_chunks: int | None = None
    """Streaming only: close the socket after this many SSE events, without ``[DONE]``."""
    usage: bool = True
    """Report token usage (in the body, or as the final chunk when the client asked for it)."""
    prompt_tokens: int = 7
    completion_tokens: int | None = None
    """Default: one per 4 characters of the answer."""
    chunk_size: int = 4
    finish_reason: str | None = None
    """Default: ``tool_calls`` when there are tool calls, else ``stop``."""
    truncate: bool = False
    """Streaming only: end the stream cleanly but without a finish reason (a buggy server)."""

    @property
    def finish(self) -> str:
        return self.finish_reason or ("tool_calls" if self.tool_calls else "stop")

    @property
    def n_completion(self) -> int:
        if self.completion_tokens is not None:
            return self.completion_tokens
        size = len(self.text) + sum(len(json.dumps(c.arguments)) for c in self.tool_calls)
        return max(1, size // 4)


Reply = FakeReply | str
Responder = Callable[[dict[str, Any]], Reply]


def text(content: str, **kwargs: Any) -> FakeReply:
    """A plain text answer."""
    return FakeReply(text=content, **kwargs)


def tool_calls(*calls: FakeToolCall | tuple[str, dict[str, Any]], **kwargs: Any) -> FakeReply:
    """An answer made of native ``tool_calls``."""
    made = tuple(c if isinstance(c, FakeToolCall) else FakeToolCall(*c) for c in calls)
    return FakeReply(tool_calls=made, **kwargs)


def http_error(status: int, body: str = "", **kwargs: Any) -> FakeReply:
    """An HTTP error answer; the body defaults to an OpenAI-style error object."""
    body = body or json.dumps({"error": {"message": f"fake error {status}", "code": status}})
    return FakeReply(status=status, error_body=body, **kwargs)


class FakeOpenAIServer:
    """``with FakeOpenAIServer([text("hi")]) as srv: ... srv.base_url ... srv.requests``."""

    def __init__(self, script: Iterable[Reply] = (), *, responder: Responder | None = None,
                 model: str = "fake-model", owned_by: str = "fake",
                 models_meta: dict[str, Any] | None = None,
                 props: dict[str, Any] | None = None) -> None:
        self._script: deque[Reply] = deque(script)
        self._responder = responder
        self.model = model
        self.owned_by = owned_by
        """``owned_by`` of the ``/v1/models`` entry (llama-cpp-python says ``me``)."""
        self.models_meta = models_meta
        """Added as ``meta`` to the ``/v1/models`` entry (llama.cpp reports ``n_ctx_train``)."""
        self.props = props
        """Answer of ``GET /props`` (llama.cpp's server reports ``n_ctx``); None: 404."""
        self.requests: list[dict[str, Any]] = []
        self.paths: list[str] = []
        self.exhausted: list[dict[str, Any]] = []
        """Bodies that arrived after the script ran out (answered HTTP 500)."""
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------------------
    def start(self) -> FakeOpenAIServer:
        handler = type("_BoundHandler", (_Handler,), {"fake": self})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeOpenAIServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("FakeOpenAIServer is not started; use it as a context manager")
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    # -- script --------------------------------------------------------------------------
    def add(self, *replies: Reply) -> None:
        """Append replies to the script."""
        with self._lock:
            self._script.extend(replies)

    def add_text(self, content: str, *, stream_chunk_size: int = 4, **kwargs: Any) -> None:
        """Shorthand for ``add(text(content, chunk_size=...))``."""
        self.add(FakeReply(text=content, chunk_size=stream_chunk_size, **kwargs))

    @property
    def remaining(self) -> int:
        return len(self._script)

    def _next_reply(self, body: dict[str, Any]) -> FakeReply:
        with self._lock:
            self.requests.append(body)
            if self._script:
                reply = self._script.popleft()
            elif self._responder is not None:
                reply = self._responder(body)
            else:
                self.exhausted.append(body)
                return http_error(500, json.dumps({"error": {"message": (
                    f"FakeOpenAIServer script ran out after {len(self.requests) - 1} replies")}}))
        return FakeReply(text=reply) if isinstance(reply, str) else reply

    def _sleep(self, seconds: float) -> None:
        if seconds > 0:
            self._stopping.wait(seconds)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    fake: FakeOpenAIServer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        """Silence the per-request stderr lines."""

    def do_GET(self) -> None:  # noqa: N802 - stdlib naming
        self.fake.paths.append(self.path)
        path = self.path.split("?")[0].rstrip("/")
        if path.endswith("/models"):
            entry: dict[str, Any] = {"id": self.fake.model, "object": "model",
                                     "owned_by": self.fake.owned_by}
            if self.fake.models_meta is not None:
                entry["meta"] = self.fake.models_meta
            self._send_json(200, {"object": "list", "data": [entry]})
        elif path.endswith("/props") and self.fake.props is not None:
            self._send_json(200, self.fake.props)
        else:
            self._send_json(404, {"error": {"message": f"no route {self.path}"}})

    def do_POST(self) -> None:  # noqa: N802 - stdlib naming
        self.fake.paths.append(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except json.JSONDecodeError:
            self._send_json(400, {"error": {"message": "body is not JSON"}})
            return
        if not self.path.rstrip("/").endswith("/chat/completions"):
            self._send_json(404, {"error": {"message": f"no route {self.path}"}})
            return
        reply = self.fake._next_reply(body)
        self.fake._sleep(reply.delay_s)
        try:
            if reply.status != 200:
                self._send_raw(reply.status, reply.error_body.encode(), "application/json")
            elif body.get("stream"):
                self._send_stream(reply, body)
            else:
                self._send_json(200, _completion_body(reply, body))
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (e.g. its timeout fired)

    def _send_json(self, status: int, payload: dict[str, Any]) -> None:
        self._send_raw(status, json.dumps(payload).encode(), "application/json")

    def _send_raw(self, status: int, data: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _send_stream(self, reply: FakeReply, body: dict[str, Any]) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        want_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        for sent, event in enumerate(_stream_events(reply, body, want_usage)):
            if reply.crash_after_chunks is not None and sent >= reply.crash_after_chunks:
                self._crash()
                return
            self.fake._sleep(reply.chunk_delay_s)
            self._write_chunk(f"data: {event}\n\n".encode())
        self._write_chunk(b"")

    def _write_chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _crash(self) -> None:
        """Drop the connection mid-body, like a server process that died."""
        self.wfile.flush()
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)


def _base_chunk(body: dict[str, Any]) -> dict[str, Any]:
    return {"id": "chatcmpl-fake", "object": "chat.completion.chunk",
            "created": int(time.time()), "model": body.get("model", "fake-model")}


def _usage(reply: FakeReply) -> dict[str, int]:
    return {"prompt_tokens": reply.prompt_tokens, "completion_tokens": reply.n_completion,
            "total_tokens": reply.prompt_tokens + reply.n_completion}


def _completion_body(reply: FakeReply, body: dict[str, Any]) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": reply.text or None}
    if reply.tool_calls:
        message["tool_calls"] = [c.wire(i) for i, c in enumerate(reply.tool_calls)]
    out: dict[str, Any] = {
        "id": "chatcmpl-fake", "object": "chat.completion", "created": int(time.time()),
        "model": body.get("model", "fake-model"),
        "choices": [{"index": 0, "message": message, "finish_reason": reply.finish}],
    }
    if reply.usage:
        out["usage"] = _usage(reply)
    return out


def _stream_events(reply: FakeReply, body: dict[str, Any], want_usage: bool) -> Iterator[str]:
    """SSE payloads: role, text pieces, tool-call pieces, finish, usage, ``[DONE]``."""
    def chunk(delta: dict[str, Any], finish: str | None = None) -> str:
        payload = _base_chunk(body)
        payload["choices"] = [{"index": 0, "delta": delta, "finish_reason": finish}]
        return json.dumps(payload)

    yield chunk({"role": "assistant", "content": ""})
    size = max(1, reply.chunk_size)
    for start in range(0, len(reply.text), size):
        yield chunk({"content": reply.text[start:start + size]})
    for index, call in enumerate(reply.tool_calls):
        wire = call.wire(index)
        args = wire["function"]["arguments"]
        yield chunk({"tool_calls": [{"index": index, "id": wire["id"], "type": "function",
                                     "function": {"name": call.name, "arguments": ""}}]})
        for start in range(0, len(args), size):
            yield chunk({"tool_calls": [{"index": index,
                                         "function": {"arguments": args[start:start + size]}}]})
    if not reply.truncate:
        yield chunk({}, reply.finish)
    if want_usage and reply.usage:
        payload = _base_chunk(body)
        payload["choices"] = []
        payload["usage"] = _usage(reply)
        yield json.dumps(payload)
    yield "[DONE]"


# -- responders that emulate server families (used by the capability-probe tests) ---------
def permissive(body: dict[str, Any]) -> Reply:
    """A server that accepts every option and enforces none: always the same chatty text."""
    return FakeReply(text="Sure! I am happy to help with that.")


def llama_cpp_like(body: dict[str, Any]) -> Reply:
    """Answers the way llama-cpp-python's server does (see ARCHITECTURE.md): a schema in
    ``response_format`` and a GBNF ``grammar`` are obeyed, ``tool_choice: "auto"`` yields the
    call as JSON text in ``content``, a forced tool choice yields real ``tool_calls``."""
    tools = body.get("tools") or []
    choice = body.get("tool_choice")
    if tools and isinstance(choice, dict):
        name = choice.get("function", {}).get("name", "")
        tool = next((t for t in tools if t["function"]["name"] == name), tools[0])
        args = _instance(tool["function"].get("parameters") or {"type": "object"})
        return FakeReply(tool_calls=(FakeToolCall(tool["function"]["name"], args),))
    if tools:
        fn = tools[0]["function"]
        args = _instance(fn.get("parameters") or {"type": "object"})
        return FakeReply(text=json.dumps({"name": fn["name"], "arguments": args}))
    fmt = body.get("response_format") or {}
    if fmt.get("type") == "json_object" and "schema" in fmt:
        return FakeReply(text=json.dumps(_instance(fmt["schema"])))
    if body.get("grammar"):
        return FakeReply(text="yes")
    return FakeReply(text="Sure! I am happy to help with that.")


def _instance(schema: dict[str, Any]) -> Any:
    """A small value that satisfies a simple JSON schema (enough for tests)."""
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type", "object")
    if kind == "object":
        props = schema.get("properties", {})
        return {k: _instance(v) for k, v in props.items()}
    return {"integer": 4, "number": 1.5, "boolean": True, "array": [],
            "string": "x", "null": None}.get(kind)
