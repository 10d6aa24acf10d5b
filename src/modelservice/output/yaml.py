"""YAML output of rendered objects, readable by ``kubectl apply -f -`` and by Helm.

libyaml's emitter does the writing; we only choose styles: block style throughout, and
literal blocks for multi-line strings (shell scripts in ``args``) so that they stay
readable. Strings that YAML 1.1 would read as something else (``"true"``, ``"8200"``,
``"on"``) are quoted by the emitter's own resolver.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from modelservice._yaml import yaml

try:
    _Base: type[Any] = yaml.CSafeDumper
except AttributeError:  # pragma: no cover
    _Base = yaml.SafeDumper

CHART_NAME = "llm-d-modelservice"


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
    text: str = yaml.dump(
        obj,
        Dumper=_Dumper,
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
        width=1 << 16,
    )
    return text


def source_path(template: str) -> str:
    """``templates/epp-service.yaml`` → ``llm-d-modelservice/templates/epp-service.yaml``,
    the path Helm's ``# Source:`` comments and ``--output-dir`` use."""
    return f"{CHART_NAME}/{template}"


def dump_all(objects: Iterable[dict[str, Any]], sources: Sequence[str]) -> str:
    """A multi-document stream, each document headed by the ``# Source:`` line naming its
    chart template (``sources``, parallel to ``objects``), as Helm writes it."""
    return "".join(
        f"---\n# Source: {source_path(s)}\n{dump(o)}" for o, s in zip(objects, sources, strict=True)
    )
