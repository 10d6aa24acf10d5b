"""Helm's ``toYaml`` and ``fromYaml``, byte for byte.

``toYaml`` is sigs.k8s.io/yaml's ``Marshal``: the value goes through Go's JSON encoder,
go-yaml v2 reads that JSON back (so a float64 ``3`` becomes the int ``3``, ``1e+21`` a
float), and go-yaml v2's emitter writes it. The emitter's choices are what users see:
map keys in go-yaml's "natural" order (``a2`` before ``a10``), compact sequences under a
key, ``"8000"``/``"yes"``/``"2024-01-01"`` double-quoted because they would read back as
other types, ``'{{ x }}'`` single-quoted because ``{`` cannot start a plain scalar, ``|-``
literal blocks for multi-line strings, and long plain or quoted strings folded at 80
columns. This module ports that emitter's decisions (emitterc.go) rather than
approximating them.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from typing import Any

from . import _values as gv


class YAMLError(ValueError):
    """YAML that go-yaml would not read (or, for toYaml, not write)."""


_BEST_WIDTH = 80
_BEST_INDENT = 2

# ---------------------------------------------------------------------------------------
# go-yaml v2's implicit resolution (resolve.go): what a plain scalar would read back as.

_RESOLVE_MAP = frozenset(
    {
        *("y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"),
        *("n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"),
        *("", "~", "null", "Null", "NULL", ".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF"),
        *("+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF", "<<"),
    }
)

_HINTS = {c: "D" for c in "0123456789"}
_HINTS.update({"+": "S", "-": "S", ".": "."})
_HINTS.update({c: "M" for c in "yYnNtTfFoO~"})


def _go_parse_int(s: str, unsigned: bool) -> bool:
    """Whether Go's strconv.ParseInt/ParseUint(s, 0, 64) accepts ``s``."""
    t = s
    neg = False
    if t[:1] in "+-":
        if unsigned:
            return False
        neg = t[0] == "-"
        t = t[1:]
    if not t:
        return False
    base = 10
    if len(t) > 1 and t[0] == "0":
        p = t[1]
        if p in "xX":
            base, t = 16, t[2:]
        elif p in "bB":
            base, t = 2, t[2:]
        elif p in "oO":
            base, t = 8, t[2:]
        else:
            base, t = 8, t[1:]
    if not t or not all(c in "0123456789abcdefABCDEF"[: base if base <= 10 else 22] for c in t):
        return False
    v = int(t, base)
    if neg:
        v = -v
    if unsigned:
        return v < 2**64
    return -(2**63) <= v < 2**63


def _is_yaml_float(s: str) -> bool:
    """yamlStyleFloat: ``^[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?$``."""
    i = 0
    n = len(s)
    if i < n and s[i] in "+-":
        i += 1
    digits = 0
    while i < n and "0" <= s[i] <= "9":
        i += 1
        digits += 1
    if i < n and s[i] == ".":
        i += 1
        frac = 0
        while i < n and "0" <= s[i] <= "9":
            i += 1
            frac += 1
        if digits == 0 and frac == 0:
            return False
    elif digits == 0:
        return False
    if i < n and s[i] in "eE":
        i += 1
        if i < n and s[i] in "+-":
            i += 1
        e = 0
        while i < n and "0" <= s[i] <= "9":
            i += 1
            e += 1
        if e == 0:
            return False
    return i == n


def _go_parse_float_ok(s: str) -> bool:
    """strconv.ParseFloat accepts ``s`` (``s`` starts with a dot: no sign, no hex)."""
    return _is_yaml_float(s)


def _days_in_month(y: int, m: int) -> int:
    if m == 2:
        leap = y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)
        return 29 if leap else 28
    return 30 if m in (4, 6, 9, 11) else 31


