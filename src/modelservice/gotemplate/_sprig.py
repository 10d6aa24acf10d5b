"""sprig's functions, as Helm v4 has them (Masterminds/sprig v3.3.0).

Registered into the shared table of ``_funcs``; this module holds only their bodies.
Each follows the library's Go code, including what it does with odd input: sprig
converts numbers with spf13/cast (strings parse, failures give 0), merges maps with
mergo (an empty destination value is overwritten even without "overwrite"), and many
list functions panic on nil, which Go reports as a runtime error.
"""

from __future__ import annotations

import base64
import binascii
import copy
import hashlib
import math
import zlib
from collections.abc import Callable, Mapping
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any

from . import _values as gv
from ._exec import ANY, BOOL, FLOAT, INT, MAP, NIL_IFACE, STR, Func, FuncError, State
from ._funcs import (
    FUNCS,
    _alias,
    _dig,
    _empty,
    _go_kind_name,
    _is_list,
    _list_kind_check,
    _nil_deref,
    _reg,
    _tn,
    _wrap64,
    strval,
    to_float64,
    to_int64,
)
from ._parse import go_quote

# ---------------------------------------------------------------------------------------
# sprig: defaults, logic, reflection


@_reg("default", (ANY,), ANY)
def _default(st: State, d: Any, *given: Any) -> Any:
    if not given or _empty(given[0]):
        return d
    return given[0]


@_reg("empty", (ANY,))
def _empty_f(st: State, v: Any) -> bool:
    return _empty(v)


@_reg("coalesce", (), ANY)
def _coalesce(st: State, *vs: Any) -> Any:
    for v in vs:
        if not _empty(v):
            return v
    return None


@_reg("all", (), ANY)
def _all(st: State, *vs: Any) -> bool:
    return all(not _empty(v) for v in vs)


@_reg("any", (), ANY)
def _any(st: State, *vs: Any) -> bool:
    return any(not _empty(v) for v in vs)


@_reg("ternary", (ANY, ANY, BOOL))
def _ternary(st: State, vt: Any, vf: Any, v: bool) -> Any:
    return vt if v else vf


@_reg("typeOf", (ANY,))
def _type_of(st: State, v: Any) -> str:
    return gv.type_name(v, st.fl)


@_reg("typeIs", (STR, ANY))
def _type_is(st: State, target: str, v: Any) -> bool:
    return target == gv.type_name(v, st.fl)


@_reg("typeIsLike", (STR, ANY))
def _type_is_like(st: State, target: str, v: Any) -> bool:
    t = gv.type_name(v, st.fl)
    return target == t or "*" + target == t


@_reg("kindOf", (ANY,))
def _kind_of(st: State, v: Any) -> str:
    return gv.kind(v, st.fl)


@_reg("kindIs", (STR, ANY))
def _kind_is(st: State, target: str, v: Any) -> bool:
    return target == gv.kind(v, st.fl)


@_reg("deepEqual", (ANY, ANY))
def _deep_equal(st: State, a: Any, b: Any) -> bool:
    return _deq(st, a, b)


