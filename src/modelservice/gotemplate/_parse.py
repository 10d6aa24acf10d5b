"""Lexer and parser for Go's text/template language, following Go's own (text/template/parse).

The parser keeps Go's structure (its three-token look-ahead, the order in which it checks
things) because the *first* error Go reports, and the line it names, depend on that order:
a user who sees our message should see Go's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from ._errors import TemplateError

# Token types (itemType in Go). Keywords come after KEYWORD.
ERROR, BOOL, CHAR, CHAR_CONSTANT, COMMENT, COMPLEX, ASSIGN, DECLARE, EOF = range(9)
FIELD, IDENTIFIER, LEFT_DELIM, LEFT_PAREN, NUMBER, PIPE, RAW_STRING = range(9, 16)
RIGHT_DELIM, RIGHT_PAREN, SPACE, STRING, TEXT, VARIABLE = range(16, 22)
KEYWORD = 30
BLOCK, BREAK, CONTINUE, DOT, DEFINE, ELSE, END, IF, NIL, RANGE, TEMPLATE, WITH = range(31, 43)

_KEYWORDS = {
    ".": DOT,
    "block": BLOCK,
    "break": BREAK,
    "continue": CONTINUE,
    "define": DEFINE,
    "else": ELSE,
    "end": END,
    "if": IF,
    "range": RANGE,
    "nil": NIL,
    "template": TEMPLATE,
    "with": WITH,
}

_SPACE = " \t\r\n"
_LEFT = "{{"
_RIGHT = "}}"

Token = tuple[int, int, str]  # (type, position, value)


def _is_alnum(c: str) -> bool:
    return c == "_" or c.isalpha() or c.isdigit()


def _token_str(tok: Token) -> str:
    """How Go prints an item in "unexpected ..." messages."""
    typ, _, val = tok
    if typ == EOF:
        return "EOF"
    if typ == ERROR:
        return val
    if typ > KEYWORD:
        return f"<{val}>"
    if len(val) > 10:
        return go_quote(val[:10]) + "..."
    return go_quote(val)


def go_quote(s: str) -> str:
    """Go's ``%q`` of a string (strconv.Quote)."""
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\a":
            out.append("\\a")
        elif ch == "\b":
            out.append("\\b")
        elif ch == "\f":
            out.append("\\f")
        elif ch == "\v":
            out.append("\\v")
        elif o < 0x20 or o == 0x7F:
            out.append(f"\\x{o:02x}")
        elif o < 0x80 or _is_go_printable(ch):
            out.append(ch)
        elif o < 0x10000:
            out.append(f"\\u{o:04x}")
        else:
            out.append(f"\\U{o:08x}")
    out.append('"')
    return "".join(out)


def _is_go_printable(ch: str) -> bool:
    """strconv.IsPrint, close enough: letters, marks, numbers, punctuation, symbols and
    the ASCII space."""
    import unicodedata

    cat = unicodedata.category(ch)
    return cat[0] in "LMNPS" and ch != "\u00ad"


