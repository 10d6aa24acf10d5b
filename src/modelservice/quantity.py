"""Kubernetes resource quantities (``500m``, ``16Gi``, ``8``) as exact numbers.

One parser for every place that reads them: capacity planning adds them up, the operator
compares what it applied with what the API server normalised.
"""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Any

from modelservice.errors import ModelServiceError

_SUFFIX = {
    "": Fraction(1),
    "n": Fraction(1, 10**9),
    "u": Fraction(1, 10**6),
    "m": Fraction(1, 1000),
    "k": Fraction(10**3),
    "M": Fraction(10**6),
    "G": Fraction(10**9),
    "T": Fraction(10**12),
    "P": Fraction(10**15),
    "E": Fraction(10**18),
    "Ki": Fraction(2**10),
    "Mi": Fraction(2**20),
    "Gi": Fraction(2**30),
    "Ti": Fraction(2**40),
    "Pi": Fraction(2**50),
    "Ei": Fraction(2**60),
}
_QUANTITY = re.compile(
    r"^([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]?)$"
)


class QuantityError(ModelServiceError):
    """A resource quantity that is not a Kubernetes quantity."""


def parse_quantity(value: Any) -> Fraction:
    """``"500m"`` → 1/2, ``"16Gi"`` → 17179869184, ``8`` → 8."""
    if isinstance(value, bool):
        raise QuantityError(f"not a quantity: {value!r}")
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, float):
        return Fraction(str(value))
    text = str(value).strip()
    m = _QUANTITY.match(text)
    if not m:
        raise QuantityError(f"not a Kubernetes quantity: {value!r}")
    number, suffix = m.groups()
    return Fraction(number) * _SUFFIX[suffix]


def quantity_or_none(value: Any) -> Fraction | None:
    """The quantity's value, or None when ``value`` is not a quantity."""
    try:
        return parse_quantity(value)
    except QuantityError:
        return None