def _num(s: str, i: int, lo: int, hi: int) -> tuple[int, int] | None:
    """1 to ``hi`` digits at ``i`` (Go's getnum for non-fixed fields)."""
    j = i
    while j < len(s) and j - i < hi and "0" <= s[j] <= "9":
        j += 1
    if j - i < lo:
        return None
    return int(s[i:j]), j


def _fields(s: str, i: int, sep: str, count: int) -> tuple[list[int], int] | None:
    """``count`` numbers of 1-2 digits from ``s[i:]``, separated by ``sep``."""
    out = []
    for k in range(count):
        if k:
            if i >= len(s) or s[i] != sep:
                return None
            i += 1
        r = _num(s, i, 1, 2)
        if r is None:
            return None
        out.append(r[0])
        i = r[1]
    return out, i


def _is_timestamp(s: str) -> bool:
    """go-yaml v2's parseTimestamp: the few layouts it tries with time.Parse
    (``2006-1-2``, with ``T``/``t``/space and ``15:4:5[.999999999]``, then ``Z07:00``
    unless the separator was a space)."""
    if len(s) < 5 or not s[:4].isdigit() or s[4] != "-":
        return False
    date = _fields(s, 5, "-", 2)
    if date is None:
        return False
    (month, day), i = date
    if not (1 <= month <= 12) or not (1 <= day <= _days_in_month(int(s[:4]), month)):
        return False
    if i == len(s):
        return True
    sep = s[i]
    clock = _fields(s, i + 1, ":", 3) if sep in "Tt " else None
    if clock is None:
        return False
    (hour, minute, sec), i = clock
    if hour >= 24 or minute >= 60 or sec >= 60:
        return False
    if i < len(s) and s[i] == ".":
        j = i + 1
        while j < len(s) and s[j].isdigit():
            j += 1
        if j == i + 1:
            return False
        i = j
    if sep == " ":
        return i == len(s)
    z = s[i:]
    if z == "Z":
        return True
    if len(z) == 6 and z[0] in "+-" and z[1:3].isdigit() and z[3] == ":" and z[4:].isdigit():
        return int(z[1:3]) < 24 and int(z[4:]) < 60
    return False


def _is_base60_float(s: str) -> bool:
    """``^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\\.[0-9_]*)?$`` (quoted for YAML 1.1 readers)."""
    if not s or ":" not in s or not (s[0] in "+-" or s[0].isdigit()):
        return False
    i = 1 if s[0] in "+-" else 0
    n = len(s)
    if i >= n or not "0" <= s[i] <= "9":
        return False
    i += 1
    while i < n and ("0" <= s[i] <= "9" or s[i] == "_"):
        i += 1
    groups = 0
    while i < n and s[i] == ":":
        i += 1
        j = i
        while j < n and "0" <= s[j] <= "9" and j - i < 2:
            j += 1
        seg = s[i:j]
        if not seg or (len(seg) == 2 and seg[0] > "5"):
            return False
        groups += 1
        i = j
    if groups == 0:
        return False
    if i < n and s[i] == ".":
        i += 1
        while i < n and ("0" <= s[i] <= "9" or s[i] == "_"):
            i += 1
    return i == n


def resolves_to_string(s: str) -> bool:
    """Whether ``s`` written plain reads back as a string (go-yaml v2 ``resolve``)."""
    hint = _HINTS.get(s[0])
    if hint is None:
        return True
    if s in _RESOLVE_MAP:
        return False
    if hint == "M":
        return True
    if hint == ".":
        return not _go_parse_float_ok(s)
    if _is_timestamp(s):
        return False
    plain = s.replace("_", "")
    if not plain:
        return True
    if _go_parse_int(plain, False) or _go_parse_int(plain, True):
        return False
    if _is_yaml_float(plain):
        return False
    if plain.startswith("0b"):
        if _go_parse_int("0b" + plain[2:], True) if plain[2:] else False:
            return False
    elif plain.startswith("-0b") and plain[3:] and all(c in "01" for c in plain[3:]):
        return False
    return True


