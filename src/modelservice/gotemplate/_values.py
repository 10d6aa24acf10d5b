"""Go's view of Python values: type names, kinds, truth, ``%v`` printing and JSON.

Templates see plain Python data (``dict``, ``list``, ``str``, ``bool``, ``None``, numbers),
but Go decides what an action prints and which comparisons fail from the value's *Go type*,
so every plain value is given one here:

==================  =========================  ==========================================
Python              Go type                    where Helm has it
==================  =========================  ==========================================
``str``             ``string``
``bool``            ``bool``
``float``           ``float64``
``int``             ``float64`` or ``int64``   numbers in values: ``float64`` from files,
                                               ``--set-json`` and ``fromYaml``; ``int64``
                                               from ``--set``. The caller chooses (``ints``)
``Int``             ``int``                    template literals (``3``), ``len``, ``atoi``
``Int64``           ``int64``                  sprig arithmetic (``add``, ``mul``, ...)
``dict``            ``map[string]interface {}``
``list``/``tuple``  ``[]interface {}``
``StrList``         ``[]string``               ``splitList``, ``keys``, ``sortAlpha``
``IntList``         ``[]int``                  ``until``, ``untilStep``
``StrMap``          ``map[string]string``      ``split``, ``splitn``
``None``            no value (nil)
``GoStruct``        a Go struct                ``.Capabilities`` and its parts
==================  =========================  ==========================================

A caller who knows that one value came from ``--set`` marks it ``Int64(n)``; the rest
follow the ``ints`` choice of the render.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any


class Int(int):
    """A Go ``int``: what template literals, ``len`` and ``atoi`` produce."""

    __slots__ = ()


class Int64(int):
    """A Go ``int64``: what sprig's arithmetic returns, and ``--set`` integers in Helm."""

    __slots__ = ()


class StrList(list):  # type: ignore[type-arg]
    """A Go ``[]string``, as ``splitList``, ``keys`` and ``sortAlpha`` return."""

    __slots__ = ()


class IntList(list):  # type: ignore[type-arg]
    """A Go ``[]int``, as ``until`` returns."""

    __slots__ = ()


class StrMap(dict):  # type: ignore[type-arg]
    """A Go ``map[string]string``, as ``split`` returns."""

    __slots__ = ()


class GoStruct:
    """A Go struct (or pointer to one) in the data: fields, methods and how it prints.

    Helm's ``.Capabilities`` is such a value: ``.Capabilities.KubeVersion.Version`` reads a
    field, ``.Capabilities.APIVersions.Has "apps/v1"`` calls a method. ``methods`` map a
    name to a Python callable taking the template arguments; ``string`` is the result of
    the type's ``String()`` method when it has one (Go's printing then uses it).
    """

    __slots__ = ("fields", "methods", "pointer", "string", "type_name")

    def __init__(
        self,
        type_name: str,
        fields: Mapping[str, Any],
        *,
        methods: Mapping[str, Callable[..., Any]] | None = None,
        string: str | None = None,
        pointer: bool = False,
    ) -> None:
        self.type_name = type_name
        self.fields = dict(fields)
        self.methods = dict(methods or {})
        self.string = string
        self.pointer = pointer

    def __repr__(self) -> str:
        return f"GoStruct({self.type_name!r}, {self.fields!r})"


class VersionSet(StrList):
    """Helm's ``common.VersionSet`` (``.Capabilities.APIVersions``): a ``[]string`` with
    a ``Has`` method."""

    __slots__ = ()

    @property
    def methods(self) -> dict[str, Callable[..., Any]]:
        return {"Has": lambda v: v in self}


NONE_TYPE = type(None)

# Go type names by Python class, for the classes whose Go type does not depend on the
# render's choice for plain ints.
_TYPE_NAMES: dict[type, str] = {
    str: "string",
    bool: "bool",
    float: "float64",
    Int: "int",
    Int64: "int64",
    dict: "map[string]interface {}",
    StrMap: "map[string]string",
    list: "[]interface {}",
    tuple: "[]interface {}",
    StrList: "[]string",
    VersionSet: "common.VersionSet",
    IntList: "[]int",
}

