"""Lazy package exports (PEP 562), shared by the packages that keep their imports cheap.

A package maps each public name to the module that defines it; the module is imported on the
first access of the name, so ``import compilot`` and its subpackages stay fast and free of side
effects (no litellm, no docker SDK, no circular imports at import time).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(package: str, exports: Mapping[str, str], namespace: dict[str, Any],
                 ) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """A module ``__getattr__`` and ``__dir__`` for ``package``.

    ``exports`` maps a name to the module that defines it; the value is cached in ``namespace``
    (the package's ``globals()``) so each name is looked up once.
    """

    def __getattr__(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(exports))

    return __getattr__, __dir__
