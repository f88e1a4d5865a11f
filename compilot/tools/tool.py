"""A :class:`Tool` is a typed Python function the planner may call.

``@tool`` reads the function's signature and docstring once: the arguments become a pydantic
model (validation and the JSON schema the model sees), the first docstring paragraph becomes
the description. Sync functions run in a worker thread, async ones on the loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import inspect
import threading
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, overload

from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError, create_model

from compilot.errors import ToolError

_NO_RETURN = inspect.Signature.empty


class ToolReturnError(TypeError):
    """A tool returned a value that does not match its return annotation."""


@dataclass(frozen=True)
class Tool:
    """One callable tool. Build it with :func:`tool`; do not construct by hand."""

    name: str
    description: str
    fn: Callable[..., Any]
    args_model: type[BaseModel]
    params: tuple[str, ...]
    """Parameter names in signature order (positional plan arguments map onto these)."""
    is_async: bool
    returns: Any = _NO_RETURN
    side_effects: bool = False
    """The tool changes the world (files, network, money): it may need approval."""
    requires_approval: bool = False
    timeout_s: float | None = None
    """Per-call timeout overriding the executor's default."""
    max_concurrency: int | None = None
    """At most this many calls of this tool at once (``None``: only the global limit)."""
    _return_adapter: TypeAdapter[Any] | None = field(default=None, repr=False, compare=False)

    def json_schema(self) -> dict[str, Any]:
        """The JSON schema of the arguments (an object schema; the caller's own copy)."""
        return copy.deepcopy(self._schema)

    @cached_property
    def _schema(self) -> dict[str, Any]:
        # Built once: pydantic builds it anew on each call, and the executor reads a tool's
        # parameters for every task it runs (mapping a list over one of them).
        schema = self.args_model.model_json_schema()
        schema.pop("title", None)
        return schema

    @cached_property
    def one_value_params(self) -> frozenset[str]:
        """The parameters that take one value, not a list: a list passed to one of them maps
        the call over its items (:mod:`compilot.executor.fanout`)."""
        props = self._schema.get("properties", {})
        return frozenset(p for p, schema in props.items() if not accepts_list(schema))

    def signature_text(self) -> str:
        """``name(arg: type, ...)`` as shown to the model."""
        props = self.json_schema().get("properties", {})
        parts = [f"{p}: {_type_name(props.get(p, {}))}" for p in self.params]
        return f"{self.name}({', '.join(parts)})"

    def validate_args(self, args: dict[str, Any]) -> dict[str, Any]:
        """Validated (and coerced) keyword arguments; raises pydantic's ``ValidationError``."""
        model = self.args_model.model_validate(args)
        return {name: getattr(model, name) for name in self.params}

    def check_return(self, value: Any) -> Any:
        if self._return_adapter is None:
            return value
        try:
            self._return_adapter.validate_python(value, strict=True)
        except ValidationError as exc:
            raise ToolReturnError(
                f"tool {self.name!r} returned {type(value).__name__}, which does not match "
                f"its return type {self.returns!r}") from exc
        return value

    async def ainvoke(self, args: dict[str, Any]) -> Any:
        """Validate ``args``, call the function (sync ones in a thread), check the result."""
        kwargs = self.validate_args(args)
        if self.is_async:
            value = await self.fn(**kwargs)
        else:
            value = await call_in_thread(self.fn, kwargs)
        return self.check_return(value)


def accepts_list(schema: Mapping[str, Any]) -> bool:
    """Whether a parameter's JSON schema takes a list (untyped parameters take anything)."""
    if "anyOf" in schema or "oneOf" in schema:
        return any(accepts_list(s) for s in schema.get("anyOf", schema.get("oneOf", [])))
    kind = schema.get("type")
    if kind is None:  # Any - unless it is an enum or a model
        return "enum" not in schema and "$ref" not in schema
    return kind == "array"