_KINDS: dict[type, str] = {
    str: "string",
    bool: "bool",
    float: "float64",
    Int: "int",
    Int64: "int64",
    dict: "map",
    StrMap: "map",
    list: "slice",
    tuple: "slice",
    StrList: "slice",
    VersionSet: "slice",
    IntList: "slice",
}


def _nearest(v: Any) -> type | None:
    """The plain class a value of another class (a subclass, a Mapping) stands for."""
    for cls in (bool, int, float, str):
        if isinstance(v, cls):
            return cls
    if isinstance(v, Mapping):
        return dict
    if isinstance(v, list | tuple):
        return list
    return None


def type_name(v: Any, float_ints: bool) -> str:
    """Go's ``%T`` of ``v``: ``float64``, ``map[string]interface {}``, ``<nil>`` ..."""
    t = type(v)
    name = _TYPE_NAMES.get(t)
    if name is not None:
        return name
    if v is None:
        return "<nil>"
    if isinstance(v, GoStruct):
        return ("*" if v.pointer else "") + v.type_name
    near = _nearest(v)
    if near is int:
        return "float64" if float_ints else "int64"
    return _TYPE_NAMES[near] if near is not None else t.__name__


def kind(v: Any, float_ints: bool) -> str:
    """Go's ``reflect.Kind`` name of ``v`` (``invalid`` for nil)."""
    t = type(v)
    k = _KINDS.get(t)
    if k is not None:
        return k
    if isinstance(v, GoStruct):
        return "ptr" if v.pointer else "struct"
    near = _nearest(v)
    if near is int:
        return "float64" if float_ints else "int64"
    return _KINDS[near] if near is not None else "invalid"


def is_float(v: Any, float_ints: bool) -> bool:
    """Whether ``v`` is a Go ``float64`` (plain ints count when the render says so)."""
    t = type(v)
    return t is float or (t is int and float_ints)


def truth(v: Any) -> bool:
    """Go template truth: false, 0, nil and empty strings, maps and lists are false."""
    if v is None:
        return False
    if isinstance(v, GoStruct):
        return True
    if isinstance(v, str | bool | int | float | dict | list | tuple):
        return bool(v)
    if isinstance(v, Mapping):
        return len(v) > 0
    return True


# ---------------------------------------------------------------------------------------
# Floats as Go's strconv formats them.


def float_digits(f: float) -> tuple[str, int]:
    """The shortest decimal digits that read back as ``abs(f)``, and the decimal point's
    position: ``0.d1d2... * 10**dp``. Python's ``repr`` and Go's shortest formatting pick
    the same digits."""
    r = repr(abs(f))
    mant, _, exp_s = r.partition("e")
    exp = int(exp_s) if exp_s else 0
    ip, _, fp = mant.partition(".")
    digits = ip + fp
    stripped = digits.lstrip("0")
    lead = len(digits) - len(stripped)
    digits = stripped.rstrip("0")
    if not digits:
        return "", 0
    return digits, len(ip) + exp - lead


def _fmt_e(neg: bool, digits: str, dp: int, prec: int, upper: bool = False) -> str:
    """strconv's ``%e`` from decimal digits; ``prec`` digits after the point."""
    if not digits:
        digits, dp = "0", 1
    d = digits[: prec + 1].ljust(prec + 1, "0")
    exp = dp - 1 if digits != "0" else 0
    s = d[0] + ("." + d[1:] if prec > 0 else "")
    sign = "-" if exp < 0 else "+"
    e = abs(exp)
    es = f"{e:02d}"
    return ("-" if neg else "") + s + ("E" if upper else "e") + sign + es


def _fmt_f(neg: bool, digits: str, dp: int, prec: int) -> str:
    """strconv's ``%f`` from decimal digits; ``prec`` digits after the point."""
    ip = digits[:dp].ljust(dp, "0") if dp > 0 else "0"
    frac = ""
    if prec > 0:
        for i in range(prec):
            j = dp + i
            frac += digits[j] if 0 <= j < len(digits) else "0"
        frac = "." + frac
    return ("-" if neg else "") + ip + frac


def _special(f: float) -> str | None:
    if math.isnan(f):
        return "NaN"
    if math.isinf(f):
        return "+Inf" if f > 0 else "-Inf"
    return None


