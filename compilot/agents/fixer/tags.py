"""Definitions and references of Python files, read with tree-sitter.

The raw material of localisation: :mod:`.repo_map` ranks files over the reference graph these
tags form, :mod:`.bm25` indexes the definitions' source, and :mod:`.localize` maps traceback
lines to the enclosing definition.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

DefKind = Literal["class", "function", "method"]

_SKIP_DIRS = {".git", ".hg", ".venv", "venv", "env", "node_modules", "__pycache__", "build",
              "dist", ".tox", ".nox", "site-packages"}
_MAX_BYTES = 512_000
_NOT_REFERENCES = {"self", "cls", "None", "True", "False"}
_MAX_SIGNATURE = 120


@dataclass(frozen=True)
class Definition:
    """A class, function or method (1-based inclusive lines; ``name`` is qualified)."""

    path: str
    name: str
    kind: DefKind
    start_line: int
    end_line: int
    signature: str

    @property
    def short_name(self) -> str:
        return self.name.rsplit(".", 1)[-1]

    @property
    def depth(self) -> int:
        return self.name.count(".")

    @property
    def reference_key(self) -> str | None:
        """How other files refer to it: ``name`` (module level), ``.name`` (an attribute of a
        class), or ``None`` (a function nested in a function is invisible outside)."""
        if self.depth == 0:
            return self.short_name
        return "." + self.short_name if self.kind == "method" or self.kind == "class" else None


@dataclass(frozen=True)
class FileTags:
    """What one file defines and which identifiers it uses (with counts)."""

    path: str
    definitions: tuple[Definition, ...]
    references: Mapping[str, int] = field(default_factory=dict)
    line_count: int = 0

    def enclosing(self, line: int) -> Definition | None:
        """The innermost definition whose lines contain ``line``."""
        inside = [d for d in self.definitions if d.start_line <= line <= d.end_line]
        return max(inside, key=lambda d: d.start_line, default=None)


def python_files(repo: Path) -> list[str]:
    """Repo-relative paths of the Python files: git's view (tracked + untracked, not ignored)
    inside a git work tree, a filtered walk otherwise."""
    if (repo / ".git").exists():
        proc = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", "*.py"],
            cwd=repo, capture_output=True, text=True, check=False)
        if proc.returncode == 0:
            paths = [p for p in proc.stdout.split("\0") if p]
            return sorted(p for p in set(paths) if (repo / p).is_file())
    found = []
    for dirpath, dirnames, filenames in os.walk(repo):
        dirnames[:] = [d for d in dirnames if d not in _SKIP_DIRS and not d.startswith(".")]
        rel = Path(dirpath).relative_to(repo)
        found += [(rel / f).as_posix() for f in filenames if f.endswith(".py")]
    return sorted(found)


def read_sources(repo: Path, paths: Iterable[str]) -> dict[str, str]:
    """UTF-8 text of each path, skipping unreadable, undecodable or very large files."""
    out = {}
    for rel in paths:
        try:
            data = (repo / rel).read_bytes()
        except OSError:
            continue
        if len(data) <= _MAX_BYTES:
            out[rel] = data.decode("utf-8", errors="replace")
    return out


def make_parser() -> Any:
    import tree_sitter
    import tree_sitter_python

    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_python.language()))


_NAME_PARENTS = {"parameters", "lambda_parameters", "typed_parameter", "list_splat_pattern",
                 "dictionary_splat_pattern"}
_NAMED_FIELD_PARENTS = {"default_parameter", "typed_default_parameter", "keyword_argument"}


class _Walker:
    """One pass over a syntax tree collecting definitions and identifier uses."""

    def __init__(self, path: str, data: bytes) -> None:
        self.path, self.data = path, data
        self.definitions: list[Definition] = []
        self.references: Counter[str] = Counter()
        self.not_references: set[int] = set()
        self.attributes: set[int] = set()
        self.imports: dict[str, str] = {}
        self.star = False

    def walk(self, root: Any) -> None:
        stack: list[tuple[Any, tuple[str, ...], bool]] = [(root, (), False)]
        while stack:
            node, scope, in_class = stack.pop()
            kind = node.type
            if kind in ("function_definition", "class_definition"):
                scope, in_class = self._define(node, scope, in_class)
            elif kind == "import_statement":
                continue  # module paths name modules, not definitions
            elif kind == "identifier":
                self._use(node)
            else:
                self._mark_children(node)
            stack.extend((c, scope, in_class) for c in reversed(node.children))

    def _define(self, node: Any, scope: tuple[str, ...], in_class: bool,
                ) -> tuple[tuple[str, ...], bool]:
        name_node = node.child_by_field_name("name")
        if name_node is None:
            return scope, in_class
        self.not_references.add(name_node.start_byte)
        qualified = scope + (_text(self.data, name_node),)
        self.definitions.append(_definition(self.path, self.data, node, qualified, in_class))
        return qualified, node.type == "class_definition"

    def _mark_children(self, node: Any) -> None:
        kind = node.type
        if kind == "attribute":
            attr = node.child_by_field_name("attribute")
            if attr is not None:
                self.attributes.add(attr.start_byte)
        elif kind == "import_from_statement":
            self._import_from(node)
        elif kind in _NAME_PARENTS:
            self.not_references.update(c.start_byte for c in node.children
                                       if c.type == "identifier")
        elif kind in _NAMED_FIELD_PARENTS:
            name = node.child_by_field_name("name")
            if name is not None:
                self.not_references.add(name.start_byte)

    def _import_from(self, node: Any) -> None:
        module = node.child_by_field_name("module_name")
        if module is not None:
            self.not_references.update(range(module.start_byte, module.end_byte))
        self.star = self.star or any(c.type == "wildcard_import" for c in node.children)
        for name in node.children_by_field_name("name"):
            if name.type == "aliased_import":
                original, alias = name.child_by_field_name("name"), name.child_by_field_name(
                    "alias")
                if original is not None and alias is not None:
                    self.imports[_text(self.data, alias)] = _last(_text(self.data, original))
            else:
                local = _last(_text(self.data, name))
                self.imports[local] = local

    def _use(self, node: Any) -> None:
        if node.start_byte in self.not_references:
            return
        ident = _text(self.data, node)
        if ident in _NOT_REFERENCES:
            return
        prefix = "." if node.start_byte in self.attributes else ""
        self.references[prefix + ident] += 1


def _last(dotted: str) -> str:
    return dotted.rsplit(".", 1)[-1].strip()


def extract_tags(path: str, source: str, parser: Any | None = None) -> FileTags:
    """Definitions and references of one Python source text.

    Only uses that can reach another file are kept: ``x.name`` (keyed ``".name"``), and a bare
    ``name`` that the file imports (keyed by its original name; after ``import *``, any name).
    A bare local variable that happens to share a name with another file's function is not
    a reference to it."""
    data = source.encode("utf-8")
    walker = _Walker(path, data)
    walker.walk((parser or make_parser()).parse(data).root_node)
    references: Counter[str] = Counter()
    for ident, count in walker.references.items():
        if ident.startswith("."):
            references[ident] += count
        elif ident in walker.imports:
            references[walker.imports[ident]] += count
        elif walker.star:
            references[ident] += count
    definitions = sorted(walker.definitions, key=lambda d: (d.start_line, d.depth))
    return FileTags(path, tuple(definitions), dict(references), source.count("\n") + 1)


def _text(data: bytes, node: Any) -> str:
    return data[node.start_byte:node.end_byte].decode("utf-8", errors="replace")


def _definition(path: str, data: bytes, node: Any, qualified: tuple[str, ...],
                in_class: bool) -> Definition:
    body = node.child_by_field_name("body")
    end = body.start_byte if body is not None else node.end_byte
    header = data[node.start_byte:end].decode("utf-8", errors="replace")
    header = re.sub(r"\s+", " ", re.sub(r"#[^\n]*", "", header))
    header = header.replace("( ", "(").replace(" )", ")").strip()
    if len(header) > _MAX_SIGNATURE:
        header = header[:_MAX_SIGNATURE - 1] + "…"
    kind: DefKind = "class" if node.type == "class_definition" else (
        "method" if in_class else "function")
    return Definition(path, ".".join(qualified), kind, node.start_point[0] + 1,
                      node.end_point[0] + 1, header)


def extract_all(sources: Mapping[str, str]) -> dict[str, FileTags]:
    """Tags of every source (one parser shared)."""
    parser = make_parser()
    return {path: extract_tags(path, text, parser) for path, text in sources.items()}