class _Lexer:
    """Go's lexer as a generator of tokens, pulled by the parser one at a time."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.start = 0
        self.paren_depth = 0

    def _has_left_trim(self, at: int) -> bool:
        t = self.text
        return at + 1 < len(t) and t[at] == "-" and t[at + 1] in _SPACE

    def _at_right_delim(self) -> tuple[bool, bool]:
        t, p = self.text, self.pos
        if p + 1 < len(t) and t[p] in _SPACE and t[p + 1] == "-" and t.startswith(_RIGHT, p + 2):
            return True, True
        if t.startswith(_RIGHT, p):
            return True, False
        return False, False

    def _error(self, msg: str) -> Token:
        return (ERROR, self.start, msg)

    def tokens(self) -> Iterator[Token]:
        t = self.text
        n = len(t)
        while True:
            # Text up to the next action.
            x = t.find(_LEFT, self.pos)
            if x < 0:
                if n > self.start:
                    yield (TEXT, self.start, t[self.start :])
                yield (EOF, n, "EOF")
                return
            if x > self.pos or x > self.start:
                end = x
                if self._has_left_trim(x + 2):
                    end = len(t[self.start : x].rstrip(_SPACE)) + self.start
                if end > self.start:
                    yield (TEXT, self.start, t[self.start : end])
            self.pos = x + 2
            trim = self._has_left_trim(self.pos)
            after = 2 if trim else 0
            if t.startswith("/*", self.pos + after):
                self.pos += after
                self.start = self.pos
                err = self._comment()
                if err is not None:
                    yield err
                    return
                continue
            yield (LEFT_DELIM, x, _LEFT)
            self.pos += after
            self.start = self.pos
            self.paren_depth = 0
            # Inside the action.
            for tok in self._inside_action():
                yield tok
                if tok[0] == ERROR:
                    return
                if tok[0] == RIGHT_DELIM:
                    break

    def _comment(self) -> Token | None:
        t = self.text
        self.pos += 2
        x = t.find("*/", self.pos)
        if x < 0:
            return self._error("unclosed comment")
        self.pos = x + 2
        delim, trim = self._at_right_delim()
        if not delim:
            return self._error("comment ends before closing delimiter")
        if trim:
            self.pos += 2
        self.pos += 2
        if trim:
            self.pos = len(t) - len(t[self.pos :].lstrip(_SPACE))
        self.start = self.pos
        return None

    def _inside_action(self) -> Iterator[Token]:
        t = self.text
        n = len(t)
        while True:
            self.start = self.pos
            delim, trim = self._at_right_delim()
            if delim:
                if self.paren_depth == 0:
                    if trim:
                        self.pos += 2
                    tok = (RIGHT_DELIM, self.pos, _RIGHT)
                    self.pos += 2
                    if trim:
                        self.pos = n - len(t[self.pos :].lstrip(_SPACE))
                    self.start = self.pos
                    yield tok
                    return
                yield self._error("unclosed left paren")
                return
            if self.pos >= n:
                yield self._error("unclosed action")
                return
            c = t[self.pos]
            self.pos += 1
            if c in _SPACE:
                yield from self._space()
            elif c == "=":
                yield (ASSIGN, self.start, "=")
            elif c == ":":
                if self.pos < n and t[self.pos] == "=":
                    self.pos += 1
                    yield (DECLARE, self.start, ":=")
                else:
                    if self.pos < n:
                        self.pos += 1
                    yield self._error("expected :=")
                    return
            elif c == "|":
                yield (PIPE, self.start, "|")
            elif c == '"':
                yield self._quote()
            elif c == "`":
                yield self._raw_quote()
            elif c == "$":
                yield self._field_or_variable(VARIABLE)
            elif c == "'":
                yield self._char()
            elif c == "." and not (self.pos < n and "0" <= t[self.pos] <= "9"):
                yield self._field_or_variable(FIELD)
            elif c in "+-." or "0" <= c <= "9":
                self.pos -= 1
                yield self._number()
            elif _is_alnum(c):
                self.pos -= 1
                yield self._identifier()
            elif c == "(":
                self.paren_depth += 1
                yield (LEFT_PAREN, self.start, "(")
            elif c == ")":
                self.paren_depth -= 1
                if self.paren_depth < 0:
                    yield self._error("unexpected right paren")
                    return
                yield (RIGHT_PAREN, self.start, ")")
            elif ord(c) <= 0x7F and c.isprintable():
                yield (CHAR, self.start, c)
            else:
                yield self._error(f"unrecognized character in action: {_go_u(c)}")
                return
            if self.text is None:  # pragma: no cover - defensive
                return

    def _space(self) -> Iterator[Token]:
        t = self.text
        n = len(t)
        num = 1
        while self.pos < n and t[self.pos] in _SPACE:
            self.pos += 1
            num += 1
        # A trim-marked right delimiter starts with a space: leave it for the delimiter.
        p = self.pos - 1
        if p + 1 < n and t[p] in _SPACE and t[p + 1] == "-" and t.startswith(_RIGHT, p + 2):
            self.pos -= 1
            if num == 1:
                return
        yield (SPACE, self.start, t[self.start : self.pos])

    def _at_terminator(self) -> bool:
        t, p = self.text, self.pos
        if p >= len(t):
            return True
        c = t[p]
        if c in _SPACE or c in ".,|:)(":
            return True
        return t.startswith(_RIGHT, p)

    def _field_or_variable(self, typ: int) -> Token:
        t = self.text
        if self._at_terminator():
            if typ == VARIABLE:
                return (VARIABLE, self.start, "$")
            return (DOT, self.start, ".")
        n = len(t)
        while self.pos < n and _is_alnum(t[self.pos]):
            self.pos += 1
        if not self._at_terminator():
            r = t[self.pos]
            self.pos += 1
            return self._error(f"bad character {_go_u(r)}")
        return (typ, self.start, t[self.start : self.pos])

    def _identifier(self) -> Token:
        t = self.text
        n = len(t)
        while self.pos < n and _is_alnum(t[self.pos]):
            self.pos += 1
        word = t[self.start : self.pos]
        if not self._at_terminator():
            r = t[self.pos]
            return self._error(f"bad character {_go_u(r)}")
        kw = _KEYWORDS.get(word)
        if kw is not None:
            return (kw, self.start, word)
        if word in ("true", "false"):
            return (BOOL, self.start, word)
        return (IDENTIFIER, self.start, word)

    def _char(self) -> Token:
        return self._quoted("'", CHAR_CONSTANT, "unterminated character constant")

    def _quote(self) -> Token:
        return self._quoted('"', STRING, "unterminated quoted string")

    def _quoted(self, quote: str, typ: int, unterminated: str) -> Token:
        """A "..." or '...' literal: backslash escapes the next character; a newline or
        the end of input before the closing quote is an error."""
        t = self.text
        n = len(t)
        while True:
            if self.pos >= n:
                return self._error(unterminated)
            c = t[self.pos]
            self.pos += 1
            if c == "\\":
                if self.pos < n and t[self.pos] != "\n":
                    self.pos += 1
                    continue
                return self._error(unterminated)
            if c == "\n":
                return self._error(unterminated)
            if c == quote:
                return (typ, self.start, t[self.start : self.pos])

    def _raw_quote(self) -> Token:
        t = self.text
        x = t.find("`", self.pos)
        if x < 0:
            return self._error("unterminated raw quoted string")
        self.pos = x + 1
        return (RAW_STRING, self.start, t[self.start : self.pos])

    def _accept(self, valid: str) -> bool:
        if self.pos < len(self.text) and self.text[self.pos] in valid:
            self.pos += 1
            return True
        return False

    def _accept_run(self, valid: str) -> None:
        t = self.text
        n = len(t)
        while self.pos < n and t[self.pos] in valid:
            self.pos += 1

    def _scan_number(self) -> bool:
        self._accept("+-")
        digits = "0123456789_"
        if self._accept("0"):
            if self._accept("xX"):
                digits = "0123456789abcdefABCDEF_"
            elif self._accept("oO"):
                digits = "01234567_"
            elif self._accept("bB"):
                digits = "01_"
        self._accept_run(digits)
        if self._accept("."):
            self._accept_run(digits)
        if len(digits) == 11 and self._accept("eE"):
            self._accept("+-")
            self._accept_run("0123456789_")
        if len(digits) == 23 and self._accept("pP"):
            self._accept("+-")
            self._accept_run("0123456789_")
        self._accept("i")
        if self.pos < len(self.text) and _is_alnum(self.text[self.pos]):
            self.pos += 1
            return False
        return True

    def _number(self) -> Token:
        if not self._scan_number():
            return self._error(f"bad number syntax: {go_quote(self.text[self.start : self.pos])}")
        t = self.text
        if self.pos < len(t) and t[self.pos] in "+-":
            if not self._scan_number() or t[self.pos - 1] != "i":
                return self._error(
                    f"bad number syntax: {go_quote(self.text[self.start : self.pos])}"
                )
            return (COMPLEX, self.start, t[self.start : self.pos])
        return (NUMBER, self.start, t[self.start : self.pos])


def _go_u(c: str) -> str:
    """Go's ``%#U``: ``U+0023 '#'``."""
    o = ord(c)
    h = f"U+{o:04X}"
    if c.isprintable():
        return f"{h} '{c}'"
    return h


