"""Parse Helm's ``--set``, ``--set-string``, ``--set-json`` and ``--set-file`` expressions.

Users bring command lines they already use with ``helm install``; a value that Helm would
type or nest differently would silently render a different manifest. So this module
follows Helm's own parser (``pkg/strvals/parser.go``) rule by rule, including its quirks:

* ``a.b=c`` nests maps; ``a[1]=x`` and ``a[0].b=x`` address list elements (index at most
  65536; missing earlier elements become ``None``); ``a[0][1]=x`` nests lists.
* Several assignments are separated by commas: ``a=1,b=2``. A trailing comma is allowed,
  an empty assignment (``a=1,,b=2``) is not.
* ``a={x,y}`` is a list literal; each element is converted like a single value.
* A backslash makes the next character literal, anywhere (``\\,`` ``\\.`` ``\\=`` ``\\[``
  ``\\{`` ``\\\\``...); an unknown escape such as ``\\n`` just yields ``n``.
* Only ``--set`` converts scalars, with Helm's ``typedVal`` rules (see :func:`typed_value`).

Where Helm silently accepts a malformed key (``=x``, ``.a=x``, ``a.``, ``list[0]`` without
``=``) and either drops it or stores an empty list, this module raises
:class:`~modelservice.errors.SetSyntaxError` instead: such input is always a typo, and
dropping it would quietly replace a default with nothing.

Every failure, whatever the input string, is a ``SetSyntaxError`` naming the key path, so
the caller can report all bad flags together. The parser is iterative: no input length can
exhaust the Python stack.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any, Final, Literal

from modelservice.errors import ModelServiceError, Problem, SetSyntaxError, os_reason, type_name

__all__ = [
    "MAX_INDEX",
    "MAX_NESTED_NAME_LEVEL",
    "parse_set",
    "parse_set_file",
    "parse_set_json",
    "parse_set_string",
    "typed_value",
]

MAX_INDEX: Final = 65536
"""Largest list index Helm accepts (``strvals.MaxIndex``); it bounds the memory one flag
can make us allocate."""

MAX_NESTED_NAME_LEVEL: Final = 30
"""Most dots after map keys in one assignment (``strvals.MaxNestedNameLevel``)."""

_Mode = Literal["typed", "string", "json", "file"]
_FLAG: Final[dict[_Mode, str]] = {
    "typed": "--set",
    "string": "--set-string",
    "json": "--set-json",
    "file": "--set-file",
}

_KEY_STOPS: Final = frozenset("=[,.")
_INDEX_STOPS: Final = frozenset("]")
_AFTER_INDEX_STOPS: Final = frozenset("[.=")
_VALUE_STOPS: Final = frozenset(",")
_LIST_STOPS: Final = frozenset(",}")

# Go's unicode.IsSpace (the White_Space property). Python's str.isspace() also counts
# U+001C..U+001F, which Go does not, so the set is spelled out.
_GO_SPACE: Final = frozenset(
    "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)

# Go's strconv.ParseInt / Atoi in base 10: optional sign, ASCII digits only (no "_", no
# spaces, no other Unicode digits, which Python's int() would accept).
_GO_INT: Final = re.compile(r"([+-]?)([0-9]+)")
_INT64_MIN: Final = -(2**63)
_INT64_MAX: Final = 2**63 - 1

_SHOWN_EXPR_LIMIT: Final = 120

JsonDecode = Callable[[str, int], tuple[Any, int]]


def parse_set(
    expr: str, into: dict[str, Any] | None = None, *, source: str | None = None
) -> dict[str, Any]:
    """Parse a ``--set`` expression, typing scalars the way Helm does.

    ``into`` plays the role of the map Helm parses every ``--set`` flag into: keys merge,
    a later assignment wins, and an index edits a list already there. ``into`` is updated
    only if the whole expression parses, and is then returned; without it a new dict is
    returned. ``source`` (e.g. the flag as typed) is carried into the error's problem.
    """
    return _Parser(expr, "typed", source).run(into)


def parse_set_string(
    expr: str, into: dict[str, Any] | None = None, *, source: str | None = None
) -> dict[str, Any]:
    """Parse a ``--set-string`` expression: same syntax as ``--set``, values stay strings.

    Users reach for it exactly when ``--set`` would turn ``true`` or ``0123``-like input
    into something else, so nothing is ever converted here.
    """
    return _Parser(expr, "string", source).run(into)


def parse_set_json(
    expr: str, into: dict[str, Any] | None = None, *, source: str | None = None
) -> dict[str, Any]:
    """Parse a ``--set-json`` expression: ``KEY=JSON`` assignments, comma separated.

    As in Helm 3.10+, each value is one JSON document read straight from the text, so
    commas inside it need no escaping (``a={"x":[1,2]},b=3``); an empty value means null.
    JSON integers stay ``int`` (Helm decodes them as float64, which prints the same for
    ordinary sizes); ``NaN``, ``Infinity`` and numbers beyond float range are rejected as Go
    rejects them.
    """
    import json  # lazily: the plain --set path should not pay for it

    def reject_constant(name: str) -> Any:
        raise ValueError(f"{name} is not valid JSON")

    def finite_float(text: str) -> float:
        number = float(text)
        if number in (float("inf"), float("-inf")):
            raise ValueError(f"number {text} is out of range")
        return number

    decoder = json.JSONDecoder(parse_float=finite_float, parse_constant=reject_constant)
    return _Parser(expr, "json", source, decode=decoder.raw_decode).run(into)


def parse_set_file(
    expr: str,
    read: Callable[[str], str],
    into: dict[str, Any] | None = None,
    *,
    source: str | None = None,
) -> dict[str, Any]:
    """Parse a ``--set-file`` expression: ``KEY=PATH``, the value is ``read(PATH)``.

    ``read`` is injected so callers decide how paths resolve (and tests need no files).
    The content is kept as a string. As in Helm, ``KEY={p1,p2}`` reads each path into a
    list, and a bare ``KEY=`` at the very end gives ``""`` without reading anything. An
    ``OSError`` or ``ValueError`` from ``read`` becomes a ``SetSyntaxError`` naming the
    key; this package's own errors pass through unchanged.
    """
    return _Parser(expr, "file", source, read=read).run(into)


def typed_value(text: str) -> Any:
    """Convert one ``--set`` value as Helm's ``typedVal`` does.

    ``true``/``false``/``null`` in any case become ``True``/``False``/``None`` (Go's
    ``EqualFold``, which even accepts ``false`` spelled with U+017F LONG S); ``"0"``
    becomes ``0``; text that does not start with ``0`` and that Go's ``ParseInt`` accepts
    as a base-10 int64 becomes ``int``: so ``+5`` is 5 and ``-007`` is -7 (only a *first*
    character ``0`` blocks it), while ``007``, ``00``, ``1.5``, ``1e3``, ``0x10``,
    ``1_000`` and integers beyond int64 stay strings.
    """
    if _fold_equal(text, "true"):
        return True
    if _fold_equal(text, "false"):
        return False
    if _fold_equal(text, "null"):
        return None
    if text == "0":
        return 0
    if text and text[0] != "0":
        number = _go_int(text)
        if number is not None and _INT64_MIN <= number <= _INT64_MAX:
            return number
    return text


def _fold_equal(text: str, word: str) -> bool:
    """Go's ``strings.EqualFold`` against a lowercase ASCII word.

    Folding character by character keeps the comparison Go's *simple* folding: a
    character whose full case folding is several characters can never match.
    """
    return len(text) == len(word) and all(
        ch == w or ch.casefold() == w for ch, w in zip(text, word, strict=True)
    )


def _go_int(text: str) -> int | None:
    """The value Go's base-10 ``ParseInt`` would give, unbounded; ``None`` if not a number.

    The digit count is checked before ``int()`` so a huge run of digits neither costs
    quadratic time nor trips Python's integer-string length limit.
    """
    match = _GO_INT.fullmatch(text)
    if match is None:
        return None
    sign, digits = match.groups()
    digits = digits.lstrip("0") or "0"
    if len(digits) > 20:
        return None
    number = int(digits)
    return -number if sign == "-" else number


class _Parser:
    """One pass over one expression; keeps the read position and reports errors."""

    def __init__(
        self,
        expr: str,
        mode: _Mode,
        source: str | None,
        *,
        decode: JsonDecode | None = None,
        read: Callable[[str], str] | None = None,
    ) -> None:
        self.text = expr
        self.pos = 0
        self.mode: _Mode = mode
        self.source = source
        self.decode = decode
        self.read = read

    # -- driving -------------------------------------------------------------------------

    def run(self, into: dict[str, Any] | None) -> dict[str, Any]:
        """Parse everything into a copy of ``into`` and commit only on success.

        Helm would leave earlier assignments of a failing flag behind; committing all or
        nothing lets a caller keep using ``into`` after reporting the error.
        """
        try:
            work: dict[str, Any] = copy.deepcopy(into) if into else {}
            while self._assignment(work):
                pass
        except RecursionError:
            # Only reachable through deeply nested data (JSON, or ``into`` built from
            # thousands of nested indices): the parser itself does not recurse.
            raise self._error("", "the value is nested too deeply", "a shallower value") from None
        if into is None:
            return work
        into.clear()
        into.update(work)
        return into

    def _assignment(self, data: dict[str, Any]) -> bool:
        """Parse one ``KEY=VALUE`` into ``data``; ``False`` once the input is used up."""
        cur = data
        path = ""
        level = 0
        while True:  # reading one map key
            name, stop = self._until(_KEY_STOPS)
            if stop is None:
                if not name and not path:
                    return False
                if not name:
                    raise self._error(path, "a key cannot end with '.'", "KEY=VALUE")
                full = _join(path, name)
                raise self._error(full, f"key {full!r} has no value", "KEY=VALUE")
            if not name:
                if stop == "," and not path:
                    raise self._error(
                        "",
                        "empty assignment (a leading comma or two commas in a row)",
                        "KEY=VALUE[,KEY=VALUE...]",
                    )
                raise self._error(path, f"empty key name before {stop!r}", "KEY=VALUE")
            path = _join(path, name)
            if stop == ",":
                raise self._error(path, f"key {path!r} has no value", "KEY=VALUE")
            if stop == "=":
                cur[name] = self._value(path)
                return True
            if stop == ".":
                level += 1
                if level > MAX_NESTED_NAME_LEVEL:
                    raise self._error(
                        path,
                        f"key is nested more than {MAX_NESTED_NAME_LEVEL} levels deep",
                        f"at most {MAX_NESTED_NAME_LEVEL} dots in a key",
                    )
                if name not in cur:
                    cur[name] = {}
                elif not isinstance(cur[name], dict):
                    raise self._conflict(path, cur[name], "map")
                cur = cur[name]
                continue
            # stop == "[": one or more list indices follow.
            if name not in cur:
                cur[name] = []
            elif not isinstance(cur[name], list):
                raise self._conflict(path, cur[name], "list")
            items: list[Any] = cur[name]
            while True:  # reading one index and what follows it
                index = self._index(path)
                path = f"{path}[{index}]"
                rest, after = self._until(_AFTER_INDEX_STOPS)
                if rest:
                    raise self._error(
                        path, f"unexpected text {rest!r} after the index", "KEY[INDEX]=VALUE"
                    )
                if after is None:
                    raise self._error(path, f"key {path!r} has no value", "KEY[INDEX]=VALUE")
                if len(items) <= index:
                    items.extend([None] * (index + 1 - len(items)))
                if after == "=":
                    items[index] = self._value(path)
                    return True
                if after == "[":
                    if items[index] is None:
                        items[index] = []
                    elif not isinstance(items[index], list):
                        raise self._conflict(path, items[index], "list")
                    items = items[index]
                    continue
                # after == ".": Helm replaces a non-map element (even a scalar) by a map.
                if not isinstance(items[index], dict):
                    items[index] = {}
                cur = items[index]
                break

    # -- pieces --------------------------------------------------------------------------

    def _index(self, path: str) -> int:
        """Read ``N]`` after a ``[``, with Helm's limits."""
        raw, stop = self._until(_INDEX_STOPS)
        if stop is None:
            raise self._error(path, f"unclosed '[' after {path!r}", "KEY[INDEX]=VALUE")
        number = _go_int(raw)
        if number is None:
            raise self._error(path, f"list index {raw!r} is not a whole number", "KEY[INDEX]=VALUE")
        if number < 0:
            raise self._error(path, f"negative list index {raw} is not allowed", "an index from 0")
        if number > MAX_INDEX:
            raise self._error(
                path,
                f"list index {raw} is greater than the maximum of {MAX_INDEX}",
                f"an index from 0 to {MAX_INDEX}",
            )
        return number

    def _value(self, path: str) -> Any:
        """Read the value after ``=`` (and the comma ending it) for the parser's mode."""
        if self.mode == "json":
            return self._json_value(path)
        if self.pos >= len(self.text):
            return ""  # Helm sets "" here without converting (or reading a file).
        if self.text[self.pos] == "{":
            self.pos += 1
            items: list[Any] = []
            while True:
                raw, stop = self._until(_LIST_STOPS)
                if stop is None:
                    raise self._error(
                        path, "list literal is not closed with '}'", "KEY={VALUE,VALUE...}"
                    )
                items.append(self._convert(raw, path))
                if stop == "}":
                    # A comma after the brace ends the assignment; anything else starts
                    # the next key right away, as in Helm (``a={x}b=1``).
                    if self.pos < len(self.text) and self.text[self.pos] == ",":
                        self.pos += 1
                    return items
        raw, _ = self._until(_VALUE_STOPS)
        return self._convert(raw, path)

    def _convert(self, raw: str, path: str) -> Any:
        """Turn one raw value into what the flag stores."""
        if self.mode == "typed":
            return typed_value(raw)
        if self.mode == "file":
            assert self.read is not None
            try:
                return self.read(raw)
            except ModelServiceError:
                raise
            except (OSError, ValueError) as exc:
                raise self._error(
                    path, f"file {raw!r}: {os_reason(exc)}", "KEY=PATH to a readable text file"
                ) from None
        return raw

    def _json_value(self, path: str) -> Any:
        """Decode one JSON document where the value starts, then skip to the next key."""
        if self._skip_space_and_comma():
            return None  # "KEY=" or "KEY= ," means null in --set-json
        assert self.decode is not None
        try:
            value, end = self.decode(self.text, self.pos)
        except ValueError as exc:  # json.JSONDecodeError and our range checks
            raise self._error(path, f"invalid JSON value: {exc}", "KEY=<JSON value>") from None
        self.pos = end
        self._skip_space_and_comma()
        return value

    def _skip_space_and_comma(self) -> bool:
        """Skip spaces; consume a comma. ``True`` if a comma or the end was reached.

        Any other character is left for the next key, which is how Helm reads
        ``a=1 b=2`` as two assignments.
        """
        text = self.text
        while self.pos < len(text):
            ch = text[self.pos]
            if ch == ",":
                self.pos += 1
                return True
            if ch not in _GO_SPACE:
                return False
            self.pos += 1
        return True

    def _until(self, stops: frozenset[str]) -> tuple[str, str | None]:
        """Read up to (and consume) the first unescaped stop character.

        Returns the unescaped text and the stop, or ``None`` at the end of input; a
        backslash as the last character is dropped, as Helm drops it.
        """
        text = self.text
        pos = self.pos
        out: list[str] = []
        while pos < len(text):
            ch = text[pos]
            pos += 1
            if ch in stops:
                self.pos = pos
                return "".join(out), ch
            if ch == "\\":
                if pos >= len(text):
                    break
                ch = text[pos]
                pos += 1
            out.append(ch)
        self.pos = len(text)
        return "".join(out), None

    # -- errors --------------------------------------------------------------------------

    def _conflict(self, path: str, existing: Any, wanted: str) -> SetSyntaxError:
        return self._error(
            path,
            f"{path!r} already holds a value of type {type_name(existing)}, so it cannot be "
            f"used as a {wanted}",
            f"a key path that matches the existing {type_name(existing)} value",
        )

    def _error(self, path: str, what: str, expected: str) -> SetSyntaxError:
        shown = self.text
        if len(shown) > _SHOWN_EXPR_LIMIT:
            shown = shown[: _SHOWN_EXPR_LIMIT - 3] + "..."
        message = f"{what} in {_FLAG[self.mode]} {shown!r}; expected {expected}"
        return SetSyntaxError(Problem(path=path, message=message, source=self.source))


def _join(path: str, name: str) -> str:
    """Extend a display path by one map key."""
    return f"{path}.{name}" if path else name