# ---------------------------------------------------------------------------------------
# From template values to what go-yaml v2 reads back from Go's JSON.


class _Raw(str):
    """A scalar that is not a string (number, bool, null), already in its YAML form."""

    __slots__ = ()


_NULL = _Raw("null")
_TRUE = _Raw("true")
_FALSE = _Raw("false")


def _float_node(f: float) -> _Raw:
    """A float64 after Go's JSON encoder and go-yaml's decoder: integral values within
    int64/uint64 come back as integers, the rest as floats printed with 'g'."""
    if math.isnan(f) or math.isinf(f):
        raise gv.JSONError("json: unsupported value")
    if f.is_integer() and abs(f) < 1e21:
        i = int(f)
        if -(2**63) <= i < 2**64:
            return _Raw(str(i))
    return _Raw(_yaml_float(f))


def _yaml_float(f: float) -> str:
    if math.isnan(f):
        return ".nan"
    if math.isinf(f):
        return ".inf" if f > 0 else "-.inf"
    return gv.format_float_g(f)


def _key_less(a: str, b: str) -> bool:
    """go-yaml v2's keyList.Less for string keys: letters before others, digit runs
    compared as numbers."""
    la, lb = len(a), len(b)
    for i in range(min(la, lb)):
        ca, cb = a[i], b[i]
        if ca == cb:
            continue
        al, bl = ca.isalpha(), cb.isalpha()
        if al and bl:
            return ca < cb
        if al or bl:
            return bl
        an = bn = 0
        if ca == "0" or cb == "0":
            j = i - 1
            while j >= 0 and a[j].isdigit():
                if a[j] != "0":
                    an = bn = 1
                    break
                j -= 1
        ai = i
        while ai < la and a[ai].isdigit():
            an = _wrap64(an * 10 + (ord(a[ai]) - 48))
            ai += 1
        bi = i
        while bi < lb and b[bi].isdigit():
            bn = _wrap64(bn * 10 + (ord(b[bi]) - 48))
            bi += 1
        if an != bn:
            return an < bn
        if ai != bi:
            return ai < bi
        return ca < cb
    return la < lb


def _wrap64(v: int) -> int:
    v &= 0xFFFFFFFFFFFFFFFF
    return v - (1 << 64) if v >= 1 << 63 else v


def _key_cmp(a: str, b: str) -> int:
    if _key_less(a, b):
        return -1
    if _key_less(b, a):
        return 1
    return 0


_KEY = functools.cmp_to_key(_key_cmp)


def _sort_keys(keys: list[str]) -> list[str]:
    # Most keys compare letter by letter; only keys with digits need the slow order.
    if all(k.isalpha() for k in keys):
        return sorted(keys)
    return sorted(keys, key=_KEY)


def _check_readable(s: str) -> str:
    """A JSON string as go-yaml reads it back. Go's JSON encoder leaves DEL, the C1
    controls and U+FFFE/U+FFFF raw, and go-yaml's reader refuses them (Helm's toYaml then
    prints nothing); it also leaves NEL (U+0085) raw, which YAML reads as a line break
    and folds like any other inside a quoted scalar."""
    if s.isascii():
        if "\x7f" in s:
            raise YAMLError("yaml: control characters are not allowed")
        return s
    for c in s:
        o = ord(c)
        if o == 0x7F or (0x80 <= o <= 0x9F and o != 0x85) or o in (0xFFFE, 0xFFFF):
            raise YAMLError("yaml: control characters are not allowed")
    return _fold_nel(s) if "\x85" in s else s


def _fold_nel(s: str) -> str:
    """go-yaml's double-quoted scanner on raw NEL breaks: blanks around a break vanish,
    one break becomes a space, each further break a newline."""
    out: list[str] = []
    i = 0
    n = len(s)
    while i < n:
        j = i
        while j < n and s[j] in " \t":
            j += 1
        if j < n and s[j] == "\x85":
            breaks = 0
            while j < n and s[j] in " \t\x85":
                if s[j] == "\x85":
                    breaks += 1
                j += 1
            out.append(" " if breaks == 1 else "\n" * (breaks - 1))
            i = j
            continue
        out.append(s[i:j] if j > i else s[i])
        i = j if j > i else i + 1
    return "".join(out)


