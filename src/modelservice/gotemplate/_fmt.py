"""Go's ``fmt.Sprintf`` for the verbs templates use (printf, and sprig's helpers built on it).

Go never fails a format: a wrong verb prints ``%!d(string=x)``, a missing argument
``%!s(MISSING)``, extras ``%!(EXTRA int=1)``. Templates sometimes render these by mistake,
and the output must then be Go's, so these forms are reproduced too.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from . import _values as gv
from ._parse import go_quote

_INT_TYPES = (gv.Int, gv.Int64)


def _is_int(v: Any, fl: bool) -> bool:
    t = type(v)
    return t in _INT_TYPES or (t is int and not fl)


def _is_float(v: Any, fl: bool) -> bool:
    t = type(v)
    return t is float or (t is int and fl)


class _Spec:
    __slots__ = ("minus", "plus", "prec", "sharp", "space", "verb", "width", "zero")

    def __init__(self) -> None:
        self.minus = self.plus = self.sharp = self.space = self.zero = False
        self.width: int | None = None
        self.prec: int | None = None
        self.verb = "v"


def _pad(s: str, spec: _Spec, numeric: bool = False) -> str:
    w = spec.width
    if w is None or len(s) >= w:
        return s
    if spec.minus:
        return s + " " * (w - len(s))
    if spec.zero and numeric:
        sign = s[0] if s[:1] in "+- " else ""
        body = s[len(sign) :]
        return sign + "0" * (w - len(s)) + body
    if spec.zero and not numeric and spec.verb in "sqvxX":
        return "0" * (w - len(s)) + s
    return " " * (w - len(s)) + s


def _bad(verb: str, v: Any, fl: bool) -> str:
    if v is None:
        return f"%!{verb}(<nil>)"
    return f"%!{verb}({gv.type_name(v, fl)}={gv.sprint_value(v, fl)})"


def _fmt_int(n: int, spec: _Spec) -> str:
    verb = spec.verb
    neg = n < 0
    a = -n if neg else n
    if verb in "dv":
        body = str(a)
    elif verb == "x":
        body = format(a, "x")
    elif verb == "X":
        body = format(a, "X")
    elif verb == "o":
        body = format(a, "o")
    elif verb == "O":
        body = "0o" + format(a, "o")
    elif verb == "b":
        body = format(a, "b")
    elif verb == "c":
        return _pad(chr(n) if 0 <= n <= 0x10FFFF else "\ufffd", spec)
    elif verb == "q":
        return _pad("'" + (chr(n) if 0 <= n <= 0x10FFFF else "\ufffd") + "'", spec)
    elif verb == "U":
        body = f"U+{a:04X}"
        return _pad(body, spec)
    else:  # pragma: no cover - callers check the verb
        body = str(a)
    if spec.prec is not None:
        body = body.rjust(spec.prec, "0")
        if spec.prec == 0 and n == 0:
            body = ""
    if spec.sharp:
        if verb == "x":
            body = "0x" + body
        elif verb == "X":
            body = "0X" + body
        elif verb == "o" and not body.startswith("0"):
            body = "0" + body
        elif verb == "b":
            body = "0b" + body
    sign = "-" if neg else ("+" if spec.plus else (" " if spec.space else ""))
    return _pad(sign + body, spec, numeric=spec.prec is None)


def _fmt_float(f: float, spec: _Spec) -> str:
    verb = spec.verb
    prec = spec.prec
    if math.isnan(f) or math.isinf(f):
        s = "NaN" if math.isnan(f) else ("+Inf" if f > 0 else "-Inf")
        if s == "+Inf" and not spec.plus:
            s = "Inf"
        if spec.space and s == "Inf":
            s = " Inf"
        return _pad(s, spec)
    if verb == "v" or (verb in "gG" and prec is None):
        s = gv.format_float_g(f)
        if verb == "G":
            s = s.upper()
    elif verb in "fF":
        s = format(f, f".{6 if prec is None else prec}f")
    elif verb in "eE":
        s = format(f, f".{6 if prec is None else prec}{verb}")
    elif verb in "gG":
        s = format(f, f".{prec}{verb}")
    else:  # pragma: no cover
        s = gv.format_float_g(f)
    if spec.plus and not s.startswith("-"):
        s = "+" + s
    elif spec.space and not s.startswith("-"):
        s = " " + s
    return _pad(s, spec, numeric=True)


def _fmt_str(s: str, spec: _Spec) -> str:
    verb = spec.verb
    if verb in "sv":
        if spec.prec is not None:
            s = s[: spec.prec]
        return _pad(s, spec)
    if verb == "q":
        if spec.prec is not None:
            s = s[: spec.prec]
        if spec.sharp and "`" not in s:
            return _pad("`" + s + "`", spec)
        return _pad(go_quote(s), spec)
    if verb in "xX":
        b = s.encode()
        if spec.prec is not None:
            b = b[: spec.prec]
        h = b.hex()
        if spec.space:
            h = " ".join(b[i : i + 1].hex() for i in range(len(b)))
        return _pad(h.upper() if verb == "X" else h, spec)
    raise AssertionError  # pragma: no cover


def _go_syntax(v: Any, fl: bool, top: bool = True) -> str:
    """``%#v``: the value as Go source."""
    if v is None:
        return "<nil>" if top else "interface {}(nil)"
    if type(v) is str or isinstance(v, str):
        return go_quote(str(v))
    if isinstance(v, Mapping):
        inner = ", ".join(f"{go_quote(str(k))}:{_go_syntax(v[k], fl, False)}" for k in sorted(v))
        return gv.type_name(v, fl) + "{" + inner + "}"
    if isinstance(v, list | tuple):
        inner = ", ".join(_go_syntax(x, fl, False) for x in v)
        return gv.type_name(v, fl) + "{" + inner + "}"
    return gv.sprint_value(v, fl)


