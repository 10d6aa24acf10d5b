"""Go (RE2) regular expressions on Python's ``re``: the pattern dialect and the match loop.

Charts call ``regexReplaceAll``, ``regexSplit`` and friends with Go patterns and Go
replacement strings (``$1``, ``${name}``). The differences that change results are
translated: ``$`` and ``\\z`` mean end of text (Python's ``$`` also matches before a final
newline), ``\\d``/``\\w``/``\\s`` are ASCII, ``(?<name>`` and POSIX classes like
``[[:alpha:]]`` are spelled differently; and Go's loops skip an empty match right after a
previous match, which Python's do not. Constructs ``re`` cannot express (``\\pL``,
``\\C``) are refused with a clear error rather than matched differently.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

_POSIX = {
    "alnum": "0-9A-Za-z",
    "alpha": "A-Za-z",
    "ascii": "\\x00-\\x7f",
    "blank": "\\t ",
    "cntrl": "\\x00-\\x1f\\x7f",
    "digit": "0-9",
    "graph": "!-~",
    "lower": "a-z",
    "print": " -~",
    "punct": "!-/:-@\\[-`{-~",
    "space": "\\t\\n\\v\\f\\r ",
    "upper": "A-Z",
    "word": "0-9A-Za-z_",
    "xdigit": "0-9A-Fa-f",
}


class RegexError(ValueError):
    """A pattern Go would reject, or one this engine cannot translate faithfully."""


def _translate(pattern: str) -> str:
    out: list[str] = []
    i = 0
    n = len(pattern)
    in_class = False
    multiline = False
    while i < n:
        c = pattern[i]
        if c == "\\":
            if i + 1 >= n:
                raise RegexError("trailing backslash at end of expression")
            d = pattern[i + 1]
            if d == "z" and not in_class:
                out.append("\\Z")
            elif d in "pP":
                raise RegexError(f"Unicode class \\{d} is not supported by modelservice")
            elif d in "CQE":
                raise RegexError(f"escape \\{d} is not supported by modelservice")
            else:
                out.append(c + d)
            i += 2
            continue
        if in_class:
            if c == "[" and pattern.startswith("[:", i):
                end = pattern.find(":]", i + 2)
                if end > 0:
                    name = pattern[i + 2 : end]
                    neg = name.startswith("^")
                    cls = _POSIX.get(name.lstrip("^"))
                    if cls is None:
                        raise RegexError(f"invalid character class range: [:{name}:]")
                    if neg:
                        raise RegexError("negated POSIX classes are not supported by modelservice")
                    out.append(cls)
                    i = end + 2
                    continue
            if c == "]":
                in_class = False
            elif c == "[":
                out.append("\\[")
                i += 1
                continue
            out.append(c)
            i += 1
            continue
        if c == "[":
            in_class = True
            out.append(c)
            i += 1
            if i < n and pattern[i] == "^":
                out.append("^")
                i += 1
            if i < n and pattern[i] == "]":
                out.append("\\]")
                i += 1
            continue
        if c == "(" and pattern.startswith("(?", i):
            if pattern.startswith("(?<", i) and not pattern.startswith(("(?<=", "(?<!"), i):
                out.append("(?P<")
                i += 3
                continue
            m = re.match(r"\(\?([imsU-]*)([:)])", pattern[i:])
            if m and "m" in m.group(1).split("-")[0]:
                multiline = True
            if m and "U" in m.group(1):
                raise RegexError("the U (ungreedy) flag is not supported by modelservice")
        if c == "$" and not multiline:
            out.append("\\Z")
            i += 1
            continue
        out.append(c)
        i += 1
    return "".join(out)


@functools.lru_cache(maxsize=256)
def compile_go(pattern: str) -> re.Pattern[str]:
    """Compile a Go pattern (cached: charts apply the same few patterns to many values)."""
    try:
        return re.compile(_translate(pattern), re.ASCII)
    except re.error as e:
        raise RegexError(_go_message(pattern, e)) from None


_RE_ERRORS = (
    ("missing ), unterminated subpattern", "missing closing )"),
    ("unbalanced parenthesis", "unexpected )"),
    ("unterminated character set", "missing closing ]"),
    ("nothing to repeat", "missing argument to repetition operator"),
    ("multiple repeat", "invalid nested repetition operator"),
    ("bad escape", "invalid escape sequence"),
    ("bad character range", "invalid character class range"),
)


def _go_message(pattern: str, e: re.error) -> str:
    """Go's wording for the syntax errors charts make (regexp/syntax Error)."""
    pos = e.pos or 0
    for py, go in _RE_ERRORS:
        if e.msg.startswith(py):
            if go == "missing closing ]":
                expr = pattern[pattern.rfind("[", 0, pos + 1) :] if "[" in pattern else pattern
            elif go in ("missing argument to repetition operator", "invalid escape sequence"):
                expr = pattern[pos : pos + 2 if go == "invalid escape sequence" else pos + 1]
            elif go == "invalid nested repetition operator":
                expr = pattern[max(pos - 1, 0) : pos + 1]
            else:
                expr = pattern
            return f"error parsing regexp: {go}: `{expr}`"
    return f"error parsing regexp: {e.msg}: `{pattern}`"


