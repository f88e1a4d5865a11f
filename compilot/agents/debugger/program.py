"""Programs out of model answers: the fenced code, without its demo code, with its imports.

Small models end a program with example calls (``print(f(3))``, ``assert f(1) == 2``, an
``if __name__ == "__main__":`` block). Those run when the program is loaded, so one wrong
example makes a correct function fail to load, and a loop over examples can hang the tests.
:func:`sanitize` keeps what a program defines (imports, functions, classes, constants) and
drops top-level code that only exercises it. The same extraction serves every method, the
first generation included, so the comparison between methods stays fair.
"""

from __future__ import annotations

import ast

from compilot.agents.debugger.verdicts import extract_code

_DEFINITIONS = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def _is_main_guard(node: ast.stmt) -> bool:
    return (isinstance(node, ast.If) and isinstance(node.test, ast.Compare)
            and isinstance(node.test.left, ast.Name) and node.test.left.id == "__name__")


def _calls_local(node: ast.AST, local: set[str]) -> bool:
    return any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in local
               for n in ast.walk(node))


def _is_demo(node: ast.stmt, local: set[str]) -> bool:
    """Top-level code that exercises the program rather than defining it."""
    if isinstance(node, _DEFINITIONS):
        return False
    if isinstance(node, ast.Expr | ast.Assert | ast.For | ast.While) or _is_main_guard(node):
        return True
    return _calls_local(node, local)  # e.g. ``result = f(3)``; tables and constants stay


def sanitize(source: str, keep: str = "") -> str:
    """``source`` without its top-level demo code (unchanged when it does not parse).
    Statements that also appear at the top level of ``keep`` (the program being fixed: a
    user's own ``if __name__ == "__main__":`` block) are kept."""
    try:
        tree = ast.parse(source)
        kept_before = {ast.dump(n) for n in ast.parse(keep).body} if keep else set()
    except SyntaxError:
        return source
    local = {n.name for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef
                                                       | ast.ClassDef)}
    drop: set[int] = set()
    for node in tree.body:
        if _is_demo(node, local) and ast.dump(node) not in kept_before:
            first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
            drop.update(range(first - 1, (node.end_lineno or node.lineno)))
    if not drop:
        return source
    kept = [line for i, line in enumerate(source.splitlines()) if i not in drop]
    return "\n".join(kept).rstrip() + "\n"


def merge_imports(original: str, fixed: str) -> str:
    """Put back module-level imports of ``original`` that a fix dropped."""
    try:
        have = ast.parse(fixed)
        old = ast.parse(original)
    except SyntaxError:
        return fixed
    present = {ast.unparse(n) for n in have.body if isinstance(n, ast.Import | ast.ImportFrom)}
    missing = [ast.unparse(n) for n in old.body
               if isinstance(n, ast.Import | ast.ImportFrom) and ast.unparse(n) not in present]
    return "\n".join([*missing, fixed]) if missing else fixed


def _function(tree: ast.Module, name: str) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    return next((n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef
                                                           | ast.AsyncFunctionDef)
                 and n.name == name), None)


def restore_docstring(original: str, fixed: str, function: str) -> str:
    """Put ``original``'s docstring of ``function`` back into ``fixed`` when the fix has none
    (the model was shown the program without it)."""
    doc = sorted(docstring_lines(original, function))
    if not doc or docstring_lines(fixed, function):
        return fixed
    try:
        node = _function(ast.parse(fixed), function)
    except SyntaxError:
        return fixed
    if node is None or not node.body:
        return fixed
    lines, old = fixed.splitlines(), original.splitlines()
    first = node.body[0]
    if first.lineno - 1 >= len(lines) or lines[first.lineno - 1][:first.col_offset].strip():
        return fixed  # the body starts on the ``def`` line itself
    old_indent = len(old[doc[0] - 1]) - len(old[doc[0] - 1].lstrip())
    pad = " " * first.col_offset
    text = [pad + line[old_indent:] if line.strip() else line for line in
            (old[n - 1] for n in doc)]
    return "\n".join(lines[:first.lineno - 1] + text + lines[first.lineno - 1:]) + "\n"


def program_from_answer(text: str, function: str, original: str) -> str | None:
    """The program an answer proposes: its code block, sanitized, with ``original``'s imports
    and docstring restored; None when the answer holds no code."""
    code = extract_code(text, function)
    if code is None:
        return None
    fixed = merge_imports(original, sanitize(code, keep=original))
    return restore_docstring(original, fixed, function)


def docstring_lines(source: str, function: str) -> set[int]:
    """Line numbers of ``function``'s docstring (empty when it has none or does not parse)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    for node in ast.walk(tree):
        if (isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == function
                and node.body and isinstance(node.body[0], ast.Expr)
                and isinstance(node.body[0].value, ast.Constant)
                and isinstance(node.body[0].value.value, str)):
            doc = node.body[0]
            return set(range(doc.lineno, (doc.end_lineno or doc.lineno) + 1))
    return set()


def without_docstring(source: str, function: str) -> str:
    """``source`` with ``function``'s docstring left out - the task shows it already, and a
    repair that copies it back costs decode time for nothing. A function whose body was only
    the docstring keeps it (the result must still parse)."""
    skip = docstring_lines(source, function)
    if not skip:
        return source
    kept = "\n".join(line for n, line in enumerate(source.splitlines(), 1) if n not in skip)
    try:
        ast.parse(kept)
    except SyntaxError:
        return source
    return kept + "\n"


def same_program(a: str, b: str) -> bool:
    """True when the two programs have the same syntax tree (comments and spacing aside)."""
    try:
        return ast.dump(ast.parse(a)) == ast.dump(ast.parse(b))
    except SyntaxError:
        return a.strip() == b.strip()
