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

A tree that is copied again and again (the chart's defaults, a values file read before) is
kept *frozen*: as :mod:`marshal` bytes, which thaw into a fresh tree in C several times
faster than :func:`copy_tree` walks one.
"""

from __future__ import annotations

import marshal

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


def freeze(value: Any) -> bytes | None:
    """``value`` as bytes that :func:`thaw` turns into a fresh copy; None when the tree
    holds something other than dicts, lists, strings, numbers, booleans and None (then
    copy it with :func:`copy_tree`)."""
    if not _plain(value):
        return None
    # Version 2: no back-references, so a dict that appears twice thaws as two dicts.
    return marshal.dumps(value, 2)


def thaw(frozen: bytes) -> Any:
    """A fresh tree from :func:`freeze`'s bytes: it shares nothing with any other."""
    return marshal.loads(frozen)


def _plain(value: Any) -> bool:
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_plain(v) for v in value)
    return value is None or isinstance(value, str | int | float)  # bool is an int


def copy_items(items: Iterable[T]) -> list[T]:
    """Copies of the items of a sequence (the model's tuples), as a list."""
    return [copy_tree(item) for item in items]


#: Values a tree holds that are shared rather than copied (immutable); checked by exact
#: type, the fastest test Python has, so that anything else (a dict subclass an API caller
#: passed) takes the careful path.
LEAVES = frozenset({str, int, float, bool, type(None)})


def _copy(value: Any) -> Any:
    kind = type(value)
    if kind is dict:
        return {k: v if type(v) in LEAVES else _copy(v) for k, v in value.items()}
    if kind is list or kind is tuple:
        return [v if type(v) in LEAVES else _copy(v) for v in value]
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_copy(v) for v in value]
    return value
