"""Copies of plain data (the dicts, lists and scalars of YAML and JSON documents).

The renderer copies the values' sub-objects it passes through. Rendered objects are handed
to callers that edit them (Helm's ownership metadata is added at apply time, the operator
adds its own labels, users post-process the Python API's dicts). If two places in the
output were one dict, an edit meant for one (a label) would silently change the other (an
immutable selector); if the output shared a dict with the model, the next render would
change. So every mapping or list the renderer emits is its own: built new, or copied here
from the model. Layering copies the cached defaults the same way (and, by not importing
:mod:`copy`, keeps the CLI's start-up short).
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing's, without importing typing at run time (see _record)
if TYPE_CHECKING:
    from typing import Any


def fresh(value: Any) -> Any:
    """A copy of a tree of dicts and lists (leaves are immutable scalars and are shared).

    Cheaper than :func:`copy.deepcopy`, which would also keep shared parts shared: exactly
    what the renderer must not pass on.
    """
    if isinstance(value, dict):
        return {k: fresh(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [fresh(v) for v in value]
    return value
