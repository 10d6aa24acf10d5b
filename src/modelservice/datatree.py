"""Copying values trees: the dicts, lists and scalars YAML and JSON produce.

``copy.deepcopy`` handles any object graph, with a memo and dispatch per node; values and
rendered objects are plain trees, which a direct recursion copies several times faster.
Both the values layer and the renderers copy such trees on every render.

The renderers copy every sub-object of the values they pass through, so that no two places
in their output are one dict and no output shares a dict with the model: rendered objects
are handed to callers that edit them (Helm's ownership metadata is added at apply time, the
operator adds its own labels), and an edit meant for one place (a label) must never change
another (an immutable selector). The typed model holds tuples where values had lists;
copies of those are lists, as the objects need.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing's, without importing typing at run time (see _record)
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any, TypeVar

    T = TypeVar("T")


def copy_tree(value: T) -> T:
    """A deep copy of a tree of dicts and lists (other values are shared: they are
    immutable scalars in values and objects); tuples are copied as lists."""
    copied: T = _copy(value)
    return copied


def copy_items(items: Iterable[T]) -> list[T]:
    """Copies of the items of a sequence (the model's tuples), as a list."""
    return [copy_tree(item) for item in items]


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) if isinstance(v, dict | list | tuple) else v for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_copy(v) if isinstance(v, dict | list | tuple) else v for v in value]
    return value