def _node(v: Any, fl: bool) -> Any:
    """Convert a template value into emitter nodes: ``str`` (a string scalar), a tuple
    (a non-string scalar already printed), a dict (sorted items as a list) or a list."""
    t = type(v)
    if t is str:
        return _check_readable(v)
    if v is None:
        return _NULL
    if t is bool:
        return _TRUE if v else _FALSE
    if t is gv.Int or t is gv.Int64:
        return _Raw(int.__repr__(v))
    if t is int:
        if fl and not -(2**53) <= v <= 2**53:
            return _float_node(gv.as_float(v))
        return _Raw(int.__repr__(v))
    if t is float:
        return _float_node(v)
    if isinstance(v, Mapping):
        items = {_check_readable(str(k)): x for k, x in v.items()}
        return {"": [(k, _node(items[k], fl)) for k in _sort_keys(list(items))]}
    if isinstance(v, list | tuple):
        return [_node(x, fl) for x in v]
    if isinstance(v, gv.GoStruct):
        return _node(v.fields, fl)
    if isinstance(v, bool):
        return _TRUE if v else _FALSE
    if isinstance(v, int):
        return _node(int(v), fl)
    if isinstance(v, float):
        return _node(float(v), fl)
    if isinstance(v, str):
        return str(v)
    raise gv.JSONError(f"json: unsupported type: {type(v).__name__}")


# ---------------------------------------------------------------------------------------
# The emitter (emitterc.go), for block mappings, block sequences and scalars.

_PLAIN, _SINGLE, _DOUBLE, _LITERAL = 1, 2, 3, 4


def _printable(c: str) -> bool:
    o = ord(c)
    return (
        o == 0x0A
        or 0x20 <= o <= 0x7E
        or 0xA0 <= o <= 0xD7FF
        or (0xE000 <= o <= 0xFFFD and o != 0xFEFF)
    )


_BREAKS = "\r\n\x85\u2028\u2029"


def _has_break(s: str) -> bool:
    if s.isascii():
        return "\n" in s or "\r" in s
    return any(c in _BREAKS for c in s)


