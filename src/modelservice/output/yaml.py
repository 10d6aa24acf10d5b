"""YAML output of rendered objects, readable by ``kubectl apply -f -`` and by Helm.

The format is PyYAML's (libyaml's emitter): block style throughout, literal blocks for
multi-line strings (shell scripts in ``args``) so that they stay readable, and strings that
YAML 1.1 would read as something else (``"true"``, ``"8200"``, ``"on"``) quoted, as the
emitter's own resolver decides.

PyYAML builds a node object per value in Python before libyaml writes it, which made
writing the objects the largest single cost of a `template` run. So documents made of the
common cases (mappings, lists, numbers, booleans, null, and strings of plain ASCII that
need no escaping) are written here directly, byte for byte as PyYAML writes them (a test
holds the two equal); anything else falls back to PyYAML for the whole document.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from modelservice._yaml import yaml
from modelservice.naming import CHART_NAME

TYPE_CHECKING = False  # typing's, without importing typing at run time (see _record)
if TYPE_CHECKING:
    from typing import Any

try:
    _Base: type[Any] = yaml.CSafeDumper
except AttributeError:  # pragma: no cover
    _Base = yaml.SafeDumper


class _Dumper(_Base):  # type: ignore[misc]
    def ignore_aliases(self, data: Any) -> bool:
        # The renderer shares no sub-objects, but objects read back or built by callers
        # may; YAML anchors for them would be legal but unreadable, and some tools reject
        # them.
        return True


def _str(dumper: Any, data: str) -> Any:
    if "\n" in data:
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", data)


_Dumper.add_representer(str, _str)


def dump(obj: Any) -> str:
    """One YAML document, keys in the order the renderer built them."""
    if isinstance(obj, dict) and obj:
        out: list[str] = []
        try:
            _mapping(obj, "", out)
        except _Unusual:
            pass
        else:
            return "".join(out)
    return pyyaml_dump(obj)


def pyyaml_dump(obj: Any) -> str:
    """What PyYAML writes for ``obj``: the reference the fast path is held to, and the
    fallback for what it does not handle."""
    text: str = yaml.dump(
        obj,
        Dumper=_Dumper,
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
        width=1 << 16,
    )
    return text


class _Unusual(Exception):
    """A value the fast writer leaves to PyYAML."""


_STR_TAG = "tag:yaml.org,2002:str"
#: Characters of strings the fast path writes: printable ASCII, which PyYAML's analysis
#: never has to escape or fold. Anything else (line breaks, tabs, other characters) goes
#: to PyYAML.
_SIMPLE = frozenset(chr(c) for c in range(0x20, 0x7F))
#: First characters that make a plain scalar impossible (PyYAML's indicators).
_LEADING_INDICATORS = frozenset("#,[]{}&*!|>'\"%@`")
_IMPLICIT = _Dumper.yaml_implicit_resolvers
_WILDCARD = _IMPLICIT.get(None, [])
_MAX_SIMPLE_KEY = 128
_MAX_LENGTH = 1 << 15  # far from the width (1 << 16) at which PyYAML would fold lines


def _scalar(value: Any) -> str:
    """A scalar as PyYAML writes it in block context."""
    if isinstance(value, str):
        return _string(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if type(value) is int:
        return str(value)
    if type(value) is float:
        if value != value:
            return ".nan"
        if value in (float("inf"), float("-inf")):
            return ".inf" if value > 0 else "-.inf"
        text = repr(value).lower()
        return text.replace("e", ".0e", 1) if "." not in text and "e" in text else text
    raise _Unusual


def _string(value: str) -> str:
    """Plain, or single-quoted when a plain scalar would be read back as something else
    (or would not parse): PyYAML's choice for strings of simple characters."""
    if not value:
        return "''"
    if len(value) > _MAX_LENGTH or not _SIMPLE.issuperset(value):
        raise _Unusual
    first = value[0]
    plain = not (
        first in _LEADING_INDICATORS
        or (first in "?:-" and (len(value) == 1 or value[1] == " "))
        or value[-1] in " :"
        or first == " "
        or ": " in value
        or " #" in value
        or value.startswith(("---", "..."))
    )
    if plain:
        for tag, regexp in _IMPLICIT.get(first, []) + _WILDCARD:
            if regexp.match(value):
                plain = tag == _STR_TAG
                break
    if plain:
        return value
    return "'" + value.replace("'", "''") + "'"


def _mapping(obj: dict[Any, Any], indent: str, out: list[str]) -> None:
    """``key: value`` lines at ``indent``; nested mappings indented by two, lists not
    (PyYAML's indentless sequences)."""
    for key, value in obj.items():
        if not isinstance(key, str) or not key or len(key) >= _MAX_SIMPLE_KEY:
            raise _Unusual
        head = f"{indent}{_string(key)}:"
        if isinstance(value, dict):
            if value:
                out.append(head + "\n")
                _mapping(value, indent + "  ", out)
            else:
                out.append(head + " {}\n")
        elif isinstance(value, list):
            if value:
                out.append(head + "\n")
                _sequence(value, indent, out)
            else:
                out.append(head + " []\n")
        else:
            out.append(f"{head} {_scalar(value)}\n")


def _sequence(items: list[Any], indent: str, out: list[str]) -> None:
    """``- item`` lines at ``indent``; a mapping item's first key on the dash's line."""
    for item in items:
        if isinstance(item, dict) and item:
            lines: list[str] = []
            _mapping(item, indent + "  ", lines)
            out.append(f"{indent}- {lines[0][len(indent) + 2 :]}")
            out.extend(lines[1:])
        elif isinstance(item, list) and item:
            lines = []
            _sequence(item, indent + "  ", lines)
            out.append(f"{indent}- {lines[0][len(indent) + 2 :]}")
            out.extend(lines[1:])
        elif isinstance(item, dict):
            out.append(f"{indent}- {{}}\n")
        elif isinstance(item, list):
            out.append(f"{indent}- []\n")
        else:
            out.append(f"{indent}- {_scalar(item)}\n")


def source_path(template: str) -> str:
    """``epp-service.yaml`` → ``llm-d-modelservice/templates/epp-service.yaml``, the path
    Helm's ``# Source:`` comments and ``--output-dir`` use."""
    return f"{CHART_NAME}/templates/{template}"


def dump_all(objects: Iterable[dict[str, Any]], sources: Sequence[str]) -> str:
    """A multi-document stream, each document headed by the ``# Source:`` line naming its
    chart template (``sources``, parallel to ``objects``), as Helm writes it."""
    return "".join(
        f"---\n# Source: {source_path(s)}\n{dump(o)}" for o, s in zip(objects, sources, strict=True)
    )