async def call_in_thread(fn: Callable[..., Any], kwargs: dict[str, Any]) -> Any:
    """Run a sync tool in its own daemon thread. A thread cannot be killed: on timeout or
    cancellation the caller stops waiting, and a daemon thread (unlike the loop's default
    executor, which ``asyncio.run`` joins) cannot keep the process from exiting."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[Any] = loop.create_future()

    def settle(ok: bool, payload: Any) -> None:
        if future.done():
            return
        if ok:
            future.set_result(payload)
        else:
            future.set_exception(payload)

    def target() -> None:
        try:
            result: tuple[bool, Any] = (True, fn(**kwargs))
        except Exception as exc:  # handed to the awaiting task, never lost
            result = (False, exc)
        except BaseException as exc:  # SystemExit & co. must not escape into the loop
            result = (False, RuntimeError(f"tool raised {exc!r}"))
        # RuntimeError: the loop closed while the tool ran; nobody is waiting any more.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(settle, *result)

    threading.Thread(target=target, name=f"tool-{getattr(fn, '__name__', 'fn')}",
                     daemon=True).start()
    return await future


def _type_name(schema: dict[str, Any]) -> str:
    if "type" in schema:
        return str(schema["type"])
    if "anyOf" in schema:
        return " | ".join(_type_name(s) for s in schema["anyOf"])
    if "enum" in schema:
        return "one of " + ", ".join(repr(v) for v in schema["enum"])
    return "any"


def _description(fn: Callable[..., Any]) -> str:
    doc = inspect.getdoc(fn) or ""
    return doc.split("\n\n", 1)[0].replace("\n", " ").strip()


def _build(fn: Callable[..., Any], *, name: str | None, side_effects: bool,
           requires_approval: bool | None, timeout_s: float | None,
           max_concurrency: int | None) -> Tool:
    tool_name = name or fn.__name__
    try:
        hints = typing.get_type_hints(fn)
    except (NameError, TypeError) as exc:
        raise ToolError(f"tool {tool_name!r}: cannot resolve its type hints: {exc}") from exc
    fields: dict[str, Any] = {}
    params: list[str] = []
    for param in inspect.signature(fn).parameters.values():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD, param.POSITIONAL_ONLY):
            raise ToolError(f"tool {tool_name!r}: parameter {param.name!r} must be a plain "
                            "keyword-capable parameter (no *args, **kwargs or '/').")
        if param.name not in hints:
            raise ToolError(f"tool {tool_name!r}: parameter {param.name!r} has no type hint",
                            hint=f"annotate it, e.g. `def {fn.__name__}({param.name}: str)`")
        default = ... if param.default is param.empty else param.default
        fields[param.name] = (hints[param.name], default)
        params.append(param.name)
    model = create_model(f"{tool_name}_args", __config__=ConfigDict(extra="forbid"), **fields)
    returns = hints.get("return", _NO_RETURN)
    adapter = None if returns in (_NO_RETURN, Any) else TypeAdapter(returns)
    return Tool(name=tool_name, description=_description(fn), fn=fn, args_model=model,
                params=tuple(params), is_async=inspect.iscoroutinefunction(fn),
                returns=returns, side_effects=side_effects,
                requires_approval=side_effects if requires_approval is None
                else requires_approval,
                timeout_s=timeout_s, max_concurrency=max_concurrency,
                _return_adapter=adapter)


@overload
def tool(fn: Callable[..., Any], /) -> Tool: ...
@overload
def tool(*, name: str | None = None, side_effects: bool = False,
         requires_approval: bool | None = None, timeout_s: float | None = None,
         max_concurrency: int | None = None) -> Callable[[Callable[..., Any]], Tool]: ...


def tool(fn: Callable[..., Any] | None = None, /, *, name: str | None = None,
         side_effects: bool = False, requires_approval: bool | None = None,
         timeout_s: float | None = None,
         max_concurrency: int | None = None) -> Tool | Callable[[Callable[..., Any]], Tool]:
    """Turn a typed function into a :class:`Tool`; usable bare (``@tool``) or with options.

    ``side_effects=True`` implies ``requires_approval=True`` unless told otherwise."""
    def wrap(f: Callable[..., Any]) -> Tool:
        return _build(f, name=name, side_effects=side_effects,
                      requires_approval=requires_approval, timeout_s=timeout_s,
                      max_concurrency=max_concurrency)
    return wrap(fn) if fn is not None else wrap
