"""The functions templates can call: the table, Go's builtins and Helm's own.

Each function carries its Go signature (``Func.params``): Go checks arguments against it
before the call, and charts fail (or not) on exactly those checks -- ``nindent
.Values.n`` fails when ``n`` came from a values file (a float64, not an int). sprig's
functions are in ``_sprig``. Helm's function map holds more than this engine evaluates;
the rest are registered as refused (the end of this module) so that a template using
one is refused by name instead of being reported as an unknown function or, worse,
rendered differently.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from . import _fmt
from . import _values as gv
from ._exec import ANY, MISSING, NIL_IFACE, STR, VAL, Func, FuncError, State
from ._parse import go_quote

FUNCS: dict[str, Func] = {}


_F = TypeVar("_F", bound=Callable[..., Any])


def _reg(
    name: str, params: tuple[str, ...] = (), variadic: str | None = None, builtin: bool = False
) -> Callable[[_F], _F]:
    def deco(fn: _F) -> _F:
        FUNCS[name] = Func(name, fn, params, variadic, builtin=builtin)
        return fn

    return deco


def _alias(name: str, other: str) -> None:
    f = FUNCS[other]
    FUNCS[name] = Func(name, f.fn, f.params, f.variadic, builtin=f.builtin)


class _Fail(FuncError):
    """``fail``/``required``: the chart author's message, shown as is."""

    fail = True


def _dig(v: Any) -> Any:
    return None if v is NIL_IFACE else v


def _nil_deref() -> FuncError:
    return FuncError("runtime error: invalid memory address or nil pointer dereference")


def _is_list(v: Any) -> bool:
    return isinstance(v, list | tuple)


def _kind(st: State, v: Any) -> str:
    return gv.kind(_dig(v), st.fl)


def _list_kind_check(st: State, v: Any, what: str) -> list[Any]:
    """sprig's ``reflect.TypeOf(list).Kind()`` switch: nil panics, non-lists fail."""
    v = _dig(v)
    if v is None:
        raise _nil_deref()
    if not _is_list(v):
        raise FuncError(f"{what} {_go_kind_name(st, v)}")
    return list(v)


def _go_kind_name(st: State, v: Any) -> str:
    k = gv.kind(v, st.fl)
    return {"float64": "float64", "int": "int", "int64": "int64"}.get(k, k)


def strval(st: State, v: Any) -> str:
    """sprig's ``strval``: strings as they are, anything else as ``%v`` prints it."""
    if type(v) is str:
        return v
    v = _dig(v)
    if isinstance(v, gv.GoStruct) and v.string is not None:
        return v.string
    return gv.sprint_value(v, st.fl)


def to_int64(st: State, v: Any) -> int:
    """spf13/cast ``ToInt64`` (errors give 0, as sprig ignores them)."""
    v = _dig(v)
    if v is None:
        return 0
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, int):
        return _wrap64(int(v))
    if isinstance(v, float):
        if not math.isfinite(v):
            return -(2**63)
        return _wrap64(int(v))
    if isinstance(v, str):
        s = _trim_zero_decimal(v)
        r = _parse_int0(s)
        return r if r is not None else 0
    return 0


def to_float64(st: State, v: Any) -> float:
    """spf13/cast ``ToFloat64``."""
    v = _dig(v)
    if v is None:
        return 0.0
    if isinstance(v, bool):
        return 1.0 if v else 0.0
    if isinstance(v, int | float):
        return float(v)
    if isinstance(v, str):
        f = _parse_float(v)
        return f if f is not None else 0.0
    return 0.0


def _wrap64(v: int) -> int:
    v &= 0xFFFFFFFFFFFFFFFF
    return v - (1 << 64) if v >= 1 << 63 else v


def _trim_zero_decimal(s: str) -> str:
    found_zero = False
    for i in range(len(s), 0, -1):
        c = s[i - 1]
        if c == ".":
            if found_zero:
                return s[: i - 1]
        elif c == "0":
            found_zero = True
        else:
            return s
    return s


def _parse_int0(s: str) -> int | None:
    """strconv.ParseInt(s, 0, 64)."""
    from ._parse import _parse_go_int

    if not s:
        return None
    return _parse_go_int(s, signed=True)