# ---------------------------------------------------------------------------------------
# Nodes


class Tree:
    """One parsed template (a file, a ``define`` or a ``block``) and the text it came from."""

    __slots__ = ("name", "parse_name", "root", "text")

    def __init__(self, name: str, parse_name: str, text: str) -> None:
        self.name = name
        self.parse_name = parse_name
        self.text = text
        self.root: ListNode | None = None

    def location(self, pos: int) -> str:
        """``name:line:col`` as Go's ErrorContext gives it (the column counts bytes)."""
        text = self.text[:pos]
        nl = text.rfind("\n")
        col = len(text[nl + 1 :].encode()) if nl >= 0 else len(text.encode())
        return f"{self.parse_name}:{text.count(chr(10)) + 1}:{col}"


class Node:
    __slots__ = ("pos", "tree")

    def __init__(self, tree: Tree, pos: int) -> None:
        self.tree = tree
        self.pos = pos

    def __str__(self) -> str:  # pragma: no cover - every node overrides it
        return ""


class ListNode(Node):
    __slots__ = ("nodes",)

    def __init__(self, tree: Tree, pos: int) -> None:
        super().__init__(tree, pos)
        self.nodes: list[Node] = []

    def __str__(self) -> str:
        return "".join(str(n) for n in self.nodes)


class TextNode(Node):
    __slots__ = ("text",)

    def __init__(self, tree: Tree, pos: int, text: str) -> None:
        super().__init__(tree, pos)
        self.text = text

    def __str__(self) -> str:
        return go_quote(self.text)


class CommentNode(Node):
    __slots__ = ()

    def __str__(self) -> str:
        return "{{/* */}}"


class PipeNode(Node):
    __slots__ = ("cmds", "decl", "is_assign")

    def __init__(self, tree: Tree, pos: int) -> None:
        super().__init__(tree, pos)
        self.is_assign = False
        self.decl: list[VariableNode] = []
        self.cmds: list[CommandNode] = []

    def __str__(self) -> str:
        s = ""
        if self.decl:
            s = ", ".join(str(v) for v in self.decl) + (" = " if self.is_assign else " := ")
        return s + " | ".join(str(c) for c in self.cmds)


class ActionNode(Node):
    __slots__ = ("pipe",)

    def __init__(self, tree: Tree, pos: int, pipe: PipeNode) -> None:
        super().__init__(tree, pos)
        self.pipe = pipe

    def __str__(self) -> str:
        return "{{" + str(self.pipe) + "}}"


class CommandNode(Node):
    __slots__ = ("args",)

    def __init__(self, tree: Tree, pos: int) -> None:
        super().__init__(tree, pos)
        self.args: list[Node] = []

    def __str__(self) -> str:
        return " ".join(f"({a})" if isinstance(a, PipeNode) else str(a) for a in self.args)


