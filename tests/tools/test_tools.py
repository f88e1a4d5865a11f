from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from pydantic import ValidationError

from compilot.errors import ToolError
from compilot.tools import Tool, ToolRegistry, ToolReturnError, UnknownToolError, load_tools, tool


@tool
def search(country: str, field: str = "population") -> int:
    """Look up a numeric fact about a country.

    Longer text that is not part of the description."""
    return len(country) + len(field)


@tool(side_effects=True, timeout_s=3)
async def write_file(path: str, text: str) -> None:
    """Write a file."""


def test_tool_schema_and_description_come_from_the_function() -> None:
    assert isinstance(search, Tool)
    assert search.description == "Look up a numeric fact about a country."
    schema = search.json_schema()
    assert schema["properties"]["country"]["type"] == "string"
    assert schema["required"] == ["country"]
    assert search.params == ("country", "field")
    assert search.signature_text() == "search(country: string, field: string)"


def test_side_effects_imply_approval_and_options_are_kept() -> None:
    assert write_file.side_effects and write_file.requires_approval
    assert write_file.timeout_s == 3 and write_file.is_async
    assert not search.side_effects and not search.requires_approval


def test_invoke_sync_and_async_validates_arguments() -> None:
    assert asyncio.run(search.ainvoke({"country": "France"})) == len("France") + 10
    assert asyncio.run(write_file.ainvoke({"path": "a", "text": "b"})) is None
    with pytest.raises(ValidationError):
        asyncio.run(search.ainvoke({"country": "France", "colour": "red"}))
    with pytest.raises(ValidationError):
        asyncio.run(search.ainvoke({"field": "x"}))


def test_wrong_return_type_is_reported() -> None:
    @tool
    def liar() -> int:
        """Says it returns an int."""
        return "seven"  # type: ignore[return-value]

    with pytest.raises(ToolReturnError, match="liar"):
        asyncio.run(liar.ainvoke({}))


def test_untyped_parameter_is_a_tool_error() -> None:
    def bad(x):  # type: ignore[no-untyped-def]
        return x

    with pytest.raises(ToolError, match="no type hint"):
        tool(bad)


def test_registry_lists_available_tools_for_unknown_names() -> None:
    reg = ToolRegistry([search, write_file])
    with pytest.raises(UnknownToolError) as info:
        reg.get("serch")
    assert "search" in str(info.value) and "write_file" in str(info.value)
    assert "[side effects]" in reg.describe()


def test_registry_wraps_plain_functions_and_rejects_join() -> None:
    def add(a: int, b: int) -> int:
        """Add two numbers."""
        return a + b

    assert ToolRegistry([add]).get("add").description == "Add two numbers."

    def join() -> None:
        """Reserved."""

    with pytest.raises(ToolError, match="join"):
        ToolRegistry([join])


def test_load_tools_from_spec(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "my_tools_mod.py").write_text(
        "def area(w: float, h: float) -> float:\n    'Area.'\n    return w * h\n"
        "ALL = [area]\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert [t.name for t in load_tools("my_tools_mod:area")] == ["area"]
    assert [t.name for t in load_tools("my_tools_mod:ALL")] == ["area"]
    with pytest.raises(ToolError, match="package.module:name"):
        load_tools("nocolon")
    with pytest.raises(ToolError, match="no attribute"):
        load_tools("my_tools_mod:nope")
    with pytest.raises(ToolError, match="cannot import"):
        load_tools("no_such_module_xyz:f")