def _parse_float(s: str) -> float | None:
    """strconv.ParseFloat(s, 64) for the decimal forms."""
    t = s.strip()
    if t != s or not s:
        return None
    low = s.lower().lstrip("+-")
    if low in ("inf", "infinity"):
        return -math.inf if s.startswith("-") else math.inf
    if low == "nan":
        return math.nan
    if "_" in s or low.startswith("0x"):
        # Go takes underscores only after a base prefix, and hex floats need an exponent.
        if not low.startswith("0x") or "p" not in low:
            return None
        try:
            return float.fromhex(s.replace("_", ""))
        except ValueError:
            return None
    if not s.isascii():
        return None
    try:
        return float(s)
    except ValueError:
        return None


def _empty(v: Any) -> bool:
    """sprig's ``empty``: the zero value of its type."""
    v = _dig(v)
    if v is None:
        return True
    if isinstance(v, gv.GoStruct):
        return False
    if isinstance(v, str | bool | int | float | list | tuple):
        return not v
    if isinstance(v, Mapping):
        return len(v) == 0
    return False


def _truth(v: Any) -> bool:
    return gv.truth(_dig(v))


# ---------------------------------------------------------------------------------------
# Go's builtins


@_reg("and", (VAL,), VAL, builtin=True)
def _and(st: State, *a: Any) -> Any:  # pragma: no cover - short-circuited by the evaluator
    return a[-1]


@_reg("or", (VAL,), VAL, builtin=True)
def _or(st: State, *a: Any) -> Any:  # pragma: no cover - short-circuited by the evaluator
    return a[-1]


@_reg("not", (VAL,), builtin=True)
def _not(st: State, v: Any) -> bool:
    return not _truth(v)


@_reg("len", (VAL,), builtin=True)
def _len(st: State, v: Any) -> Any:
    if v is NIL_IFACE:
        raise FuncError("len of nil pointer")
    if v is None:
        raise FuncError("reflect: call of reflect.Value.Type on zero Value")
    if isinstance(v, str):
        return gv.Int(len(v.encode()))
    if isinstance(v, list | tuple | Mapping):
        return gv.Int(len(v))
    raise FuncError(f"len of type {gv.type_name(v, st.fl)}")


def _index_arg(st: State, index: Any, cap: int) -> int:
    index = _dig(index)
    if index is None:
        raise FuncError("cannot index slice/array with nil")
    if isinstance(index, bool) or not isinstance(index, int) or gv.is_float(index, st.fl):
        raise FuncError(f"cannot index slice/array with type {gv.type_name(index, st.fl)}")
    x = int(index)
    if x < 0 or x > cap:
        raise FuncError(f"index out of range: {x}")
    return x


@_reg("index", (VAL,), VAL, builtin=True)
def _index(st: State, item: Any, *indexes: Any) -> Any:
    item = _dig(item)
    if item is None:
        raise FuncError("index of untyped nil")
    first = True
    for index in indexes:
        if not first and (item is None or item is NIL_IFACE):
            raise FuncError("index of nil pointer")
        first = False
        if isinstance(item, str):
            b = item.encode()
            x = _index_arg(st, index, len(b))
            if x == len(b):
                raise FuncError("reflect: string index out of range")
            item = gv.Int(b[x])
        elif isinstance(item, list | tuple):
            x = _index_arg(st, index, len(item))
            if x == len(item):
                raise FuncError("reflect: slice index out of range")
            elem = item[x]
            item = NIL_IFACE if elem is None and type(item) in (list, tuple) else elem
        elif isinstance(item, Mapping):
            index = _dig(index)
            if index is None:
                item = NIL_IFACE if type(item) is not gv.StrMap else ""
                continue
            if not isinstance(index, str):
                raise FuncError(f"value has type {gv.type_name(index, st.fl)}; should be string")
            v = item.get(index, MISSING)
            if v is MISSING or v is None:
                item = "" if type(item) is gv.StrMap else NIL_IFACE
            else:
                item = v
        else:
            raise FuncError(f"can't index item of type {gv.type_name(item, st.fl)}")
    return item


@_reg("print", (), ANY, builtin=True)
def _print(st: State, *a: Any) -> str:
    return _fmt.sprint(list(a), st.fl)


@_reg("println", (), ANY, builtin=True)
def _println(st: State, *a: Any) -> str:
    return _fmt.sprintln(list(a), st.fl)


