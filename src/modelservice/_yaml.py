"""PyYAML, imported without the start-up costs that this tool does not need.

Importing ``yaml`` compiles about a dozen regular expressions: the implicit resolvers of
``yaml.resolver`` (``true``, ``1.5``, timestamps...) and ``yaml.reader.Reader
.NON_PRINTABLE``, a pattern over most of Unicode that alone takes about 5 ms to compile.
A `template` run consults only the few resolvers whose first characters its scalars start
with, and never the pure-Python reader (it reads and writes through libyaml,
``CSafeLoader``/``CSafeDumper``). So while ``yaml`` is imported, every pattern is made a
:class:`LazyPattern`, compiled on its first use.
"""

from __future__ import annotations

import re
import sys

TYPE_CHECKING = False  # typing's, without importing typing at run time (see _record)
if TYPE_CHECKING:
    from typing import Any


class LazyPattern:
    """Stands in for a compiled pattern until something matches with it; then the
    compiled pattern's method is kept on the instance, so later calls cost nothing extra."""

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self._args = (pattern, flags)

    def __getattr__(self, name: str) -> Any:
        compiled = re.compile(*self._args)
        value = getattr(compiled, name)
        if callable(value):
            setattr(self, name, value)
        return value


def lazy_compile(pattern: str, flags: int = 0) -> Any:
    """``re.compile``, deferred to the pattern's first use."""
    return LazyPattern(pattern, flags)


def _import() -> Any:
    if "yaml" in sys.modules:
        return sys.modules["yaml"]
    real = re.compile

    def compile_lazily(pattern: Any, flags: int = 0) -> Any:
        if isinstance(pattern, str):
            return LazyPattern(pattern, flags)
        return real(pattern, flags)

    re.compile = compile_lazily
    try:
        import yaml
    finally:
        re.compile = real
    return yaml


yaml = _import()
