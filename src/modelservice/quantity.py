"""Kubernetes resource quantities (``500m``, ``16Gi``, ``8``) as exact numbers.

One parser for every place that reads them: validation of the values (with a hint for
near misses such as ``16GB``), capacity planning adds them up, the operator compares what
it applied with what the API server normalised.

The grammar is apimachinery's ``resource.Quantity``: a decimal number, then a binary
suffix (``Ki`` … ``Ei``), a decimal suffix (``n u m k M G T P E``) or an exponent
(``e3``). It is scanned by hand rather than with a regular expression, so that importing
this module compiles nothing; :data:`QUANTITY_PATTERN` is the same grammar (unsigned, as
every quantity in the values is) for the JSON Schema.
"""

from __future__ import annotations

from functools import lru_cache

from modelservice.errors import ModelServiceError

TYPE_CHECKING = False  # typing's, without importing typing at run time (see _record)
if TYPE_CHECKING:
    from typing import Any

if TYPE_CHECKING:
    from fractions import Fraction

#: Each suffix's multiplier as (numerator, denominator): Fraction is imported only when a
#: quantity's value is needed (validation needs the grammar alone).
_SUFFIX: dict[str, tuple[int, int]] = {
    "": (1, 1),
    "n": (1, 10**9),
    "u": (1, 10**6),
    "m": (1, 1000),
    "k": (10**3, 1),
    "M": (10**6, 1),
    "G": (10**9, 1),
    "T": (10**12, 1),
    "P": (10**15, 1),
    "E": (10**18, 1),
    "Ki": (2**10, 1),
    "Mi": (2**20, 1),
    "Gi": (2**30, 1),
    "Ti": (2**40, 1),
    "Pi": (2**50, 1),
    "Ei": (2**60, 1),
}
_DIGITS = frozenset("0123456789")

#: A non-negative Kubernetes quantity, as a JSON Schema ``pattern`` (ECMA 262 syntax).
QUANTITY_PATTERN = r"^\+?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+|[KMGTPE]i|[numkMGTPE])?$"

QUANTITY_FORM = (
    "a number with an optional suffix: k, M, G, T, P, E (powers of 1000), Ki, Mi, Gi, Ti, "
    "Pi, Ei (powers of 1024) or m (thousandths), as in 500m, 8, 16Gi"
)


class QuantityError(ModelServiceError):
    """A resource quantity that is not a Kubernetes quantity.

    ``path`` is filled in by the callers that know where the value sits (``resources
    .limits.memory``, then ``containers[0].`` in front of it, ...), so that the message a
    user finally sees names the key.
    """

    def __init__(self, message: str, path: str = "") -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.message = message
        self.path = path

    def at(self, prefix: str) -> QuantityError:
        """The same error, one level further out: ``prefix`` goes in front of the path."""
        path = (
            f"{prefix}.{self.path}"
            if self.path and not self.path.startswith("[")
            else (prefix + self.path)
        )
        return QuantityError(self.message, path)


def _number_end(text: str, start: int) -> int:
    """Where the decimal number starting at ``start`` ends (``start`` if there is none)."""
    i, n = start, len(text)
    while i < n and text[i] in _DIGITS:
        i += 1
    whole = i - start
    if i < n and text[i] == ".":
        j = i + 1
        while j < n and text[j] in _DIGITS:
            j += 1
        if whole or j > i + 1:
            return j
    return i if whole else start


def split_quantity(text: str) -> tuple[str, str] | None:
    """``"-1.5Gi"`` → ``("-1.5", "Gi")``; ``"1e3"`` → ``("1e3", "")``; None if ``text``
    is not a quantity."""
    start = 1 if text[:1] in ("+", "-") else 0
    end = _number_end(text, start)
    if end == start:
        return None
    rest = text[end:]
    if rest in _SUFFIX:
        return text[:end], rest
    if rest[:1] in ("e", "E"):
        exp = 2 if rest[1:2] in ("+", "-") else 1
        if len(rest) > exp and all(c in _DIGITS for c in rest[exp:]):
            return text, ""
    return None


def parse_quantity(value: Any) -> Fraction:
    """``"500m"`` → 1/2, ``"16Gi"`` → 17179869184, ``8`` → 8."""
    from fractions import Fraction

    if isinstance(value, bool):
        raise QuantityError(f"not a quantity: {value!r}")
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, float):
        return Fraction(str(value))
    parts = split_quantity(str(value).strip())
    if parts is None:
        raise QuantityError(quantity_problem(str(value)) or f"not a quantity: {value!r}")
    number, suffix = parts
    return Fraction(number) * Fraction(*_SUFFIX[suffix])


def quantity_or_none(value: Any) -> Fraction | None:
    """The quantity's value, or None when ``value`` is not a quantity."""
    try:
        return parse_quantity(value)
    except QuantityError:
        return None


@lru_cache(maxsize=1024)  # a release repeats a handful of quantities ("1", "16Gi") often
def quantity_problem(text: str) -> str | None:
    """What is wrong with ``text`` as a (non-negative) quantity in the values, with a hint
    for near misses (``16GB`` → ``16G`` or ``16Gi``); None when it is fine."""
    parts = split_quantity(text)
    if parts is not None:
        return f"{text!r}: must not be negative" if text.startswith("-") else None
    hint = _hint(text)
    return f"{text!r} is not a Kubernetes quantity" + (
        f"; did you mean {hint}?" if hint else f" ({QUANTITY_FORM})"
    )


def _hint(text: str) -> str | None:
    """The quantities a user most likely meant: unit names from other conventions (``GB``,
    ``MiB``, ``K``), wrong case (``16gi``) or a space (``16 Gi``)."""
    compact = text.replace(" ", "")
    end = _number_end(compact, 0)
    if end == 0:
        return None
    number, unit = compact[:end], compact[end:]
    if split_quantity(compact) is not None:  # only the spaces were wrong
        return repr(compact)
    upper = unit.upper()
    binary = upper.endswith(("IB", "I"))
    letter = upper.removesuffix("B").removesuffix("I")
    if letter not in ("K", "M", "G", "T", "P", "E"):
        return None
    decimal = "k" if letter == "K" else letter
    if binary:
        return repr(f"{number}{letter}i")
    return f"{number + decimal!r} or {number + letter + 'i'!r}"