class _Analysis:
    __slots__ = ("block", "block_plain", "flow_plain", "multiline", "single")

    def __init__(self, value: str) -> None:
        if not value:
            self.multiline = False
            self.flow_plain = False
            self.block_plain = True
            self.single = True
            self.block = False
            return
        if value.isascii() and value.isprintable():
            self._printable_ascii(value)
            return
        block_ind = flow_ind = line_breaks = special = False
        leading_space = leading_break = trailing_space = trailing_break = False
        break_space = space_break = previous_space = previous_break = False
        if value.startswith(("---", "...")):
            block_ind = flow_ind = True
        preceded_by_ws = True
        n = len(value)
        last = n - 1
        for i, c in enumerate(value):
            followed_by_ws = i == last or value[i + 1] in " \t"
            if i == 0:
                if c in "#,[]{}&*!|>'\"%@`":
                    flow_ind = block_ind = True
                elif c in "?:":
                    flow_ind = True
                    if followed_by_ws:
                        block_ind = True
                elif c == "-" and followed_by_ws:
                    flow_ind = block_ind = True
            else:
                if c in ",?[]{}":
                    flow_ind = True
                elif c == ":":
                    flow_ind = True
                    if followed_by_ws:
                        block_ind = True
                elif c == "#" and preceded_by_ws:
                    flow_ind = block_ind = True
            if not _printable(c):
                special = True
            if c == " ":
                if i == 0:
                    leading_space = True
                if i == last:
                    trailing_space = True
                if previous_break:
                    break_space = True
                previous_space = True
                previous_break = False
            elif c in _BREAKS:
                line_breaks = True
                if i == 0:
                    leading_break = True
                if i == last:
                    trailing_break = True
                if previous_space:
                    space_break = True
                previous_space = False
                previous_break = True
            else:
                previous_space = previous_break = False
            preceded_by_ws = c in " \t" or c in _BREAKS or c == "\x00"
        self.multiline = line_breaks
        self.flow_plain = self.block_plain = self.single = self.block = True
        if leading_space or leading_break or trailing_space or trailing_break:
            self.flow_plain = self.block_plain = False
        if trailing_space:
            self.block = False
        if break_space:
            self.flow_plain = self.block_plain = self.single = False
        if space_break or special:
            self.flow_plain = self.block_plain = self.single = self.block = False
        if line_breaks:
            self.flow_plain = self.block_plain = False
        if flow_ind:
            self.flow_plain = False
        if block_ind:
            self.block_plain = False

    def _printable_ascii(self, value: str) -> None:
        """The same decisions for the common case, a single line of printable ASCII,
        without a loop over the characters."""
        c0 = value[0]
        flow_ind = block_ind = value.startswith(("---", "..."))
        if c0 in "#,[]{}&*!|>'\"%@`":
            flow_ind = block_ind = True
        elif c0 in "?:":
            flow_ind = True
            if len(value) == 1 or value[1] in " \t":
                block_ind = True
        elif c0 == "-" and (len(value) == 1 or value[1] in " \t"):
            flow_ind = block_ind = True
        rest = value[1:]
        if rest:
            if any(c in rest for c in ",?[]{}"):
                flow_ind = True
            if ":" in rest:
                flow_ind = True
                if ": " in rest or ":\t" in rest or rest.endswith(":"):
                    block_ind = True
            if " #" in value or "\t#" in value:
                flow_ind = block_ind = True
        edge_space = c0 == " " or value[-1] == " "
        self.multiline = False
        self.single = True
        self.block = value[-1] != " "
        self.flow_plain = not (edge_space or flow_ind)
        self.block_plain = not (edge_space or block_ind)


_DQ_ESCAPES = {
    "\x00": "0",
    "\x07": "a",
    "\x08": "b",
    "\t": "t",
    "\n": "n",
    "\x0b": "v",
    "\x0c": "f",
    "\r": "r",
    "\x1b": "e",
    '"': '"',
    "\\": "\\",
    "\x85": "N",
    "\xa0": "_",
    "\u2028": "L",
    "\u2029": "P",
}


@functools.lru_cache(maxsize=8192)
def _style(s: str, simple_key: bool) -> int:
    """How go-yaml writes the string ``s`` in block context: what ``stringv`` asks for
    (literal if multi-line, plain if it reads back as a string, else double-quoted),
    then what the emitter allows (emitterc.go, select_scalar_style). Strings recur
    (keys above all), so the decision is cached."""
    a = _Analysis(s)
    if "\n" in s:
        style = _LITERAL
    elif s and resolves_to_string(s) and not _is_base60_float(s):
        style = _PLAIN
    else:
        style = _DOUBLE
    if simple_key and a.multiline:
        style = _DOUBLE
    if style == _PLAIN and (not a.block_plain or (not s and simple_key)):
        style = _SINGLE
    if style == _SINGLE and not a.single:
        style = _DOUBLE
    if style == _LITERAL and (not a.block or simple_key):
        style = _DOUBLE
    return style


def _simple_key(k: str) -> bool:
    """A key go-yaml writes as ``key:``; longer (128 bytes) or multi-line ones get ``? ``."""
    if len(k) <= 32 and k.isascii() and k.isprintable():
        return True
    return not _Analysis(k).multiline and len(k.encode()) <= 128


