"""Go template and Helm value semantics the upstream chart's output depends on.

The chart prints values into YAML text that Helm then emits and readers parse. To produce
the same objects without templates, the renderer needs the same three steps as data:
how Go prints a value (``go_str``), what a YAML reader makes of the printed text
(``yaml_scalar``), and which values a template treats as false (``truthy``).

Numbers from values files reach Helm as float64, so Go prints ``1000000`` as ``1e+06``;
Python ints stand for those floats here.
"""

from __future__ import annotations

import math

from modelservice.datatree import copy_tree

TYPE_CHECKING = False  # typing's, without importing typing at run time (see _record)
if TYPE_CHECKING:
    from typing import Any


def truthy(value: Any) -> bool:
    """Go template truth: false, 0, nil, and empty strings, maps and lists are false."""
    if value is None or value is False:
        return False
    if isinstance(value, bool):
        return True
    if isinstance(value, int | float):
        return value != 0
    if isinstance(value, str | dict | list | tuple):
        return len(value) > 0
    return True


def default(fallback: Any, value: Any) -> Any:
    """Sprig's ``default``: the value unless it is empty."""
    return value if truthy(value) else fallback


def _go_float(value: float) -> str:
    """``strconv.FormatFloat(v, 'g', -1, 64)`` as fmt's ``%v`` uses it."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value == 0:
        return "-0" if math.copysign(1, value) < 0 else "0"
    digits_repr = repr(abs(value))  # shortest round-trip digits, as Go's shortest
    mantissa, _, exp_text = digits_repr.partition("e")
    whole, _, frac = mantissa.partition(".")
    frac = frac.rstrip("0")
    digits = (whole + frac).lstrip("0")
    # decimal point position relative to the digit string
    point = len(whole) + (int(exp_text) if exp_text else 0)
    if whole == "0" or not whole.strip("0"):
        lead = len(frac) - len(frac.lstrip("0"))
        point = -lead + (int(exp_text) if exp_text else 0)
    digits = digits.rstrip("0") or "0"
    exp = point - 1
    eprec = 6
    if eprec > len(digits) and len(digits) >= point:
        eprec = len(digits)
    sign = "-" if value < 0 else ""
    if exp < -4 or exp >= eprec:
        body = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{sign}{body}e{'-' if exp < 0 else '+'}{abs(exp):02d}"
    if point <= 0:
        return f"{sign}0.{'0' * -point}{digits}"
    if point >= len(digits):
        return f"{sign}{digits}{'0' * (point - len(digits))}"
    return f"{sign}{digits[:point]}.{digits[point:]}"


def go_str(value: Any) -> str:
    """What ``{{ value }}`` prints (after Helm replaces ``<no value>`` with nothing)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return _go_float(float(value)) if abs(value) < 2**53 else str(value)
    if isinstance(value, float):
        return _go_float(value)
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return "map[" + " ".join(f"{k}:{go_str(value[k])}" for k in sorted(value)) + "]"
    if isinstance(value, list | tuple):
        return "[" + " ".join(go_str(v) for v in value) + "]"
    return str(value)


def quote(value: Any) -> str:
    """Sprig's ``quote``: the printed value as a string (the YAML reader unescapes it)."""
    return go_str(value) if value is not None else ""


def yaml_scalar(text: str) -> Any:
    """What a YAML reader makes of ``text`` printed unquoted after ``key: ``."""
    from modelservice.renderer.upstream.yamltext import parse_scalar

    return parse_scalar(text)


def printed(value: Any) -> Any:
    """``key: {{ value }}``: the value as printed, then read back as YAML."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int) and abs(value) < 10**6:
        return value
    if isinstance(value, str) and value and value[0].isalpha() and value.isidentifier():
        from modelservice.renderer.upstream.yamltext import is_plain_string

        if is_plain_string(value):
            return value
    return yaml_scalar(go_str(value))


def to_int(value: Any) -> int:
    """Sprig's ``int`` (spf13/cast ``ToInt``): numbers truncate, numeric strings parse,
    anything else is 0."""
    if isinstance(value, bool):
        return 1 if value else 0
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if math.isfinite(value) else 0
    if isinstance(value, str):
        text = value.strip()
        try:
            return int(text, 0) if text[:2].lower() in ("0x", "0o", "0b") else int(text)
        except ValueError:
            return 0
    return 0


def has_key(mapping: Any, key: str) -> bool:
    """Sprig's ``hasKey`` (a nil map has no keys)."""
    return isinstance(mapping, dict) and key in mapping


def get(mapping: Any, *path: str) -> Any:
    """``.a.b.c`` on maps; a missing key or a non-map gives nil (as Helm prints it)."""
    node = mapping
    for key in path:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node


def fill_empty(dst: dict[str, Any], src: dict[str, Any]) -> None:
    """Sprig's ``merge`` (mergo without override): ``src`` fills keys ``dst`` lacks or holds
    empty, maps merge deeply, and nothing else of ``dst`` changes."""
    for key, value in src.items():
        have = dst.get(key)
        if isinstance(have, dict) and have and isinstance(value, dict):
            fill_empty(have, value)
        elif not truthy(have):
            dst[key] = copy_tree(value)