class IdentifierNode(Node):
    __slots__ = ("ident",)

    def __init__(self, tree: Tree, pos: int, ident: str) -> None:
        super().__init__(tree, pos)
        self.ident = ident

    def __str__(self) -> str:
        return self.ident


class VariableNode(Node):
    __slots__ = ("ident",)

    def __init__(self, tree: Tree, pos: int, ident: str) -> None:
        super().__init__(tree, pos)
        self.ident = ident.split(".")

    def __str__(self) -> str:
        return ".".join(self.ident)


class DotNode(Node):
    __slots__ = ()

    def __str__(self) -> str:
        return "."


class NilNode(Node):
    __slots__ = ()

    def __str__(self) -> str:
        return "nil"


class FieldNode(Node):
    __slots__ = ("ident",)

    def __init__(self, tree: Tree, pos: int, ident: str) -> None:
        super().__init__(tree, pos)
        self.ident = ident[1:].split(".")

    def __str__(self) -> str:
        return "".join("." + i for i in self.ident)


class ChainNode(Node):
    __slots__ = ("field", "node")

    def __init__(self, tree: Tree, pos: int, node: Node) -> None:
        super().__init__(tree, pos)
        self.node = node
        self.field: list[str] = []

    def add(self, field: str) -> None:
        self.field.extend(field[1:].split("."))

    def __str__(self) -> str:
        head = f"({self.node})" if isinstance(self.node, PipeNode) else str(self.node)
        return head + "".join("." + f for f in self.field)


class BoolNode(Node):
    __slots__ = ("true",)

    def __init__(self, tree: Tree, pos: int, true: bool) -> None:
        super().__init__(tree, pos)
        self.true = true

    def __str__(self) -> str:
        return "true" if self.true else "false"


class NumberNode(Node):
    __slots__ = ("float64", "int64", "is_complex", "is_float", "is_int", "is_uint", "text")

    def __init__(self, tree: Tree, pos: int, text: str) -> None:
        super().__init__(tree, pos)
        self.text = text
        self.is_int = self.is_uint = self.is_float = self.is_complex = False
        self.int64 = 0
        self.float64 = 0.0

    def __str__(self) -> str:
        return self.text


class StringNode(Node):
    __slots__ = ("quoted", "text")

    def __init__(self, tree: Tree, pos: int, quoted: str, text: str) -> None:
        super().__init__(tree, pos)
        self.quoted = quoted
        self.text = text

    def __str__(self) -> str:
        return self.quoted


class _EndNode(Node):
    __slots__ = ()

    def __str__(self) -> str:
        return "{{end}}"


class _ElseNode(Node):
    __slots__ = ()

    def __str__(self) -> str:
        return "{{else}}"


class BranchNode(Node):
    __slots__ = ("else_list", "list", "pipe")
    keyword = ""

    def __init__(
        self, tree: Tree, pos: int, pipe: PipeNode, lst: ListNode, else_list: ListNode | None
    ) -> None:
        super().__init__(tree, pos)
        self.pipe = pipe
        self.list = lst
        self.else_list = else_list

    def __str__(self) -> str:
        s = "{{" + self.keyword + " " + str(self.pipe) + "}}" + str(self.list)
        if self.else_list is not None:
            s += "{{else}}" + str(self.else_list)
        return s + "{{end}}"


class IfNode(BranchNode):
    __slots__ = ()
    keyword = "if"


class RangeNode(BranchNode):
    __slots__ = ()
    keyword = "range"


class WithNode(BranchNode):
    __slots__ = ()
    keyword = "with"


class TemplateNode(Node):
    __slots__ = ("name", "pipe")

    def __init__(self, tree: Tree, pos: int, name: str, pipe: PipeNode | None) -> None:
        super().__init__(tree, pos)
        self.name = name
        self.pipe = pipe

    def __str__(self) -> str:
        if self.pipe is None:
            return "{{template " + go_quote(self.name) + "}}"
        return "{{template " + go_quote(self.name) + " " + str(self.pipe) + "}}"


class BreakNode(Node):
    __slots__ = ()

    def __str__(self) -> str:
        return "{{break}}"


class ContinueNode(Node):
    __slots__ = ()

    def __str__(self) -> str:
        return "{{continue}}"


def is_empty_tree(n: Node | None) -> bool:
    """Whether a template holds nothing but space and comments (Go's IsEmptyTree)."""
    if n is None or isinstance(n, CommentNode):
        return True
    if isinstance(n, ListNode):
        return all(is_empty_tree(x) for x in n.nodes)
    if isinstance(n, TextNode):
        return not n.text.strip(" \t\r\n\v\f\x85\xa0")
    return False


# ---------------------------------------------------------------------------------------
# Unquoting Go literals (strconv.Unquote, UnquoteChar)

_SIMPLE_ESCAPES = {
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
    "\\": "\\",
}


class _SyntaxError(Exception):
    pass