@_reg("printf", (STR,), ANY, builtin=True)
def _printf(st: State, f: str, *a: Any) -> str:
    return _fmt.sprintf(f, list(a), st.fl)


def _basic_kind(st: State, v: Any) -> str | None:
    v = _dig(v)
    t = type(v)
    if t is bool:
        return "bool"
    if t is str:
        return "string"
    if t is gv.Int or t is gv.Int64:
        return "int"
    if t is float:
        return "float"
    if t is int:
        return "float" if st.fl else "int"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "float" if st.fl else "int"
    if isinstance(v, float):
        return "float"
    if isinstance(v, str):
        return "string"
    return None


def _tn(st: State, v: Any) -> str:
    return gv.type_name(_dig(v), st.fl)


@_reg("eq", (VAL,), VAL, builtin=True)
def _eq(st: State, a: Any, *bs: Any) -> bool:
    if not bs:
        raise FuncError("missing argument for comparison")
    a = _dig(a)
    k1 = _basic_kind(st, a)
    for b in bs:
        b = _dig(b)
        k2 = _basic_kind(st, b)
        if k1 != k2:
            if a is not None and b is not None:
                raise FuncError(f"incompatible types for comparison: {_tn(st, a)} and {_tn(st, b)}")
            truth = False
        elif k1 is not None:
            truth = a == b
        else:
            ka, kb = gv.kind(a, st.fl), gv.kind(b, st.fl)
            if ka != kb and a is not None and b is not None:
                raise FuncError(
                    f"non-comparable types {gv.sprint_value(a, st.fl)}: {_tn(st, a)}, "
                    f"{_tn(st, b)}: {gv.sprint_value(b, st.fl)}"
                )
            if a is None or b is None:
                truth = (a is None) == (b is None)
            elif isinstance(b, Mapping | list | tuple):
                raise FuncError(f"non-comparable type {gv.sprint_value(b, st.fl)}: {_tn(st, b)}")
            else:
                truth = a is b
        if truth:
            return True
    return False


@_reg("ne", (VAL, VAL), builtin=True)
def _ne(st: State, a: Any, b: Any) -> bool:
    return not _eq(st, a, b)


def _lt(st: State, a: Any, b: Any) -> bool:
    a, b = _dig(a), _dig(b)
    k1 = _basic_kind(st, a)
    if k1 is None:
        raise FuncError("invalid type for comparison")
    k2 = _basic_kind(st, b)
    if k2 is None:
        raise FuncError("invalid type for comparison")
    if k1 != k2:
        raise FuncError(f"incompatible types for comparison: {_tn(st, a)} and {_tn(st, b)}")
    if k1 == "bool":
        raise FuncError("invalid type for comparison")
    return bool(a < b)


@_reg("lt", (VAL, VAL), builtin=True)
def _lt_f(st: State, a: Any, b: Any) -> bool:
    return _lt(st, a, b)


@_reg("le", (VAL, VAL), builtin=True)
def _le(st: State, a: Any, b: Any) -> bool:
    return _lt(st, a, b) or _eq(st, a, b)


@_reg("gt", (VAL, VAL), builtin=True)
def _gt(st: State, a: Any, b: Any) -> bool:
    return not (_lt(st, a, b) or _eq(st, a, b))


@_reg("ge", (VAL, VAL), builtin=True)
def _ge(st: State, a: Any, b: Any) -> bool:
    return not _lt(st, a, b)


def _eval_args(st: State, args: tuple[Any, ...]) -> str:
    if len(args) == 1 and type(args[0]) is str:
        return args[0]
    return _fmt.sprint([_dig(a) for a in args], st.fl)


@_reg("html", (), ANY, builtin=True)
def _html(st: State, *a: Any) -> str:
    s = _eval_args(st, a)
    rep = {"\0": "\ufffd", '"': "&#34;", "'": "&#39;", "&": "&amp;", "<": "&lt;", ">": "&gt;"}
    return "".join(rep.get(c, c) for c in s)


