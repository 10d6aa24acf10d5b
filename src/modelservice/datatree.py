"""Copying values trees: the dicts, lists and scalars YAML and JSON produce.

``copy.deepcopy`` handles any object graph, with a memo and dispatch per node; values and
rendered objects are plain trees, which a direct recursion copies several times faster.
Both the values layer and the renderers copy such trees on every render.
"""

from __future__ import annotations

from typing import Any, TypeVar, cast

T = TypeVar("T")


def copy_tree(value: T) -> T:
    """A deep copy of a tree of dicts and lists (other values are shared: they are
    immutable scalars in values and objects)."""
    return cast(T, _copy(value))


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) if isinstance(v, dict | list) else v for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) if isinstance(v, dict | list) else v for v in value]
    return value