def _unquote_char(s: str, i: int, quote: str) -> tuple[str, int]:
    c = s[i]
    if c == quote and quote in "'\"":
        raise _SyntaxError
    if c != "\\":
        return c, i + 1
    if i + 1 >= len(s):
        raise _SyntaxError
    c = s[i + 1]
    i += 2
    if c in _SIMPLE_ESCAPES:
        return _SIMPLE_ESCAPES[c], i
    if c in "xuU":
        n = {"x": 2, "u": 4, "U": 8}[c]
        h = s[i : i + n]
        if len(h) < n or any(x not in "0123456789abcdefABCDEF" for x in h):
            raise _SyntaxError
        v = int(h, 16)
        if c == "x":
            if quote == "'":
                return chr(v), i + n
            # \xHH in a string is a byte; only ASCII bytes make valid text here.
            if v > 0x7F:
                return chr(0xFFFD), i + n
            return chr(v), i + n
        if v > 0x10FFFF or 0xD800 <= v <= 0xDFFF:
            raise _SyntaxError
        return chr(v), i + n
    if "0" <= c <= "7":
        o = s[i - 1 : i + 2]
        if len(o) < 3 or any(x not in "01234567" for x in o):
            raise _SyntaxError
        v = int(o, 8)
        if v > 255:
            raise _SyntaxError
        return (chr(v) if v < 0x80 or quote == "'" else chr(0xFFFD)), i + 2
    if c == quote and quote in "'\"":
        return c, i
    raise _SyntaxError


def unquote(s: str) -> str:
    """strconv.Unquote for "..." and `...` literals."""
    if len(s) < 2 or s[0] != s[-1]:
        raise _SyntaxError
    q = s[0]
    body = s[1:-1]
    if q == "`":
        if "`" in body:
            raise _SyntaxError
        return body.replace("\r", "")
    if q != '"' or "\n" in body:
        raise _SyntaxError
    if "\\" not in body and '"' not in body:
        return body
    out = []
    i = 0
    while i < len(body):
        ch, i = _unquote_char(body, i, q)
        out.append(ch)
    return "".join(out)


def _parse_go_int(text: str, signed: bool) -> int | None:
    """strconv.ParseInt/ParseUint with base 0 (prefixes, octal, underscores)."""
    if not text.isascii() or text.strip() != text:
        return None
    s = text
    neg = False
    if s[:1] in "+-":
        if not signed:
            return None
        neg = s[0] == "-"
        s = s[1:]
    base = 10
    prefixed = False
    if len(s) > 1 and s[0] == "0":
        p = s[1].lower()
        if p == "x":
            base, s, prefixed = 16, s[2:], True
        elif p == "b":
            base, s, prefixed = 2, s[2:], True
        elif p == "o":
            base, s, prefixed = 8, s[2:], True
        else:
            base, s = 8, s[1:]
            prefixed = True
    if "_" in s:
        # Underscores only between digits, or after a base prefix.
        t = ("0" if prefixed else "") + s
        if t.startswith("_") or t.endswith("_") or "__" in t:
            return None
        s = s.replace("_", "")
    if not s:
        return None
    try:
        v = int(s, base)
    except ValueError:
        return None
    if neg:
        v = -v
    if signed:
        return v if -(2**63) <= v < 2**63 else None
    return v if 0 <= v < 2**64 else None


def _parse_go_float(text: str) -> float | None:
    """strconv.ParseFloat for the forms a template may hold."""
    s = text.replace("_", "")
    try:
        if s.lower().lstrip("+-").startswith("0x"):
            return float.fromhex(s)
        if s.lower().lstrip("+-") in ("inf", "infinity", "nan"):
            return None
        return float(s)
    except (ValueError, OverflowError):
        return None


# ---------------------------------------------------------------------------------------
# Parser


class _ParseError(Exception):
    pass