def format_value(v: Any, spec: _Spec, fl: bool) -> str:
    """One argument under one verb, as Go's fmt prints it."""
    verb = spec.verb
    if verb == "v" and spec.sharp:
        return _pad(_go_syntax(v, fl), spec)
    if verb == "T":
        return _pad("<nil>" if v is None else gv.type_name(v, fl), spec)
    if v is None:
        return _pad("<nil>", spec) if verb == "v" else f"%!{verb}(<nil>)"
    t = type(v)
    if t is bool:
        if verb in "vt":
            return _pad("true" if v else "false", spec)
        return _bad(verb, v, fl)
    if _is_int(v, fl):
        if verb in "vdxXobcqUO":
            return _fmt_int(int(v), spec)
        return _bad(verb, v, fl)
    if _is_float(v, fl):
        if verb in "veEfFgG":
            return _fmt_float(float(v), spec)
        return _bad(verb, v, fl)
    if t is str or isinstance(v, str):
        if verb in "svqxX":
            return _fmt_str(str(v), spec)
        return _bad(verb, v, fl)
    if isinstance(v, gv.GoStruct):
        if v.string is not None and verb in "vsq":
            return format_value(v.string, spec, fl)
        return _pad(gv.sprint_value(v, fl), spec)
    if isinstance(v, Mapping):
        inner = " ".join(
            f"{format_value(k, _plain(spec), fl)}:{format_value(v[k], _plain(spec), fl)}"
            for k in sorted(v)
        )
        return _pad("map[" + inner + "]", spec)
    if isinstance(v, list | tuple):
        inner = " ".join(format_value(x, _plain(spec), fl) for x in v)
        return _pad("[" + inner + "]", spec)
    return _pad(gv.sprint_value(v, fl), spec)


def _plain(spec: _Spec) -> _Spec:
    """Elements of a map or slice get the verb and flags, not the width."""
    s = _Spec()
    s.verb = spec.verb
    s.plus, s.sharp, s.space, s.zero, s.minus = spec.plus, spec.sharp, spec.space, False, False
    s.prec = spec.prec
    return s


def sprintf(fmt: str, args: list[Any], fl: bool) -> str:
    """``fmt.Sprintf(fmt, args...)``."""
    out: list[str] = []
    i = 0
    n = len(fmt)
    argi = 0
    while i < n:
        j = fmt.find("%", i)
        if j < 0:
            out.append(fmt[i:])
            break
        out.append(fmt[i:j])
        i = j + 1
        if i >= n:
            out.append("%!(NOVERB)")
            break
        spec = _Spec()
        while i < n and fmt[i] in "+-# 0":
            c = fmt[i]
            if c == "+":
                spec.plus = True
            elif c == "-":
                spec.minus = True
            elif c == "#":
                spec.sharp = True
            elif c == " ":
                spec.space = True
            else:
                spec.zero = True
            i += 1
        if i < n and fmt[i] == "*":
            i += 1
            if argi < len(args) and _is_int(args[argi], fl):
                w = int(args[argi])
                if w < 0:
                    spec.minus, w = True, -w
                spec.width = w
            else:
                out.append("%!(BADWIDTH)")
            argi += 1
        else:
            st = i
            while i < n and fmt[i].isdigit():
                i += 1
            if i > st:
                spec.width = int(fmt[st:i])
        if i < n and fmt[i] == ".":
            i += 1
            if i < n and fmt[i] == "*":
                i += 1
                if argi < len(args) and _is_int(args[argi], fl):
                    spec.prec = max(int(args[argi]), 0)
                else:
                    out.append("%!(BADPREC)")
                argi += 1
            else:
                st = i
                while i < n and fmt[i].isdigit():
                    i += 1
                spec.prec = int(fmt[st:i]) if i > st else 0
        if i >= n:
            out.append("%!(NOVERB)")
            break
        verb = fmt[i]
        i += 1
        if verb == "%":
            out.append("%")
            continue
        spec.verb = verb
        if spec.minus:
            spec.zero = False
        if argi >= len(args):
            out.append(f"%!{verb}(MISSING)")
            continue
        arg = args[argi]
        argi += 1
        if verb not in "vTtsqdxXobcUOeEfFgG":
            out.append(_bad(verb, arg, fl))
            continue
        out.append(format_value(arg, spec, fl))
    if argi < len(args):
        extra = ", ".join(
            "<nil>" if a is None else f"{gv.type_name(a, fl)}={gv.sprint_value(a, fl)}"
            for a in args[argi:]
        )
        out.append(f"%!(EXTRA {extra})")
    return "".join(out)


def sprint(args: list[Any], fl: bool) -> str:
    """``fmt.Sprint``: a space between operands when neither is a string."""
    out: list[str] = []
    prev_string = True
    for i, a in enumerate(args):
        is_string = type(a) is str
        if i > 0 and not is_string and not prev_string:
            out.append(" ")
        out.append(gv.sprint_value(a, fl))
        prev_string = is_string
    return "".join(out)


def sprintln(args: list[Any], fl: bool) -> str:
    """``fmt.Sprintln``: spaces between all operands, a newline at the end."""
    return " ".join(gv.sprint_value(a, fl) for a in args) + "\n"
