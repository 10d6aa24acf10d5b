"""Finding where a key path came from, for error messages.

Only the error path uses this, so it may re-read YAML with node positions; the fast path
never pays for line tracking.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

TYPE_CHECKING = False  # typing's, without importing typing at run time (see _record)
if TYPE_CHECKING:
    from typing import Any


if TYPE_CHECKING:
    from modelservice.values.layering import Layer

_TOKEN = re.compile(r'"([^"]*)"|([^.\[\]"]+)|\[(\d+)\]')


def split_path(path: str) -> list[str | int]:
    """``a.b[2]."x.y"`` → ``["a", "b", 2, "x.y"]``."""
    parts: list[str | int] = []
    for quoted, name, index in _TOKEN.findall(path):
        parts.append(int(index) if index else quoted or name)
    return parts


def _has(doc: Any, parts: Sequence[str | int]) -> int:
    """How many leading parts of the path exist in ``doc``."""
    n = 0
    for part in parts:
        if isinstance(part, int) and isinstance(doc, list) and part < len(doc):
            doc = doc[part]
        elif isinstance(part, str) and isinstance(doc, dict) and part in doc:
            doc = doc[part]
        else:
            break
        n += 1
    return n


@lru_cache(maxsize=8)
def _compose(text: str) -> Any:
    """The file's node tree; kept, since a file with several problems is read once, with
    libyaml's parser where PyYAML has it (warnings are located on every render that has
    them, and the pure-Python composer takes tens of milliseconds on a large file)."""
    from modelservice._yaml import yaml

    try:
        return yaml.compose(text, Loader=_locator_loader())
    except yaml.YAMLError:
        return None


@lru_cache(maxsize=1)
def _locator_loader() -> Any:
    """libyaml's loader without implicit typing: finding a key's line needs the node tree
    only, and skipping the resolver's regular expressions (compiled on first use) saves a
    located warning ten milliseconds."""
    from modelservice._yaml import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return type("_Locator", (base,), {"yaml_implicit_resolvers": {}})


def _line(text: str, parts: Sequence[str | int]) -> int | None:
    from modelservice._yaml import yaml

    node: Any = _compose(text)
    line = None
    for part in parts:
        if isinstance(node, yaml.MappingNode) and isinstance(part, str):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.value == part:
                    line, node = key.start_mark.line + 1, value
                    break
            else:
                return line
        elif (
            isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value)
        ):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            return line
    return line


def locate(layers: Sequence[Layer], path: str) -> tuple[str | None, int | None]:
    """The last user source that holds (the deepest part of) ``path``, and its line."""
    parts = split_path(path)
    if not parts:
        return None, None
    best: tuple[int, Layer] | None = None
    for layer in layers:
        depth = _has(layer.values, parts)
        if depth and (best is None or depth >= best[0]):
            best = (depth, layer)
    if best is None:
        return None, None
    depth, layer = best
    line = _line(layer.text, parts[:depth]) if layer.text else None
    return layer.source, line