class Parser:
    """Parses one text into its trees: the text's own template and every ``define``."""

    def __init__(self, name: str, text: str, has_function: Callable[[str], bool]) -> None:
        self.name = name
        self.text = text
        self.has_function = has_function
        self.lexer = iter(_Lexer(text).tokens())
        self.token: list[Token] = [(EOF, 0, ""), (EOF, 0, ""), (EOF, 0, "")]
        self.peek_count = 0
        self.vars: list[str] = ["$"]
        self.tree_set: dict[str, Tree] = {}
        self.action_line = 0
        self.range_depth = 0
        self.stack_depth = 0
        self.tree = Tree(name, name, text)
        self._line_cache: tuple[int, int] = (0, 1)

    # -- tokens -----------------------------------------------------------------------

    def _lex(self) -> Token:
        try:
            return next(self.lexer)
        except StopIteration:
            return (EOF, len(self.text), "EOF")

    def next(self) -> Token:
        if self.peek_count > 0:
            self.peek_count -= 1
        else:
            self.token[0] = self._lex()
        return self.token[self.peek_count]

    def backup(self) -> None:
        self.peek_count += 1

    def backup2(self, t1: Token) -> None:
        self.token[1] = t1
        self.peek_count = 2

    def backup3(self, t2: Token, t1: Token) -> None:
        self.token[1] = t1
        self.token[2] = t2
        self.peek_count = 3

    def peek(self) -> Token:
        if self.peek_count > 0:
            return self.token[self.peek_count - 1]
        self.peek_count = 1
        self.token[0] = self._lex()
        return self.token[0]

    def next_non_space(self) -> Token:
        while True:
            tok = self.next()
            if tok[0] != SPACE:
                return tok

    def peek_non_space(self) -> Token:
        tok = self.next_non_space()
        self.backup()
        return tok

    def line_of(self, pos: int) -> int:
        return self.text.count("\n", 0, pos) + 1

    # -- errors -----------------------------------------------------------------------

    def errorf(self, msg: str) -> None:
        line = self.line_of(self.token[0][1])
        raise TemplateError(
            f"template: {self.name}:{line}: {msg}",
            template=self.name,
            line=line,
            message=msg,
            parse=True,
        )

    def unexpected(self, tok: Token, context: str) -> None:
        if tok[0] == ERROR:
            extra = ""
            line = self.line_of(tok[1])
            if self.action_line != 0 and self.action_line != line:
                extra = f" in action started at {self.name}:{self.action_line}"
                if tok[2].endswith(" action"):
                    extra = extra[len(" in action") :]
            self.errorf(f"{tok[2]}{extra}")
        self.errorf(f"unexpected {_token_str(tok)} in {context}")

    def expect(self, typ: int, context: str) -> Token:
        tok = self.next_non_space()
        if tok[0] != typ:
            self.unexpected(tok, context)
        return tok

    # -- structure --------------------------------------------------------------------

    def parse(self) -> dict[str, Tree]:
        tree = self.tree
        root = ListNode(tree, self.peek()[1])
        tree.root = root
        while self.peek()[0] != EOF:
            if self.peek()[0] == LEFT_DELIM:
                delim = self.next()
                if self.next_non_space()[0] == DEFINE:
                    self._parse_definition()
                    continue
                self.backup2(delim)
            n = self._text_or_action(tree)
            if isinstance(n, _EndNode | _ElseNode):
                self.errorf(f"unexpected {n}")
            root.nodes.append(n)
        self._add(tree)
        return self.tree_set

    def _add(self, tree: Tree) -> None:
        old = self.tree_set.get(tree.name)
        if old is None or is_empty_tree(old.root):
            self.tree_set[tree.name] = tree
            return
        if not is_empty_tree(tree.root):
            self.errorf(f"template: multiple definition of template {go_quote(tree.name)}")

    def _parse_definition(self) -> None:
        context = "define clause"
        tok = self.next_non_space()
        if tok[0] not in (STRING, RAW_STRING):
            self.unexpected(tok, context)
        name = self._unquote(tok[2])
        self.expect(RIGHT_DELIM, context)
        saved_vars, saved_tree = self.vars, self.tree
        self.vars = ["$"]
        tree = Tree(name, self.name, self.text)
        tree.root, end = self._item_list(tree)
        if not isinstance(end, _EndNode):
            self.errorf(f"unexpected {end} in {context}")
        self._add(tree)
        self.vars, self.tree = saved_vars, saved_tree

    def _item_list(self, tree: Tree) -> tuple[ListNode, Node]:
        lst = ListNode(tree, self.peek_non_space()[1])
        while self.peek_non_space()[0] != EOF:
            n = self._text_or_action(tree)
            if isinstance(n, _EndNode | _ElseNode):
                return lst, n
            lst.nodes.append(n)
        self.errorf("unexpected EOF")
        raise AssertionError  # pragma: no cover

    def _text_or_action(self, tree: Tree) -> Node:
        tok = self.next_non_space()
        if tok[0] == TEXT:
            return TextNode(tree, tok[1], tok[2])
        if tok[0] == LEFT_DELIM:
            self.action_line = self.line_of(tok[1])
            try:
                return self._action(tree)
            finally:
                self.action_line = 0
        if tok[0] == COMMENT:  # pragma: no cover - comments are not emitted
            return CommentNode(tree, tok[1])
        self.unexpected(tok, "input")
        raise AssertionError  # pragma: no cover

    def _action(self, tree: Tree) -> Node:
        tok = self.next_non_space()
        typ = tok[0]
        if typ == BLOCK:
            return self._block_control(tree)
        if typ == BREAK:
            return self._break_control(tree, tok[1], "break", BreakNode)
        if typ == CONTINUE:
            return self._break_control(tree, tok[1], "continue", ContinueNode)
        if typ == ELSE:
            return self._else_control(tree)
        if typ == END:
            return _EndNode(tree, self.expect(RIGHT_DELIM, "end")[1])
        if typ == IF:
            return self._parse_control(tree, IfNode, "if")
        if typ == RANGE:
            return self._parse_control(tree, RangeNode, "range")
        if typ == TEMPLATE:
            return self._template_control(tree)
        if typ == WITH:
            return self._parse_control(tree, WithNode, "with")
        self.backup()
        tok = self.peek()
        return ActionNode(tree, tok[1], self._pipeline(tree, "command", RIGHT_DELIM))

    def _break_control(self, tree: Tree, pos: int, word: str, cls: type[Node]) -> Node:
        tok = self.next_non_space()
        if tok[0] != RIGHT_DELIM:
            self.unexpected(tok, "{{" + word + "}}")
        if self.range_depth == 0:
            self.errorf("{{" + word + "}} outside {{range}}")
        return cls(tree, pos)

    def _pipeline(self, tree: Tree, context: str, end: int) -> PipeNode:
        tok = self.peek_non_space()
        pipe = PipeNode(tree, tok[1])
        while True:  # decls
            v = self.peek_non_space()
            if v[0] != VARIABLE:
                break
            self.next()
            token_after = self.peek()
            nxt = self.peek_non_space()
            if nxt[0] in (ASSIGN, DECLARE):
                pipe.is_assign = nxt[0] == ASSIGN
                self.next_non_space()
                pipe.decl.append(VariableNode(tree, v[1], v[2]))
                self.vars.append(v[2])
            elif nxt[0] == CHAR and nxt[2] == ",":
                self.next_non_space()
                pipe.decl.append(VariableNode(tree, v[1], v[2]))
                self.vars.append(v[2])
                if context == "range" and len(pipe.decl) < 2:
                    if self.peek_non_space()[0] in (VARIABLE, RIGHT_DELIM, RIGHT_PAREN):
                        continue
                    self.errorf("range can only initialize variables")
                self.errorf(f"too many declarations in {context}")
            elif token_after[0] == SPACE:
                self.backup3(v, token_after)
            else:
                self.backup2(v)
            break
        while True:
            tok = self.next_non_space()
            typ = tok[0]
            if typ == end:
                self._check_pipeline(pipe, context)
                return pipe
            if typ in (
                BOOL,
                CHAR_CONSTANT,
                COMPLEX,
                DOT,
                FIELD,
                IDENTIFIER,
                NUMBER,
                NIL,
                RAW_STRING,
                STRING,
                VARIABLE,
                LEFT_PAREN,
            ):
                self.backup()
                pipe.cmds.append(self._command(tree))
            else:
                self.unexpected(tok, context)

    def _check_pipeline(self, pipe: PipeNode, context: str) -> None:
        if not pipe.cmds:
            self.errorf(f"missing value for {context}")
        for i, c in enumerate(pipe.cmds[1:]):
            if isinstance(c.args[0], BoolNode | DotNode | NilNode | NumberNode | StringNode):
                self.errorf(f"non executable command in pipeline stage {i + 2}")

    def _parse_control(self, tree: Tree, cls: type[BranchNode], context: str) -> Node:
        mark = len(self.vars)
        try:
            pipe = self._pipeline(tree, context, RIGHT_DELIM)
            if context == "range":
                self.range_depth += 1
            lst, nxt = self._item_list(tree)
            if context == "range":
                self.range_depth -= 1
            else_list = None
            if isinstance(nxt, _ElseNode):
                if context == "if" and self.peek()[0] == IF:
                    self.next()
                    else_list = ListNode(tree, nxt.pos)
                    else_list.nodes.append(self._parse_control(tree, IfNode, "if"))
                elif context == "with" and self.peek()[0] == WITH:
                    self.next()
                    else_list = ListNode(tree, nxt.pos)
                    else_list.nodes.append(self._parse_control(tree, WithNode, "with"))
                else:
                    else_list, nxt = self._item_list(tree)
                    if not isinstance(nxt, _EndNode):
                        self.errorf(f"expected end; found {nxt}")
            return cls(tree, pipe.pos, pipe, lst, else_list)
        finally:
            del self.vars[mark:]

    def _else_control(self, tree: Tree) -> Node:
        peek = self.peek_non_space()
        if peek[0] in (IF, WITH):
            return _ElseNode(tree, peek[1])
        tok = self.expect(RIGHT_DELIM, "else")
        return _ElseNode(tree, tok[1])

    def _template_name(self, tok: Token, context: str) -> str:
        if tok[0] in (STRING, RAW_STRING):
            return self._unquote(tok[2])
        self.unexpected(tok, context)
        raise AssertionError  # pragma: no cover

    def _block_control(self, tree: Tree) -> Node:
        context = "block clause"
        tok = self.next_non_space()
        name = self._template_name(tok, context)
        pipe = self._pipeline(tree, context, RIGHT_DELIM)
        saved_vars = self.vars
        self.vars = ["$"]
        block = Tree(name, self.name, self.text)
        block.root, end = self._item_list(block)
        if not isinstance(end, _EndNode):
            self.errorf(f"unexpected {end} in {context}")
        self._add(block)
        self.vars = saved_vars
        return TemplateNode(tree, tok[1], name, pipe)

    def _template_control(self, tree: Tree) -> Node:
        context = "template clause"
        tok = self.next_non_space()
        name = self._template_name(tok, context)
        pipe = None
        if self.next_non_space()[0] != RIGHT_DELIM:
            self.backup()
            pipe = self._pipeline(tree, context, RIGHT_DELIM)
        return TemplateNode(tree, tok[1], name, pipe)

    def _command(self, tree: Tree) -> CommandNode:
        cmd = CommandNode(tree, self.peek_non_space()[1])
        while True:
            self.peek_non_space()
            operand = self._operand(tree)
            if operand is not None:
                cmd.args.append(operand)
            tok = self.next()
            if tok[0] == SPACE:
                continue
            if tok[0] in (RIGHT_DELIM, RIGHT_PAREN):
                self.backup()
            elif tok[0] != PIPE:
                self.unexpected(tok, "operand")
            break
        if not cmd.args:
            self.errorf("empty command")
        return cmd

    def _operand(self, tree: Tree) -> Node | None:
        node = self._term(tree)
        if node is None:
            return None
        if self.peek()[0] == FIELD:
            chain = ChainNode(tree, self.peek()[1], node)
            while self.peek()[0] == FIELD:
                chain.add(self.next()[2])
            if isinstance(node, FieldNode):
                return FieldNode(tree, chain.pos, str(chain))
            if isinstance(node, VariableNode):
                return VariableNode(tree, chain.pos, str(chain))
            if isinstance(node, BoolNode | StringNode | NumberNode | NilNode | DotNode):
                self.errorf(f"unexpected . after term {go_quote(str(node))}")
            return chain
        return node

    def _term(self, tree: Tree) -> Node | None:
        tok = self.next_non_space()
        typ, pos, val = tok
        if typ == IDENTIFIER:
            if not self.has_function(val):
                self.errorf(f"function {go_quote(val)} not defined")
            return IdentifierNode(tree, pos, val)
        if typ == DOT:
            return DotNode(tree, pos)
        if typ == NIL:
            return NilNode(tree, pos)
        if typ == VARIABLE:
            return self._use_var(tree, pos, val)
        if typ == FIELD:
            return FieldNode(tree, pos, val)
        if typ == BOOL:
            return BoolNode(tree, pos, val == "true")
        if typ in (CHAR_CONSTANT, COMPLEX, NUMBER):
            return self._number(tree, pos, val, typ)
        if typ == LEFT_PAREN:
            if self.stack_depth >= 10000:
                self.errorf("max expression depth exceeded")
            self.stack_depth += 1
            try:
                return self._pipeline(tree, "parenthesized pipeline", RIGHT_PAREN)
            finally:
                self.stack_depth -= 1
        if typ in (STRING, RAW_STRING):
            return StringNode(tree, pos, val, self._unquote(val))
        self.backup()
        return None

    def _unquote(self, s: str) -> str:
        try:
            return unquote(s)
        except _SyntaxError:
            self.errorf("invalid syntax")
            raise AssertionError from None  # pragma: no cover

    def _use_var(self, tree: Tree, pos: int, name: str) -> Node:
        v = VariableNode(tree, pos, name)
        if v.ident[0] in self.vars:
            return v
        self.errorf(f"undefined variable {go_quote(v.ident[0])}")
        raise AssertionError  # pragma: no cover

    def _number(self, tree: Tree, pos: int, text: str, typ: int) -> NumberNode:
        n = NumberNode(tree, pos, text)
        if typ == CHAR_CONSTANT:
            try:
                ch, i = _unquote_char(text, 1, "'")
            except (_SyntaxError, IndexError):
                self.errorf("invalid syntax")
                raise AssertionError from None  # pragma: no cover
            if text[i:] != "'":
                self.errorf(f"malformed character constant: {text}")
            n.is_int = n.is_uint = n.is_float = True
            n.int64 = ord(ch)
            n.float64 = float(ord(ch))
            return n
        if typ == COMPLEX or text.endswith("i"):
            self.errorf(f"complex number {text}: modelservice does not evaluate complex numbers")
        u = _parse_go_int(text, signed=False)
        if u is not None:
            n.is_uint = True
        iv = _parse_go_int(text, signed=True)
        if iv is not None:
            n.is_int = True
            n.int64 = iv
            if iv == 0:
                n.is_uint = True
        if n.is_int:
            n.is_float = True
            n.float64 = float(n.int64)
        elif n.is_uint:
            n.is_float = True
            n.float64 = float(u or 0)
        else:
            f = _parse_go_float(text)
            if f is not None:
                if not any(c in text for c in ".eEpP"):
                    self.errorf(f"integer overflow: {go_quote(text)}")
                n.is_float = True
                n.float64 = f
                if f == int(f) and -(2**63) <= f < 2**63:
                    n.is_int = True
                    n.int64 = int(f)
                if f == int(f) and 0 <= f < 2**64:
                    n.is_uint = True
        if not (n.is_int or n.is_uint or n.is_float):
            self.errorf(f"illegal number syntax: {go_quote(text)}")
        return n


def parse(name: str, text: str, has_function: Callable[[str], bool]) -> dict[str, Any]:
    """Parse ``text`` as the template ``name``; returns every tree it defines, by name."""
    return Parser(name, text, has_function).parse()
