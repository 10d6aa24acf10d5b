"""How a YAML reader takes text that a template printed without quotes.

The upstream chart writes many values bare (``sizeLimit: {{ .size }}``,
``- {{ .Values.modelArtifacts.mountPath }}/{{ $path }}``), so what reaches the cluster is
whatever a YAML parser makes of the printed text: ``8000`` a number, ``true`` a boolean,
``a: b`` an error. Readers of ``helm template`` output use YAML 1.1 as PyYAML implements
it, and so does this module.
"""

from __future__ import annotations

import re
from functools import lru_cache

from modelservice.datatree import copy_tree
from modelservice.errors import ModelServiceError

TYPE_CHECKING = False  # typing's, without importing typing at run time (see _record)
if TYPE_CHECKING:
    from typing import Any

_PLAIN = re.compile(r"(?:[A-Za-z_/]|--?[A-Za-z])[A-Za-z0-9_./=@+-]*\Z")
#: Words YAML 1.1 reads as booleans or null (PyYAML's table).
_SPECIAL_WORDS = frozenset(
    (
        *("yes", "Yes", "YES", "no", "No", "NO", "true", "True", "TRUE"),
        *("false", "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF"),
        *("null", "Null", "NULL"),
    )
)


class PrintedYamlError(ModelServiceError):
    """A value printed bare where the chart expects a scalar makes the YAML invalid."""


def is_plain_string(text: str) -> bool:
    """Whether ``text`` printed bare certainly reads back as the same string."""
    return bool(_PLAIN.match(text)) and text not in _SPECIAL_WORDS


def parse_scalar(text: str) -> Any:
    """The value a YAML reader gives ``key: TEXT``."""
    if is_plain_string(text):
        return text
    if text.isdigit() and (text == "0" or text[0] != "0"):
        return int(text)
    value = _parse_scalar(text)
    return copy_tree(value) if isinstance(value, dict | list) else value


@lru_cache(maxsize=512)
def _parse_scalar(text: str) -> Any:
    from modelservice._yaml import yaml

    try:
        doc = yaml.load(f"k: {text}\n", Loader=yaml.CSafeLoader)
    except yaml.YAMLError as exc:
        raise PrintedYamlError(
            f"printed as {text!r}, this value makes the chart's YAML invalid "
            f"({str(exc).splitlines()[0]})"
        ) from None
    if not isinstance(doc, dict) or set(doc) != {"k"}:
        raise PrintedYamlError(f"printed as {text!r}, this value breaks the chart's YAML")
    return doc["k"]


def parse_document(text: str) -> Any:
    """A block of YAML the chart writes (from a template inside values), as readers get it."""
    from modelservice._yaml import yaml

    try:
        return yaml.load(text, Loader=yaml.CSafeLoader)
    except yaml.YAMLError as exc:
        raise PrintedYamlError(str(exc).splitlines()[0]) from None