def _decimal(f: float) -> tuple[bool, str, int] | str:
    """(negative, digits, point) of a finite float, or Go's text for the others
    (``NaN``, ``+Inf``, ``-Inf``, ``0``, ``-0``)."""
    sp = _special(f)
    if sp is not None:
        return sp
    neg = f < 0 or (f == 0 and math.copysign(1.0, f) < 0)
    digits, dp = float_digits(f)
    if not digits:
        return "-0" if neg else "0"
    return neg, digits, dp


def format_float_g(f: float) -> str:
    """``strconv.FormatFloat(f, 'g', -1, 64)``: how ``%v`` and YAML print a float64."""
    d = _decimal(f)
    if isinstance(d, str):
        return d
    neg, digits, dp = d
    exp = dp - 1
    if exp < -4 or exp >= _EPREC:
        return _fmt_e(neg, digits, dp, len(digits) - 1)
    return _fmt_f(neg, digits, dp, max(len(digits) - dp, 0))


_EPREC = 6  # strconv: "if precision was the shortest possible, use precision 6"


def format_float_f(f: float) -> str:
    """``strconv.FormatFloat(f, 'f', -1, 64)``: shortest digits, never an exponent."""
    d = _decimal(f)
    if isinstance(d, str):
        return d
    neg, digits, dp = d
    return _fmt_f(neg, digits, dp, max(len(digits) - dp, 0))


def format_float_json(f: float) -> str:
    """encoding/json's float64: positional, exponent below 1e-6 and from 1e21 on."""
    a = abs(f)
    if a != 0 and (a < 1e-6 or a >= 1e21):
        neg = f < 0
        digits, dp = float_digits(f)
        s = _fmt_e(neg, digits, dp, len(digits) - 1)
        if len(s) >= 4 and s[-4] == "e" and s[-3] == "-" and s[-2] == "0":
            s = s[:-2] + s[-1]
        return s
    return format_float_f(f)


# ---------------------------------------------------------------------------------------
# %v


def sprint_value(v: Any, float_ints: bool) -> str:
    """Go's ``fmt.Sprint(v)`` (``%v``); nil is ``<nil>``."""
    t = type(v)
    if t is str:
        return v  # type: ignore[no-any-return]
    if t is bool:
        return "true" if v else "false"
    if t is Int or t is Int64:
        return int.__repr__(v)
    if t is int:
        return format_float_g(float(v)) if float_ints else int.__repr__(v)
    if t is float:
        return format_float_g(v)
    if v is None:
        return "<nil>"
    if isinstance(v, Mapping):
        parts = [
            f"{sprint_value(k, float_ints)}:{sprint_value(v[k], float_ints)}"
            for k in sorted(v, key=_map_key_order)
        ]
        return "map[" + " ".join(parts) + "]"
    if isinstance(v, list | tuple):
        return "[" + " ".join(sprint_value(x, float_ints) for x in v) + "]"
    if isinstance(v, GoStruct):
        if v.string is not None:
            return v.string
        inner = "{" + " ".join(sprint_value(x, float_ints) for x in v.fields.values()) + "}"
        return ("&" if v.pointer else "") + inner
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return format_float_g(float(v)) if float_ints else int.__repr__(v)
    if isinstance(v, float):
        return format_float_g(v)
    if isinstance(v, str):
        return str(v)
    return str(v)


def _map_key_order(k: Any) -> Any:
    """fmt prints map keys sorted; our maps have string keys."""
    return k if isinstance(k, str) else str(k)


# ---------------------------------------------------------------------------------------
# JSON, as Go's encoding/json writes it.

_JSON_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


def json_string(s: str, escape_html: bool = True) -> str:
    """A Go JSON string: HTML characters escaped as ``\\u003c`` unless told otherwise."""
    out = ['"']
    for ch in s:
        e = _JSON_ESCAPES.get(ch)
        if e is not None and (escape_html or ch not in "<>&"):
            out.append(e)
        elif ch < " ":
            out.append(f"\\u{ord(ch):04x}")
        elif "\ud800" <= ch <= "\udfff":
            out.append("\ufffd")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


