"""PyYAML, imported without one start-up cost that this tool never uses.

``import yaml`` compiles ``yaml.reader.Reader.NON_PRINTABLE``, a regular expression over
most of Unicode that takes about 5 ms to compile: a tenth of the `template` command's time
budget. Only PyYAML's pure-Python reader uses it, and this tool reads and writes through
libyaml (``CSafeLoader``/``CSafeDumper``), so the pattern is compiled on first use instead.
"""

from __future__ import annotations

import re
import sys
from typing import Any

_NON_PRINTABLE_MARK = "\U00010000-\U0010ffff"


class _LazyPattern:
    """Stands in for a compiled pattern until something actually matches with it."""

    def __init__(self, pattern: str, flags: int) -> None:
        self._args = (pattern, flags)
        self._compiled: re.Pattern[str] | None = None

    def __getattr__(self, name: str) -> Any:
        if self._compiled is None:
            self._compiled = re.compile(*self._args)
        return getattr(self._compiled, name)


def _import() -> Any:
    if "yaml" in sys.modules:
        return sys.modules["yaml"]
    real = re.compile

    def compile_lazily(pattern: Any, flags: int = 0) -> Any:
        if isinstance(pattern, str) and _NON_PRINTABLE_MARK in pattern:
            return _LazyPattern(pattern, flags)
        return real(pattern, flags)

    re.compile = compile_lazily
    try:
        import yaml
    finally:
        re.compile = real
    return yaml


yaml = _import()