@_reg("js", (), ANY, builtin=True)
def _js(st: State, *a: Any) -> str:
    s = _eval_args(st, a)
    out = []
    rep = {
        "\\": "\\\\",
        "'": "\\'",
        '"': '\\"',
        "<": "\\u003C",
        ">": "\\u003E",
        "&": "\\u0026",
        "=": "\\u003D",
    }
    for c in s:
        if c in rep:
            out.append(rep[c])
        elif c < " ":
            out.append(f"\\u00{ord(c):02X}")
        elif ord(c) >= 0x80 and not c.isprintable():
            out.append(f"\\u{ord(c):04X}")
        else:
            out.append(c)
    return "".join(out)


@_reg("urlquery", (), ANY, builtin=True)
def _urlquery(st: State, *a: Any) -> str:
    from urllib.parse import quote_plus

    return quote_plus(_eval_args(st, a), safe="-_.~")


# ---------------------------------------------------------------------------------------
# Helm's own


@_reg("include", (STR, ANY))
def _include(st: State, name: str, data: Any) -> str:
    from ._exec import execute

    env = st.env
    count = env.included.get(name, 0)
    if count > 1000:
        raise FuncError(
            f"rendering template has a nested reference name: {name}: unable to execute template"
        )
    env.included[name] = count + 1
    try:
        tree = st.ns.lookup(name)
        if tree is None:
            from ._errors import TemplateError

            text = (
                f"template: no template {go_quote(name)} associated with template "
                f"{go_quote(env.root_name)}"
            )
            raise TemplateError(text, template=name, message=text)
        return execute(env, st.ns, tree, name, data)
    finally:
        env.included[name] -= 1


@_reg("tpl", (STR, ANY))
def _tpl(st: State, text: str, data: Any) -> str:
    from ._errors import TemplateError
    from ._exec import execute

    env = st.env
    ns = st.ns.child()
    name = env.root_name
    try:
        trees = env.parse(name, text, ns)
    except TemplateError as e:
        raise _Wrapped(f"cannot parse template {go_quote(text)}: {e}", e) from None
    ns.add(trees)
    try:
        out = execute(env, ns, trees[name], name, data)
    except TemplateError as e:
        raise _Wrapped(
            f"error during tpl function execution for {go_quote(text)}: {e}", e
        ) from None
    return out.replace("<no value>", "")


class _Wrapped(FuncError):
    """An error from a nested template, kept whole for Helm's multi-line message."""

    def __init__(self, msg: str, cause: Any) -> None:
        super().__init__(msg)
        self.cause = cause


@_reg("required", (STR, ANY))
def _required(st: State, warn: str, val: Any) -> Any:
    if val is None or (type(val) is str and val == ""):
        raise _Fail(warn)
    return val


@_reg("fail", (STR,))
def _fail(st: State, msg: str) -> str:
    raise _Fail(msg)


@_reg("lookup", (STR, STR, STR, STR))
def _lookup(st: State, *a: Any) -> Any:
    return {}


@_reg("toYaml", (ANY,))
def _to_yaml(st: State, v: Any) -> str:
    from ._yaml import to_yaml

    try:
        return to_yaml(v, float_ints=st.fl)
    except (gv.JSONError, ValueError):
        return ""


@_reg("mustToYaml", (ANY,))
def _must_to_yaml(st: State, v: Any) -> str:
    from ._yaml import to_yaml

    try:
        return to_yaml(v, float_ints=st.fl)
    except (gv.JSONError, ValueError) as e:
        raise FuncError(f"error marshaling into JSON: {e}") from None


@_reg("fromYaml", (STR,))
def _from_yaml(st: State, s: str) -> Any:
    from ._yaml import YAMLError, from_yaml

    try:
        v = from_yaml(s)
    except YAMLError as e:
        return {"Error": str(e)}
    if v is None:
        return {}
    if not isinstance(v, dict):
        kind = "array" if isinstance(v, list) else _json_kind(v)
        return {
            "Error": "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal "
            f"{kind} into Go value of type map[string]interface {{}}"
        }
    return v


@_reg("fromYamlArray", (STR,))
def _from_yaml_array(st: State, s: str) -> Any:
    from ._yaml import YAMLError, from_yaml

    try:
        v = from_yaml(s)
    except YAMLError as e:
        return [str(e)]
    if v is None:
        return []
    if not isinstance(v, list):
        kind = "object" if isinstance(v, dict) else _json_kind(v)
        return [
            "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal "
            f"{kind} into Go value of type []interface {{}}"
        ]
    return v