class JSONError(Exception):
    """A value Go's JSON encoder refuses (NaN, infinities)."""


def to_json(
    v: Any, float_ints: bool, *, escape_html: bool = True, indent: str | None = None
) -> str:
    """``json.Marshal`` (or ``MarshalIndent(v, "", indent)``) of a template value."""
    out: list[str] = []
    _json(v, float_ints, escape_html, indent, 0, out)
    return "".join(out)


def _json(v: Any, fl: bool, esc: bool, indent: str | None, depth: int, out: list[str]) -> None:
    t = type(v)
    if t is str:
        out.append(json_string(v, esc))
    elif v is None:
        out.append("null")
    elif t is bool:
        out.append("true" if v else "false")
    elif t is Int or t is Int64:
        out.append(int.__repr__(v))
    elif t is int:
        if fl:
            out.append(format_float_json(_as_float(v)))
        else:
            out.append(int.__repr__(v))
    elif t is float:
        if math.isnan(v) or math.isinf(v):
            raise JSONError(f"json: unsupported value: {format_float_g(v)}")
        out.append(format_float_json(v))
    elif isinstance(v, Mapping):
        if not v:
            out.append("{}")
            return
        keys = sorted(str(k) for k in v)
        src = {str(k): x for k, x in v.items()}
        out.append("{")
        for i, k in enumerate(keys):
            if i:
                out.append(",")
            if indent is not None:
                out.append("\n" + indent * (depth + 1))
            out.append(json_string(k, esc))
            out.append(": " if indent is not None else ":")
            _json(src[k], fl, esc, indent, depth + 1, out)
        if indent is not None:
            out.append("\n" + indent * depth)
        out.append("}")
    elif isinstance(v, list | tuple):
        if isinstance(v, list | tuple) and not v:
            out.append("[]")
            return
        out.append("[")
        for i, x in enumerate(v):
            if i:
                out.append(",")
            if indent is not None:
                out.append("\n" + indent * (depth + 1))
            _json(x, fl, esc, indent, depth + 1, out)
        if indent is not None:
            out.append("\n" + indent * depth)
        out.append("]")
    elif isinstance(v, GoStruct):
        _json(v.fields, fl, esc, indent, depth, out)
    elif isinstance(v, bool):
        out.append("true" if v else "false")
    elif isinstance(v, int):
        out.append(format_float_json(_as_float(v)) if fl else int.__repr__(v))
    elif isinstance(v, float):
        _json(float(v), fl, esc, indent, depth, out)
    elif isinstance(v, str):
        out.append(json_string(str(v), esc))
    else:
        raise JSONError(f"json: unsupported type: {type(v).__name__}")


def as_float(v: int) -> float:
    """float64(v), saturating as Go's conversion of a huge integer does not: callers only
    meet ints beyond float range in hand-made data."""
    return _as_float(v)


def _as_float(v: int) -> float:
    try:
        return float(v)
    except OverflowError:
        return math.inf if v > 0 else -math.inf


def from_json(text: str) -> Any:
    """``json.Unmarshal`` into ``interface{}``: every number is a float64.

    Raises ``ValueError`` with Go's wording on bad input.
    """
    import json

    def bad_const(name: str) -> Any:
        raise ValueError(f"invalid character '{name[0]}' looking for beginning of value")

    try:
        return json.loads(text, parse_int=float, parse_constant=bad_const)
    except json.JSONDecodeError as e:
        if e.pos >= len(text.rstrip()):
            raise ValueError("unexpected end of JSON input") from None
        ch = text[e.pos]
        raise ValueError(f"invalid character {_go_quote_char(ch)} {_json_context(e)}") from None


def _go_quote_char(ch: str) -> str:
    if ch == "'":
        return "'\\''"
    if ch == "\n":
        return "'\\n'"
    return f"'{ch}'"


def _json_context(e: Any) -> str:
    msg = str(e.msg)
    if "Expecting property name" in msg:
        return "looking for beginning of object key string"
    if "Expecting ',' delimiter" in msg or "Expecting ':' delimiter" in msg:
        return "after object key" if "':'" in msg else "after array element"
    if "Extra data" in msg:
        return "after top-level value"
    return "looking for beginning of value"