def _all_matches(rx: re.Pattern[str], s: str, n: int) -> list[re.Match[str]]:
    """Go's allMatches: skip an empty match that abuts the previous match."""
    out: list[re.Match[str]] = []
    if n < 0:
        n = len(s) + 1
    pos = 0
    prev_end = -1
    end = len(s)
    while len(out) < n and pos <= end:
        m = rx.search(s, pos)
        if m is None:
            break
        accept = True
        if m.end() == pos:
            if m.start() == prev_end:
                accept = False
            pos += 1
        else:
            pos = m.end()
        prev_end = m.end()
        if accept:
            out.append(m)
    return out


def find_all(pattern: str, s: str, n: int) -> list[str] | None:
    rx = compile_go(pattern)
    if n == 0:
        return None
    ms = _all_matches(rx, s, n)
    return [m.group(0) for m in ms] if ms else None


def find(pattern: str, s: str) -> str:
    m = compile_go(pattern).search(s)
    return m.group(0) if m else ""


def match(pattern: str, s: str) -> bool:
    return compile_go(pattern).search(s) is not None


def split(pattern: str, s: str, n: int) -> list[str] | None:
    """Go's Regexp.Split, including its quirks at the end of the string."""
    if n == 0:
        return None
    rx = compile_go(pattern)
    if pattern and not s:
        return [""]
    matches = _all_matches(rx, s, n)
    out: list[str] = []
    beg = 0
    end = 0
    for m in matches:
        if n > 0 and len(out) == n - 1:
            break
        end = m.start()
        if m.end() != 0:
            out.append(s[beg:end])
        beg = m.end()
    if end != len(s):
        out.append(s[beg:])
    return out


def _expand(template: str, m: re.Match[str]) -> str:
    """Go's Regexp.Expand: ``$1``, ``${1}``, ``$name``, ``${name}``, ``$$``."""
    out: list[str] = []
    i = 0
    n = len(template)
    names = m.re.groupindex
    while i < n:
        j = template.find("$", i)
        if j < 0:
            out.append(template[i:])
            break
        out.append(template[i:j])
        i = j + 1
        if i < n and template[i] == "$":
            out.append("$")
            i += 1
            continue
        brace = i < n and template[i] == "{"
        k = i + 1 if brace else i
        st = k
        while k < n and (template[k].isalnum() or template[k] == "_"):
            k += 1
        name = template[st:k]
        if not name or (brace and (k >= n or template[k] != "}")):
            out.append("$")  # malformed: Go copies the dollar sign literally
            continue
        i = k + 1 if brace else k
        if name.isdigit():
            idx = int(name)
            if idx <= (m.re.groups):
                out.append(m.group(idx) or "")
        elif name in names:
            out.append(m.group(name) or "")
    return "".join(out)


def replace_all_literal(pattern: str, s: str, repl: str) -> str:
    """Go's ReplaceAllLiteralString: ``repl`` is inserted as is."""
    return replace_all(pattern, s, repl, literal=True)


def replace_all(pattern: str, s: str, repl: str, literal: bool = False) -> str:
    """Go's ReplaceAllString (``$1``/``${name}`` expanded) or, with ``literal``,
    ReplaceAllLiteralString."""
    rx = compile_go(pattern)
    expand: Callable[[re.Match[str]], str]
    expand = (lambda _m: repl) if literal else (lambda m: _expand(repl, m))
    out: list[str] = []
    last = 0
    search = 0
    end = len(s)
    while search <= end:
        m = rx.search(s, search)
        if m is None:
            break
        a0, a1 = m.span()
        out.append(s[last:a0])
        if a1 > last or a0 == 0:
            out.append(expand(m))
        last = a1
        if search + 1 > a1:
            search += 1
        else:
            search = a1
    out.append(s[last:])
    return "".join(out)


def quote_meta(s: str) -> str:
    """Go's regexp.QuoteMeta."""
    return "".join("\\" + c if c in "\\.+*?()|[]{}^$" else c for c in s)


def check(pattern: str) -> Any:
    return compile_go(pattern)