class _Emitter:
    __slots__ = ("column", "indent", "indention", "indents", "out", "whitespace")

    def __init__(self) -> None:
        self.out: list[str] = []
        self.column = 0
        self.indent = -1
        self.indents: list[int] = []
        self.whitespace = True
        self.indention = True

    # -- primitive writes -------------------------------------------------------------

    def put_break(self) -> None:
        self.out.append("\n")
        self.column = 0

    def write_str(self, s: str) -> None:
        self.out.append(s)
        self.column += len(s)

    def write_break(self, c: str) -> None:
        if c == "\n":
            self.put_break()
        else:
            self.out.append(c)
            self.column = 0

    def write_indent(self) -> None:
        indent = self.indent if self.indent >= 0 else 0
        if (
            not self.indention
            or self.column > indent
            or (self.column == indent and not self.whitespace)
        ):
            self.put_break()
        if self.column < indent:
            self.out.append(" " * (indent - self.column))
            self.column = indent
        self.whitespace = True
        self.indention = True

    def write_indicator(self, ind: str, need_ws: bool, is_ws: bool, is_indention: bool) -> None:
        if need_ws and not self.whitespace:
            self.out.append(" ")
            self.column += 1
        self.out.append(ind)
        self.column += len(ind)
        self.whitespace = is_ws
        self.indention = self.indention and is_indention

    def increase_indent(self, flow: bool, indentless: bool) -> None:
        self.indents.append(self.indent)
        if self.indent < 0:
            self.indent = _BEST_INDENT if flow else 0
        elif not indentless:
            self.indent += _BEST_INDENT

    def pop_indent(self) -> None:
        self.indent = self.indents.pop()

    # -- nodes ------------------------------------------------------------------------

    def node(self, n: Any, mapping: bool, simple_key: bool) -> None:
        t = type(n)
        if t is _Raw:
            # Numbers, booleans and null: plain, one word, nothing to fold.
            if not self.whitespace:
                self.out.append(" ")
                self.column += 1
            self.out.append(n)
            self.column += len(n)
            self.whitespace = self.indention = False
        elif t is str:
            self.scalar(n, _style(n, simple_key), simple_key)
        elif t is dict:
            items = n[""]
            if not items:
                self.write_indicator("{", True, True, False)
                self.write_indicator("}", False, False, False)
                return
            self.increase_indent(False, False)
            for k, v in items:
                self.write_indent()
                if _simple_key(k):
                    self.scalar(k, _style(k, True), True)
                    self.write_indicator(":", False, False, False)
                else:
                    self.write_indicator("?", True, False, True)
                    self.scalar(k, _style(k, False), False)
                    self.write_indent()
                    self.write_indicator(":", True, False, True)
                self.node(v, True, False)
            self.pop_indent()
        else:
            if not n:
                self.write_indicator("[", True, True, False)
                self.write_indicator("]", False, False, False)
                return
            self.increase_indent(False, mapping and not self.indention)
            for item in n:
                self.write_indent()
                self.write_indicator("-", True, False, True)
                self.node(item, False, False)
            self.pop_indent()

    def scalar(self, value: str, style: int, simple_key: bool) -> None:
        if (
            style == _PLAIN
            and self.column + len(value) <= _BEST_WIDTH
            and value.isascii()
            and value.isprintable()
        ):
            # One short line: no folding, so the scalar's indentation never matters.
            if not self.whitespace:
                self.out.append(" ")
                self.column += 1
            self.out.append(value)
            self.column += len(value)
            self.whitespace = self.indention = False
            return
        self.increase_indent(True, False)
        allow_breaks = not simple_key
        if style == _PLAIN:
            self.write_plain(value, allow_breaks)
        elif style == _SINGLE:
            self.write_single(value, allow_breaks)
        elif style == _DOUBLE:
            self.write_double(value, allow_breaks)
        else:
            self.write_literal(value)
        self.pop_indent()

    # -- scalar writers ---------------------------------------------------------------

    def write_plain(self, value: str, allow_breaks: bool) -> None:
        if not self.whitespace:
            self.out.append(" ")
            self.column += 1
        self._write_folded(value, allow_breaks, quoted=False)
        self.whitespace = False
        self.indention = False

    def write_single(self, value: str, allow_breaks: bool) -> None:
        self.write_indicator("'", True, False, False)
        self._write_folded(value, allow_breaks, quoted=True)
        self.write_indicator("'", False, False, False)
        self.whitespace = False
        self.indention = False

    def _write_folded(self, value: str, allow_breaks: bool, quoted: bool) -> None:
        """The body of a plain or single-quoted scalar: a space past column 80 becomes a
        line break (a quoted scalar never breaks at its first or last character), a
        line break is written twice, a quote inside single quotes is doubled."""
        if self.column + len(value) <= _BEST_WIDTH + 1 and not _has_break(value):
            self.write_str(value.replace("'", "''") if quoted else value)
            return
        spaces = breaks = False
        n = len(value)
        for i, c in enumerate(value):
            if c == " ":
                if (
                    allow_breaks
                    and not spaces
                    and self.column > _BEST_WIDTH
                    and (not quoted or 0 < i < n - 1)
                    and not (i + 1 < n and value[i + 1] == " ")
                ):
                    self.write_indent()
                else:
                    self.write_str(c)
                spaces = True
            elif c in _BREAKS:
                if not breaks and c == "\n":
                    self.put_break()
                self.write_break(c)
                self.indention = True
                breaks = True
            else:
                if breaks:
                    self.write_indent()
                self.write_str("''" if quoted and c == "'" else c)
                self.indention = False
                spaces = breaks = False

    def write_double(self, value: str, allow_breaks: bool) -> None:
        self.write_indicator('"', True, False, False)
        spaces = False
        bom = value.startswith("\ufeff")
        n = len(value)
        for i, c in enumerate(value):
            if bom or not _printable(c) or c in _BREAKS or c == '"' or c == "\\":
                esc = _DQ_ESCAPES.get(c)
                if esc is None:
                    o = ord(c)
                    if o <= 0xFF:
                        esc = f"x{o:02X}"
                    elif o <= 0xFFFF:
                        esc = f"u{o:04X}"
                    else:
                        esc = f"U{o:08X}"
                self.write_str("\\" + esc)
                spaces = False
            elif c == " ":
                if allow_breaks and not spaces and self.column > _BEST_WIDTH and 0 < i < n - 1:
                    self.write_indent()
                    if value[i + 1] == " ":
                        self.write_str("\\")
                else:
                    self.write_str(c)
                spaces = True
            else:
                self.write_str(c)
                spaces = False
        self.write_indicator('"', False, False, False)
        self.whitespace = False
        self.indention = False

    def write_literal(self, value: str) -> None:
        self.write_indicator("|", True, False, False)
        if value and (value[0] == " " or value[0] in _BREAKS):
            self.write_indicator(str(_BEST_INDENT), False, False, False)
        chomp = ""
        if not value or value[-1] not in _BREAKS:
            chomp = "-"
        elif len(value) == 1 or value[-2] in _BREAKS:
            chomp = "+"
        if chomp:
            self.write_indicator(chomp, False, False, False)
        self.put_break()
        self.indention = True
        self.whitespace = True
        breaks = True
        for c in value:
            if c in _BREAKS:
                self.write_break(c)
                self.indention = True
                breaks = True
            else:
                if breaks:
                    self.write_indent()
                self.write_str(c)
                self.indention = False
                breaks = False


