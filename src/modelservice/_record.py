"""Named records: :class:`typing.NamedTuple` to the type checker, a plain
:func:`collections.namedtuple` subclass at run time.

The modules every `template` run imports do not import :mod:`typing` at run time (their
annotations are strings; ``TYPE_CHECKING = False`` stands in for ``typing.TYPE_CHECKING``,
which mypy recognises by name): importing typing, and building its NamedTuple classes, cost
a run a few milliseconds before any work. A record is declared as a NamedTuple is::

    class Problem(Record):
        path: str
        message: str
        source: str | None = None

and is one: a tuple with named fields, defaults, ``_replace``, ``_asdict``, methods and
properties of its own.
"""

from __future__ import annotations

TYPE_CHECKING = False

if TYPE_CHECKING:
    from typing import NamedTuple as Record
else:
    from collections import namedtuple

    class _RecordType(type):
        """Turns a class body of annotated fields into a namedtuple subclass."""

        def __new__(mcls, name, bases, namespace):
            if not bases:  # Record itself
                return super().__new__(mcls, name, bases, namespace)
            fields = tuple(namespace.get("__annotations__", {}))
            defaults = [namespace[f] for f in fields if f in namespace]
            base = namedtuple(name, fields, defaults=defaults, module=namespace["__module__"])
            body = {k: v for k, v in namespace.items() if k not in fields}
            body["__slots__"] = ()
            return type(name, (base,), body)

    class Record(metaclass=_RecordType):
        """Base of named records (see the module's documentation)."""


__all__ = ["Record"]