def _json_kind(v: Any) -> str:
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int | float):
        return "number"
    if isinstance(v, str):
        return "string"
    return "object"


@_reg("toJson", (ANY,))
def _to_json(st: State, v: Any) -> str:
    try:
        return gv.to_json(v, st.fl)
    except gv.JSONError:
        return ""


@_reg("mustToJson", (ANY,))
def _must_to_json(st: State, v: Any) -> str:
    try:
        return gv.to_json(v, st.fl)
    except gv.JSONError as e:
        raise FuncError(str(e)) from None


@_reg("toPrettyJson", (ANY,))
def _to_pretty_json(st: State, v: Any) -> str:
    try:
        return gv.to_json(v, st.fl, indent="  ")
    except gv.JSONError:
        return ""


@_reg("toRawJson", (ANY,))
def _to_raw_json(st: State, v: Any) -> str:
    try:
        return gv.to_json(v, st.fl, escape_html=False)
    except gv.JSONError as e:
        raise FuncError(str(e)) from None


_alias("mustToPrettyJson", "toPrettyJson")
_alias("mustToRawJson", "toRawJson")


@_reg("fromJson", (STR,))
def _from_json(st: State, s: str) -> Any:
    try:
        v = gv.from_json(s)
    except ValueError as e:
        return {"Error": str(e)}
    if v is None:
        return {}
    if not isinstance(v, dict):
        kind = "array" if isinstance(v, list) else _json_kind(v)
        return {
            "Error": f"json: cannot unmarshal {kind} into Go value of type "
            "map[string]interface {}"
        }
    return v


@_reg("fromJsonArray", (STR,))
def _from_json_array(st: State, s: str) -> Any:
    try:
        v = gv.from_json(s)
    except ValueError as e:
        return [str(e)]
    if v is None:
        return []
    if not isinstance(v, list):
        kind = "object" if isinstance(v, dict) else _json_kind(v)
        return [f"json: cannot unmarshal {kind} into Go value of type []interface {{}}"]
    return v


@_reg("mustFromJson", (STR,))
def _must_from_json(st: State, s: str) -> Any:
    try:
        return gv.from_json(s)
    except ValueError as e:
        raise FuncError(str(e)) from None


@_reg("getHostByName", (STR,))
def _get_host_by_name(st: State, s: str) -> str:
    return ""


# ---------------------------------------------------------------------------------------
# sprig's functions live in their own module; importing it registers them here.

from . import _sprig  # noqa: E402, F401

# ---------------------------------------------------------------------------------------
# What Helm has and this engine refuses, by name.

_NONDETERMINISTIC = (
    *("now", "ago", "date", "dateInZone", "date_in_zone", "dateModify", "date_modify"),
    *("mustDateModify", "must_date_modify", "htmlDate", "htmlDateInZone", "toDate"),
    *("mustToDate", "unixEpoch", "duration", "durationRound", "randAlphaNum", "randAlpha"),
    *("randAscii", "randNumeric", "randInt", "randBytes", "shuffle", "uuidv4"),
    *("genPrivateKey", "genCA", "genCAWithKey", "genSelfSignedCert"),
    *("genSelfSignedCertWithKey", "genSignedCert", "genSignedCertWithKey"),
    *("buildCustomCert", "bcrypt", "htpasswd", "encryptAES", "decryptAES", "derivePassword"),
)

_NOT_EVALUATED = (
    *("wrap", "wrapWith", "snakecase", "camelcase", "kebabcase", "semver", "urlParse"),
    *("urlJoin", "toToml", "fromToml", "toYamlPretty", "call"),
)


def _unsupported(name: str, why: str) -> Func:
    return Func(name, None, (), ANY, unsupported=why)


for _name in _NONDETERMINISTIC:
    FUNCS[_name] = _unsupported(
        _name,
        f"the template uses `{_name}`, which modelservice does not evaluate: its result "
        "changes from one render to the next (time, randomness or fresh keys)",
    )
for _name in _NOT_EVALUATED:
    FUNCS[_name] = _unsupported(
        _name, f"the template uses `{_name}`, which modelservice does not evaluate"
    )

#: Every function name Helm defines; a template naming another fails to parse, as in Go.
HELM_FUNCTION_NAMES = frozenset(FUNCS)