def to_yaml(value: Any, *, float_ints: bool = True) -> str:
    """Helm's ``toYaml``: sigs.k8s.io/yaml ``Marshal`` with the final newline removed.

    ``float_ints`` says how plain Python ints are typed (float64, as values files give
    them, or int64): it matters only for integers of 1e21 and more.
    """
    em = _Emitter()
    em.node(_node(value, float_ints), False, False)
    em.indent = -1
    em.write_indent()
    s = "".join(em.out)
    return s[:-1] if s.endswith("\n") else s


# ---------------------------------------------------------------------------------------
# fromYaml: go-yaml v2 parsing, then Go's JSON round trip (numbers become float64).


@functools.cache
def _loader() -> Any:
    import re

    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class Loader(base):  # type: ignore[misc, valid-type]
        pass

    Loader.yaml_implicit_resolvers = {}

    def resolver(tag: str, rx: str, first: str) -> None:
        Loader.add_implicit_resolver(tag, re.compile(rx, re.X), list(first))

    resolver(
        "tag:yaml.org,2002:bool",
        r"^(?:y|Y|yes|Yes|YES|true|True|TRUE|on|On|ON|n|N|no|No|NO|false|False|FALSE"
        r"|off|Off|OFF)$",
        "yYnNtTfFoO",
    )
    resolver(
        "tag:yaml.org,2002:int",
        r"""^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+)$""",
        "-+0123456789",
    )
    resolver(
        "tag:yaml.org,2002:float",
        r"""^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?
        |[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$""",
        "-+0123456789.",
    )
    resolver("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", "~nN")
    Loader.add_implicit_resolver("tag:yaml.org,2002:null", re.compile(r"^$"), [""])
    resolver("tag:yaml.org,2002:merge", r"^(?:<<)$", "<")

    def construct_bool(loader: Any, node: Any) -> bool:
        return node.value.lower() in ("y", "yes", "true", "on")

    def construct_int(loader: Any, node: Any) -> float:
        s = node.value.replace("_", "")
        sign = -1 if s.startswith("-") else 1
        s = s.lstrip("+-")
        if s.startswith("0b"):
            v = int(s[2:], 2)
        elif s.startswith("0x"):
            v = int(s[2:], 16)
        elif len(s) > 1 and s.startswith("0"):
            v = int(s, 8)
        else:
            v = int(s)
        return float(sign * v)

    def construct_float(loader: Any, node: Any) -> float:
        s = node.value.lower()
        if s.endswith("nan"):
            return math.nan
        if s.endswith("inf"):
            return -math.inf if s.startswith("-") else math.inf
        return float(node.value.replace("_", ""))

    def construct_str(loader: Any, node: Any) -> str:
        return str(node.value)

    Loader.add_constructor("tag:yaml.org,2002:bool", construct_bool)
    Loader.add_constructor("tag:yaml.org,2002:int", construct_int)
    Loader.add_constructor("tag:yaml.org,2002:float", construct_float)
    Loader.add_constructor("tag:yaml.org,2002:timestamp", construct_str)
    return Loader


def _jsonable(v: Any) -> Any:
    """sigs.k8s.io/yaml's YAML→JSON step: keys become strings, NaN/Inf are refused."""
    if isinstance(v, dict):
        return {_json_key(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_jsonable(x) for x in v]
    if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
        raise YAMLError(
            "error marshaling into JSON: json: unsupported value: " + gv.format_float_g(v)
        )
    return v


def _json_key(k: Any) -> str:
    if isinstance(k, str):
        return k
    if isinstance(k, bool):
        return "true" if k else "false"
    if isinstance(k, float):
        return str(int(k)) if k == int(k) and abs(k) < 2**63 else gv.format_float_g(k)
    if k is None:
        return "null"
    return str(k)


def from_yaml(text: str) -> Any:
    """Parse YAML as Helm's ``fromYaml`` does; numbers come back as float64."""
    import yaml

    try:
        docs = []
        for doc in yaml.load_all(text, Loader=_loader()):
            docs.append(doc)
            break
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(e, "problem", None) or str(e)
        raise YAMLError(f"error converting YAML to JSON: yaml: {line}{problem}") from None
    return _jsonable(docs[0]) if docs else None