def _deq(st: State, a: Any, b: Any) -> bool:
    if gv.type_name(a, st.fl) != gv.type_name(b, st.fl):
        return False
    if isinstance(a, Mapping):
        return a.keys() == b.keys() and all(_deq(st, a[k], b[k]) for k in a)
    if _is_list(a):
        return len(a) == len(b) and all(_deq(st, x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


@_reg("deepCopy", (ANY,))
def _deep_copy(st: State, v: Any) -> Any:
    if v is None:
        raise FuncError("reflect: call of reflect.Value.Type on zero Value")
    return copy.deepcopy(v)


_alias("mustDeepCopy", "deepCopy")


# ---------------------------------------------------------------------------------------
# sprig: strings


@_reg("trim", (STR,))
def _trim(st: State, s: str) -> str:
    return s.strip(_UNICODE_SPACE)


# unicode.IsSpace, which strings.TrimSpace uses.
_UNICODE_SPACE = (
    "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"
    "\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


@_reg("upper", (STR,))
def _upper(st: State, s: str) -> str:
    return s.upper() if s.isascii() else "".join(c.upper() if len(c.upper()) == 1 else c for c in s)


@_reg("lower", (STR,))
def _lower(st: State, s: str) -> str:
    return s.lower() if s.isascii() else "".join(c.lower() if len(c.lower()) == 1 else c for c in s)


@_reg("title", (STR,))
def _title(st: State, s: str) -> str:
    out = []
    prev_sep = True
    for c in s:
        if prev_sep and (c.isalpha() or c.isdigit()):
            out.append(c.upper() if len(c.upper()) == 1 else c)
        else:
            out.append(c)
        prev_sep = not (c.isalnum() or c == "_") if c.isascii() else c.isspace()
    return "".join(out)


@_reg("untitle", (STR,))
def _untitle(st: State, s: str) -> str:
    return s[:1].lower() + s[1:] if s else s


def _byte_slice(s: str, start: int | None, end: int | None) -> str:
    b = s.encode()
    n = len(b)
    lo = 0 if start is None else start
    hi = n if end is None else end
    if hi < 0 or hi > n:
        raise FuncError(f"runtime error: slice bounds out of range [:{hi}] with length {n}")
    if lo < 0 or lo > hi:
        raise FuncError(f"runtime error: slice bounds out of range [{lo}:{hi}]")
    return b[lo:hi].decode(errors="replace")


@_reg("trunc", (INT, STR))
def _trunc(st: State, c: int, s: str) -> str:
    n = len(s.encode())
    if c < 0 and n + c > 0:
        return _byte_slice(s, n + c, None)
    if c >= 0 and n > c:
        return _byte_slice(s, None, c)
    return s


@_reg("substr", (INT, INT, STR))
def _substr(st: State, start: int, end: int, s: str) -> str:
    if start < 0:
        return _byte_slice(s, None, end)
    n = len(s.encode())
    if end < 0 or end > n:
        return _byte_slice(s, start, None)
    return _byte_slice(s, start, end)


@_reg("repeat", (INT, STR))
def _repeat(st: State, count: int, s: str) -> str:
    if count < 0:
        raise FuncError("strings: negative Repeat count")
    return s * count


def _trim_cutset(s: str, cut: str, left: bool, right: bool) -> str:
    if not cut:
        return s
    if left:
        s = s.lstrip(cut)
    if right:
        s = s.rstrip(cut)
    return s


@_reg("trimAll", (STR, STR))
def _trim_all(st: State, a: str, b: str) -> str:
    return _trim_cutset(b, a, True, True)


_alias("trimall", "trimAll")


@_reg("trimSuffix", (STR, STR))
def _trim_suffix(st: State, a: str, b: str) -> str:
    return b[: -len(a)] if a and b.endswith(a) else b


@_reg("trimPrefix", (STR, STR))
def _trim_prefix(st: State, a: str, b: str) -> str:
    return b[len(a) :] if a and b.startswith(a) else b


@_reg("nospace", (STR,))
def _nospace(st: State, s: str) -> str:
    return "".join(c for c in s if not c.isspace())


@_reg("initials", (STR,))
def _initials(st: State, s: str) -> str:
    return "".join(w[0] for w in s.split() if w)


@_reg("swapcase", (STR,))
def _swapcase(st: State, s: str) -> str:
    return "".join(
        c.lower() if c.isupper() or c.istitle() else c.upper() if c.islower() else c for c in s
    )


def _abbreviate_full(s: str, offset: int, width: int) -> str:
    """goutils.AbbreviateFull (byte offsets, as Go's)."""
    b = s.encode()
    n = len(b)
    if not b or width < 4 or n <= width:
        return s
    offset = min(offset, n)
    if n - offset < width - 3:
        offset = n - (width - 3)
    if offset <= 4:
        return b[: width - 3].decode(errors="replace") + "..."
    if width < 7:
        return s
    if offset + width - 3 < n:
        return "..." + _abbreviate_full(
            b[offset + width - 3 :].decode(errors="replace"), 0, width - 3
        )
    return "..." + b[n - (width - 3) :].decode(errors="replace")


@_reg("abbrev", (INT, STR))
def _abbrev(st: State, width: int, s: str) -> str:
    return s if width < 4 else _abbreviate_full(s, 0, width)


@_reg("abbrevboth", (INT, INT, STR))
def _abbrevboth(st: State, left: int, right: int, s: str) -> str:
    if right < 4 or (left > 0 and right < 7):
        return s
    return _abbreviate_full(s, left, right)


@_reg("contains", (STR, STR))
def _contains(st: State, sub: str, s: str) -> bool:
    return sub in s


@_reg("hasPrefix", (STR, STR))
def _has_prefix(st: State, p: str, s: str) -> bool:
    return s.startswith(p)


@_reg("hasSuffix", (STR, STR))
def _has_suffix(st: State, p: str, s: str) -> bool:
    return s.endswith(p)


@_reg("quote", (), ANY)
def _quote(st: State, *vs: Any) -> str:
    return " ".join(go_quote(strval(st, v)) for v in vs if v is not None and v is not NIL_IFACE)


@_reg("squote", (), ANY)
def _squote(st: State, *vs: Any) -> str:
    return " ".join(
        "'" + gv.sprint_value(v, st.fl) + "'" for v in vs if v is not None and v is not NIL_IFACE
    )


@_reg("cat", (), ANY)
def _cat(st: State, *vs: Any) -> str:
    return " ".join(gv.sprint_value(v, st.fl) for v in vs if v is not None and v is not NIL_IFACE)


@_reg("indent", (INT, STR))
def _indent(st: State, n: int, s: str) -> str:
    pad = " " * max(n, 0)
    return pad + s.replace("\n", "\n" + pad)


@_reg("nindent", (INT, STR))
def _nindent(st: State, n: int, s: str) -> str:
    return "\n" + _indent(st, n, s)


@_reg("replace", (STR, STR, STR))
def _replace(st: State, old: str, new: str, src: str) -> str:
    if old == "":
        # Go inserts ``new`` before every rune and at the end.
        return new + new.join(src) + (new if src else "")
    return src.replace(old, new)


@_reg("plural", (STR, STR, INT))
def _plural(st: State, one: str, many: str, count: int) -> str:
    return one if count == 1 else many


@_reg("sha1sum", (STR,))
def _sha1(st: State, s: str) -> str:
    return hashlib.sha1(s.encode()).hexdigest()


@_reg("sha256sum", (STR,))
def _sha256(st: State, s: str) -> str:
    return hashlib.sha256(s.encode()).hexdigest()


@_reg("sha512sum", (STR,))
def _sha512(st: State, s: str) -> str:
    return hashlib.sha512(s.encode()).hexdigest()


@_reg("adler32sum", (STR,))
def _adler32(st: State, s: str) -> str:
    return str(zlib.adler32(s.encode()))


@_reg("toString", (ANY,))
def _to_string(st: State, v: Any) -> str:
    return strval(st, v)


@_reg("toStrings", (ANY,))
def _to_strings(st: State, v: Any) -> gv.StrList:
    return _strslice(st, v)


def _strslice(st: State, v: Any) -> gv.StrList:
    v = _dig(v)
    if type(v) is gv.StrList:
        return v
    if _is_list(v):
        return gv.StrList(strval(st, x) for x in v if x is not None)
    if v is None:
        return gv.StrList()
    return gv.StrList([strval(st, v)])


@_reg("atoi", (STR,))
def _atoi(st: State, s: str) -> gv.Int:
    t = s[1:] if s[:1] in "+-" else s
    if not t or not t.isascii() or not t.isdigit():
        return gv.Int(0)
    v = int(s)
    return gv.Int(v if -(2**63) <= v < 2**63 else 0)


@_reg("int64", (ANY,))
def _int64(st: State, v: Any) -> gv.Int64:
    return gv.Int64(to_int64(st, v))


@_reg("int", (ANY,))
def _int(st: State, v: Any) -> gv.Int:
    return gv.Int(to_int64(st, v))


@_reg("float64", (ANY,))
def _float64(st: State, v: Any) -> float:
    return to_float64(st, v)


@_reg("toDecimal", (ANY,))
def _to_decimal(st: State, v: Any) -> gv.Int64:
    s = gv.sprint_value(_dig(v), st.fl)
    t = s[1:] if s[:1] in "+-" else s
    if not t or any(c not in "01234567_" for c in t):
        return gv.Int64(0)
    try:
        r = int(s.replace("_", ""), 8)
    except ValueError:
        return gv.Int64(0)
    return gv.Int64(r if -(2**63) <= r < 2**63 else 0)


@_reg("split", (STR, STR))
def _split(st: State, sep: str, s: str) -> gv.StrMap:
    return gv.StrMap((f"_{i}", p) for i, p in enumerate(_go_split(s, sep, -1)))


@_reg("splitn", (STR, INT, STR))
def _splitn(st: State, sep: str, n: int, s: str) -> gv.StrMap:
    return gv.StrMap((f"_{i}", p) for i, p in enumerate(_go_split(s, sep, n)))


@_reg("splitList", (STR, STR))
def _split_list(st: State, sep: str, s: str) -> gv.StrList:
    return gv.StrList(_go_split(s, sep, -1))


def _go_split(s: str, sep: str, n: int) -> list[str]:
    """Go's strings.SplitN: an empty separator splits into runes."""
    if n == 0:
        return []
    if sep == "":
        chars = list(s)
        if n > 0 and len(chars) > n:
            return [*chars[: n - 1], "".join(chars[n - 1 :])]
        return chars
    if n < 0:
        return s.split(sep)
    return s.split(sep, n - 1)


@_reg("join", (STR, ANY))
def _join(st: State, sep: str, v: Any) -> str:
    return sep.join(_strslice(st, v))


@_reg("sortAlpha", (ANY,))
def _sort_alpha(st: State, v: Any) -> gv.StrList:
    v = _dig(v)
    if _is_list(v):
        return gv.StrList(sorted(_strslice(st, v), key=lambda x: x.encode()))
    return gv.StrList([strval(st, v)])


@_reg("b64enc", (STR,))
def _b64enc(st: State, s: str) -> str:
    return base64.b64encode(s.encode()).decode()


@_reg("b64dec", (STR,))
def _b64dec(st: State, s: str) -> str:
    try:
        return base64.b64decode(s.encode(), validate=True).decode(errors="replace")
    except (binascii.Error, ValueError):
        return _b64_error(s)


def _b64_error(s: str) -> str:
    # Go: "illegal base64 data at input byte N"
    alphabet = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
    b = s.encode()
    for i, c in enumerate(b):
        if chr(c) not in alphabet and chr(c) != "=" and c not in (10, 13):
            return f"illegal base64 data at input byte {i}"
    at = len(b) - len(b) % 4 if len(b) % 4 else len(b) - 1
    return f"illegal base64 data at input byte {at}"


@_reg("b32enc", (STR,))
def _b32enc(st: State, s: str) -> str:
    return base64.b32encode(s.encode()).decode()


@_reg("b32dec", (STR,))
def _b32dec(st: State, s: str) -> str:
    try:
        return base64.b32decode(s.encode()).decode(errors="replace")
    except (binascii.Error, ValueError):
        return "illegal base32 data at input byte 0"


@_reg("hello")
def _hello(st: State) -> str:
    return "Hello!"


# ---------------------------------------------------------------------------------------
# sprig: numbers


@_reg("add1", (ANY,))
def _add1(st: State, v: Any) -> gv.Int64:
    return gv.Int64(_wrap64(to_int64(st, v) + 1))


@_reg("add", (), ANY)
def _add(st: State, *vs: Any) -> gv.Int64:
    return gv.Int64(_wrap64(sum(to_int64(st, v) for v in vs)))


@_reg("sub", (ANY, ANY))
def _sub(st: State, a: Any, b: Any) -> gv.Int64:
    return gv.Int64(_wrap64(to_int64(st, a) - to_int64(st, b)))


def _go_div(a: int, b: int) -> int:
    if b == 0:
        raise FuncError("runtime error: integer divide by zero")
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


@_reg("div", (ANY, ANY))
def _div(st: State, a: Any, b: Any) -> gv.Int64:
    return gv.Int64(_wrap64(_go_div(to_int64(st, a), to_int64(st, b))))


@_reg("mod", (ANY, ANY))
def _mod(st: State, a: Any, b: Any) -> gv.Int64:
    x, y = to_int64(st, a), to_int64(st, b)
    return gv.Int64(x - _go_div(x, y) * y)


@_reg("mul", (ANY,), ANY)
def _mul(st: State, a: Any, *vs: Any) -> gv.Int64:
    r = to_int64(st, a)
    for v in vs:
        r = _wrap64(r * to_int64(st, v))
    return gv.Int64(r)


@_reg("max", (ANY,), ANY)
def _max(st: State, a: Any, *vs: Any) -> gv.Int64:
    return gv.Int64(max([to_int64(st, a), *(to_int64(st, v) for v in vs)]))


_alias("biggest", "max")


@_reg("min", (ANY,), ANY)
def _min(st: State, a: Any, *vs: Any) -> gv.Int64:
    return gv.Int64(min([to_int64(st, a), *(to_int64(st, v) for v in vs)]))


@_reg("maxf", (ANY,), ANY)
def _maxf(st: State, a: Any, *vs: Any) -> float:
    r = to_float64(st, a)
    for v in vs:
        f = to_float64(st, v)
        r = math.nan if math.isnan(r) or math.isnan(f) else max(r, f)
    return r


@_reg("minf", (ANY,), ANY)
def _minf(st: State, a: Any, *vs: Any) -> float:
    r = to_float64(st, a)
    for v in vs:
        f = to_float64(st, v)
        r = math.nan if math.isnan(r) or math.isnan(f) else min(r, f)
    return r


@_reg("floor", (ANY,))
def _floor(st: State, v: Any) -> float:
    f = to_float64(st, v)
    return float(math.floor(f)) if math.isfinite(f) else f


@_reg("ceil", (ANY,))
def _ceil(st: State, v: Any) -> float:
    f = to_float64(st, v)
    return float(math.ceil(f)) if math.isfinite(f) else f


@_reg("round", (ANY, INT), FLOAT)
def _round(st: State, a: Any, p: int, *r_opt: float) -> float:
    round_on = r_opt[0] if r_opt else 0.5
    val = to_float64(st, a)
    pw = math.pow(10, float(p))
    digit = pw * val
    frac = math.modf(digit)[0]
    r = math.ceil(digit) if frac >= round_on else math.floor(digit)
    return r / pw


def _decimal_op(st: State, a: Any, bs: tuple[Any, ...], op: str) -> float:
    """shopspring/decimal arithmetic on the shortest decimal form of each float."""
    with localcontext() as ctx:
        ctx.prec = 100
        acc = Decimal(repr(to_float64(st, a)))
        for b in bs:
            d = Decimal(repr(to_float64(st, b)))
            if op == "+":
                acc += d
            elif op == "-":
                acc -= d
            elif op == "*":
                acc *= d
            else:
                if d == 0:
                    raise FuncError("decimal division by 0")
                acc = (acc / d).quantize(Decimal(1).scaleb(-16), rounding=ROUND_HALF_UP)
        return float(acc)


@_reg("addf", (), ANY)
def _addf(st: State, *vs: Any) -> float:
    return _decimal_op(st, 0.0, vs, "+")


@_reg("add1f", (ANY,))
def _add1f(st: State, v: Any) -> float:
    return _decimal_op(st, v, (1,), "+")


@_reg("subf", (ANY,), ANY)
def _subf(st: State, a: Any, *vs: Any) -> float:
    return _decimal_op(st, a, vs, "-")


@_reg("mulf", (ANY,), ANY)
def _mulf(st: State, a: Any, *vs: Any) -> float:
    return _decimal_op(st, a, vs, "*")


@_reg("divf", (ANY,), ANY)
def _divf(st: State, a: Any, *vs: Any) -> float:
    return _decimal_op(st, a, vs, "/")


@_reg("until", (INT,))
def _until(st: State, n: int) -> gv.IntList:
    return _until_step(st, 0, n, 1 if n >= 0 else -1)


@_reg("untilStep", (INT, INT, INT))
def _until_step(st: State, start: int, stop: int, step: int) -> gv.IntList:
    if stop < start:
        if step >= 0:
            return gv.IntList()
        return gv.IntList(gv.Int(i) for i in range(start, stop, step))
    if step <= 0:
        return gv.IntList()
    return gv.IntList(gv.Int(i) for i in range(start, stop, step))


@_reg("seq", (), INT)
def _seq(st: State, *params: int) -> str:
    def join(xs: list[Any]) -> str:
        return " ".join(str(int(x)) for x in xs)

    if len(params) == 1:
        start, end = 1, params[0]
        inc = -1 if end < start else 1
        return join(_until_step(st, start, end + inc, inc))
    if len(params) == 2:
        start, end = params
        step = -1 if end < start else 1
        return join(_until_step(st, start, end + step, step))
    if len(params) == 3:
        start, step, end = params
        inc = 1
        if end < start:
            inc = -1
            if step > 0:
                return ""
        return join(_until_step(st, start, end + inc, step))
    return ""


# ---------------------------------------------------------------------------------------
# sprig: lists


@_reg("list", (), ANY)
def _list(st: State, *vs: Any) -> list[Any]:
    return list(vs)


_alias("tuple", "list")


@_reg("append", (ANY, ANY))
def _append(st: State, lst: Any, v: Any) -> list[Any]:
    return [*_list_kind_check(st, lst, "Cannot push on type"), v]


_alias("push", "append")


@_reg("prepend", (ANY, ANY))
def _prepend(st: State, lst: Any, v: Any) -> list[Any]:
    return [v, *_list_kind_check(st, lst, "Cannot prepend on type")]


@_reg("first", (ANY,))
def _first(st: State, lst: Any) -> Any:
    items = _list_kind_check(st, lst, "Cannot find first on type")
    return items[0] if items else None


@_reg("last", (ANY,))
def _last(st: State, lst: Any) -> Any:
    items = _list_kind_check(st, lst, "Cannot find last on type")
    return items[-1] if items else None


@_reg("rest", (ANY,))
def _rest(st: State, lst: Any) -> Any:
    return _list_kind_check(st, lst, "Cannot find rest on type")[1:]


@_reg("initial", (ANY,))
def _initial(st: State, lst: Any) -> Any:
    return _list_kind_check(st, lst, "Cannot find initial on type")[:-1]


@_reg("reverse", (ANY,))
def _reverse(st: State, lst: Any) -> list[Any]:
    return _list_kind_check(st, lst, "Cannot find reverse on type")[::-1]


@_reg("compact", (ANY,))
def _compact(st: State, lst: Any) -> list[Any]:
    return [x for x in _list_kind_check(st, lst, "Cannot compact on type") if not _empty(x)]


def _in_list(st: State, hay: list[Any], needle: Any) -> bool:
    return any(_deq(st, needle, h) for h in hay)


@_reg("uniq", (ANY,))
def _uniq(st: State, lst: Any) -> list[Any]:
    out: list[Any] = []
    for x in _list_kind_check(st, lst, "Cannot find uniq on type"):
        if not _in_list(st, out, x):
            out.append(x)
    return out


@_reg("without", (ANY,), ANY)
def _without(st: State, lst: Any, *omit: Any) -> list[Any]:
    return [
        x
        for x in _list_kind_check(st, lst, "Cannot find without on type")
        if not _in_list(st, list(omit), x)
    ]


@_reg("has", (ANY, ANY))
def _has(st: State, needle: Any, hay: Any) -> bool:
    hay = _dig(hay)
    if hay is None:
        return False
    return _in_list(st, _list_kind_check(st, hay, "Cannot find has on type"), needle)


@_reg("concat", (), ANY)
def _concat(st: State, *lists: Any) -> Any:
    out: list[Any] = []
    for lst in lists:
        lst = _dig(lst)
        if lst is None:
            raise _nil_deref()
        if not _is_list(lst):
            raise FuncError(f"Cannot concat type {_go_kind_name(st, lst)} as list")
        out.extend(lst)
    return out


@_reg("slice", (ANY,), ANY)
def _slice(st: State, lst: Any, *indices: Any) -> Any:
    lst = _dig(lst)
    if lst is None:
        raise _nil_deref()
    if not _is_list(lst):
        raise FuncError(f"list should be type of slice or array but {_go_kind_name(st, lst)}")
    n = len(lst)
    if n == 0:
        return None
    start = to_int64(st, indices[0]) if indices else 0
    end = to_int64(st, indices[1]) if len(indices) >= 2 else n
    if not (0 <= start <= end <= n):
        raise FuncError("reflect.Value.Slice: slice index out of bounds")
    return type(lst)(lst[start:end]) if type(lst) is not tuple else list(lst[start:end])


@_reg("chunk", (INT, ANY))
def _chunk(st: State, size: int, lst: Any) -> list[Any]:
    items = _list_kind_check(st, lst, "Cannot chunk type")
    if size <= 0:
        raise FuncError("runtime error: integer divide by zero")
    return [items[i : i + size] for i in range(0, len(items), size)] or [[]]


@_reg("dig", (), ANY)
def _dig_f(st: State, *ps: Any) -> Any:
    if len(ps) < 3:
        raise FuncError("dig needs at least three arguments")
    d = _dig(ps[-1])
    default = ps[-2]
    keys = ps[:-2]
    if not isinstance(d, dict):
        raise FuncError(
            f"interface conversion: interface {{}} is {_tn(st, d)}, not map[string]interface {{}}"
        )
    for i, k in enumerate(keys):
        if not isinstance(k, str):
            raise FuncError(f"interface conversion: interface {{}} is {_tn(st, k)}, not string")
        if k not in d:
            return default
        step = d[k]
        if i == len(keys) - 1:
            return step
        if not isinstance(step, dict):
            raise FuncError(
                "interface conversion: interface {} is "
                f"{_tn(st, step)}, not map[string]interface {{}}"
            )
        d = step
    return default  # pragma: no cover


# ---------------------------------------------------------------------------------------
# sprig: dicts


@_reg("dict", (), ANY)
def _dict(st: State, *vs: Any) -> dict[str, Any]:
    d: dict[str, Any] = {}
    for i in range(0, len(vs), 2):
        key = strval(st, vs[i])
        d[key] = vs[i + 1] if i + 1 < len(vs) else ""
    return d


def _need_map(d: Any) -> dict[str, Any]:
    if d is None:
        raise FuncError("assignment to entry in nil map")
    return d  # type: ignore[no-any-return]


@_reg("get", (MAP, STR))
def _get(st: State, d: Any, key: str) -> Any:
    if d is None or key not in d:
        return ""
    return d[key]


@_reg("set", (MAP, STR, ANY))
def _set(st: State, d: Any, key: str, v: Any) -> Any:
    _need_map(d)[key] = v
    return d


@_reg("unset", (MAP, STR))
def _unset(st: State, d: Any, key: str) -> Any:
    if d is not None:
        d.pop(key, None)
    return d


@_reg("hasKey", (MAP, STR))
def _has_key(st: State, d: Any, key: str) -> bool:
    return d is not None and key in d


@_reg("pluck", (STR,), MAP)
def _pluck(st: State, key: str, *ds: Any) -> list[Any]:
    return [d[key] for d in ds if d is not None and key in d]


@_reg("keys", (), MAP)
def _keys(st: State, *ds: Any) -> gv.StrList:
    # Go's map order is random; Helm users sort (``keys . | sortAlpha``). A fixed order
    # is one of the orders Helm may produce, and keeps renders reproducible.
    out = gv.StrList()
    for d in ds:
        if d is not None:
            out.extend(sorted(d))
    return out


@_reg("values", (MAP,))
def _values_f(st: State, d: Any) -> list[Any]:
    return [d[k] for k in sorted(d)] if d else []


@_reg("pick", (MAP,), STR)
def _pick(st: State, d: Any, *keys: str) -> dict[str, Any]:
    return {k: d[k] for k in keys if d is not None and k in d}


@_reg("omit", (MAP,), STR)
def _omit(st: State, d: Any, *keys: str) -> dict[str, Any]:
    return {k: v for k, v in (d or {}).items() if k not in keys}


def _merge_into(dst: dict[str, Any], src: Mapping[str, Any], overwrite: bool) -> None:
    """mergo's deepMerge for maps of interfaces, as sprig calls it."""
    for key in sorted(src):
        sv = src[key]
        present = key in dst
        dv = dst.get(key)
        if sv is None:
            if overwrite:
                dst[key] = None
            continue
        if _is_list(sv):
            # mergo treats a slice like a scalar: the source wins when overwriting or
            # when the destination is unset or empty.
            if overwrite or not present or _empty(dv):
                dst[key] = sv
            continue
        if isinstance(sv, Mapping) and present and isinstance(dv, dict):
            _merge_into(dv, sv, overwrite)
            if dv:
                continue
        if overwrite or not present or _empty(dv):
            dst[key] = sv


def _merge(st: State, dst: Any, srcs: tuple[Any, ...], overwrite: bool) -> Any:
    if dst is None:
        dst = {}
    for src in srcs:
        if src is not None:
            _merge_into(dst, src, overwrite)
    return dst


@_reg("merge", (MAP,), MAP)
def _merge_f(st: State, dst: Any, *srcs: Any) -> Any:
    return _merge(st, dst, srcs, False)


@_reg("mergeOverwrite", (MAP,), MAP)
def _merge_overwrite(st: State, dst: Any, *srcs: Any) -> Any:
    return _merge(st, dst, srcs, True)


_alias("mustMerge", "merge")
_alias("mustMergeOverwrite", "mergeOverwrite")


# ---------------------------------------------------------------------------------------
# sprig: regular expressions, semver, paths


def _go_backquote(s: str) -> str:
    """Go regexp's quote(): backquotes when strconv.CanBackquote, else strconv.Quote."""
    if "`" not in s and all(c == "\t" or (c >= " " and c != "\x7f") for c in s):
        return f"`{s}`"
    return go_quote(s)


def _regex_pair(suffix: str, params: tuple[str, ...], op: str, lists: bool) -> None:
    """Register sprig's ``regexX`` and ``mustRegexX``. A bad pattern makes the first
    panic with Go's ``regexp: Compile(`p`): ...`` (``regexMatch`` instead answers false)
    and the second return the bare error."""

    def make(must: bool) -> Callable[..., Any]:
        def fn(st: State, *args: Any) -> Any:
            from . import _regex

            try:
                r = getattr(_regex, op)(*args)
            except _regex.RegexError as e:
                if must or "not supported" in str(e):
                    raise FuncError(str(e)) from None
                if suffix == "Match":
                    return False
                raise FuncError(f"regexp: Compile({_go_backquote(args[0])}): {e}") from None
            return gv.StrList(r) if lists and r is not None else r

        return fn

    for name, must in ((f"regex{suffix}", False), (f"mustRegex{suffix}", True)):
        FUNCS[name] = Func(name, make(must), params)


_regex_pair("Match", (STR, STR), "match", False)
_regex_pair("Find", (STR, STR), "find", False)
_regex_pair("FindAll", (STR, STR, INT), "find_all", True)
_regex_pair("ReplaceAll", (STR, STR, STR), "replace_all", False)
_regex_pair("ReplaceAllLiteral", (STR, STR, STR), "replace_all_literal", False)
_regex_pair("Split", (STR, STR, INT), "split", True)


@_reg("regexQuoteMeta", (STR,))
def _regex_quote_meta(st: State, s: str) -> str:
    from ._regex import quote_meta

    return quote_meta(s)


@_reg("semverCompare", (STR, STR))
def _semver_compare(st: State, constraint: str, version: str) -> bool:
    from ._semver import SemverError, semver_compare

    try:
        return semver_compare(constraint, version)
    except SemverError as e:
        raise FuncError(str(e)) from None


def _go_clean(p: str) -> str:
    """Go's path.Clean."""
    if p == "":
        return "."
    rooted = p.startswith("/")
    parts: list[str] = []
    for seg in p.split("/"):
        if seg in ("", "."):
            continue
        if seg == "..":
            if parts and parts[-1] != "..":
                parts.pop()
            elif not rooted:
                parts.append("..")
            continue
        parts.append(seg)
    out = "/".join(parts)
    if rooted:
        return "/" + out
    return out or "."


@_reg("base", (STR,))
def _base(st: State, p: str) -> str:
    if p == "":
        return "."
    p = p.rstrip("/")
    if p == "":
        return "/"
    return p.rsplit("/", 1)[-1]


@_reg("dir", (STR,))
def _dir(st: State, p: str) -> str:
    i = p.rfind("/")
    return _go_clean(p[: i + 1])


@_reg("clean", (STR,))
def _clean(st: State, p: str) -> str:
    return _go_clean(p)


@_reg("ext", (STR,))
def _ext(st: State, p: str) -> str:
    for i in range(len(p) - 1, -1, -1):
        if p[i] == "/":
            break
        if p[i] == ".":
            return p[i:]
    return ""


@_reg("isAbs", (STR,))
def _is_abs(st: State, p: str) -> bool:
    return p.startswith("/")


for _os_name, _name in (
    ("osBase", "base"),
    ("osDir", "dir"),
    ("osClean", "clean"),
    ("osExt", "ext"),
    ("osIsAbs", "isAbs"),
):
    _alias(_os_name, _name)

# Short aliases sprig defines for the list functions' "must" forms.
for _m in (
    "First",
    "Last",
    "Rest",
    "Initial",
    "Reverse",
    "Uniq",
    "Without",
    "Has",
    "Slice",
    "Compact",
    "Append",
    "Prepend",
    "Chunk",
):
    _alias("must" + _m, _m[0].lower() + _m[1:])
_alias("mustPush", "append")
