"""Executing parsed templates with Go's rules (text/template/exec.go).

The evaluator mirrors Go's: the same walk over nodes, the same argument checking against
each function's parameter types, the same errors. One Go subtlety is kept on purpose: a
map lookup that finds nothing yields a *typed* nil (``NIL_IFACE`` here), which Go treats
differently from "no value" -- ``.Values.missing.x`` is an error ("nil pointer evaluating
interface {}.x") while ``$v := .Values.missing`` then ``$v.x`` is silently empty. Charts
behave differently in those two cases, so the engine must too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from . import _values as gv
from ._errors import TemplateError
from ._parse import (
    ActionNode,
    BoolNode,
    BranchNode,
    BreakNode,
    ChainNode,
    CommandNode,
    CommentNode,
    ContinueNode,
    DotNode,
    FieldNode,
    IdentifierNode,
    IfNode,
    ListNode,
    NilNode,
    Node,
    NumberNode,
    PipeNode,
    RangeNode,
    StringNode,
    TemplateNode,
    TextNode,
    Tree,
    VariableNode,
    WithNode,
    go_quote,
    is_empty_tree,
)


class _NilIface:
    """The zero value of ``interface{}``: what a map lookup of a missing key gives."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "NIL_IFACE"


NIL_IFACE: Any = _NilIface()
MISSING: Any = object()  # no value passed down the pipeline


class FuncError(Exception):
    """A function failed; the evaluator words it as ``error calling NAME: ...``."""


class _Break(Exception):
    pass


class _Continue(Exception):
    pass


# Parameter types of template functions: a code, and Go's name for it in messages.
ANY, STR, INT, INT64, FLOAT, BOOL, MAP, VAL = (
    "any",
    "str",
    "int",
    "int64",
    "float",
    "bool",
    "map",
    "val",
)
TYPE_NAMES = {
    ANY: "interface {}",
    STR: "string",
    INT: "int",
    INT64: "int64",
    FLOAT: "float64",
    BOOL: "bool",
    MAP: "map[string]interface {}",
    VAL: "reflect.Value",
}


class Func:
    """A template function: the Python callable and its Go signature.

    ``fn(state, *args)``; ``params`` are the fixed parameters' types, ``variadic`` the
    element type of a trailing ``...`` parameter (None when there is none).
    """

    __slots__ = ("builtin", "fn", "name", "params", "unsupported", "variadic")

    def __init__(
        self,
        name: str,
        fn: Callable[..., Any] | None,
        params: tuple[str, ...] = (),
        variadic: str | None = None,
        *,
        builtin: bool = False,
        unsupported: str = "",
    ) -> None:
        self.name = name
        self.fn = fn
        self.params = params
        self.variadic = variadic
        self.builtin = builtin
        self.unsupported = unsupported


class Namespace:
    """The templates visible to ``template``/``include``: a name→tree layer over a parent.

    ``tpl`` works on a clone of the chart's templates (definitions in the ``tpl`` text are
    visible only inside it); a child layer is that clone, without copying.
    """

    __slots__ = ("parent", "trees")

    def __init__(self, trees: dict[str, Tree] | None = None, parent: Namespace | None = None):
        self.trees: dict[str, Tree] = trees if trees is not None else {}
        self.parent = parent

    def lookup(self, name: str) -> Tree | None:
        ns: Namespace | None = self
        while ns is not None:
            t = ns.trees.get(name)
            if t is not None:
                return t
            ns = ns.parent
        return None

    def add(self, trees: Mapping[str, Tree]) -> None:
        """Add parsed trees as Go's Template.AddParseTree does: an empty definition does
        not replace a non-empty one."""
        for name, tree in trees.items():
            old = self.lookup(name)
            if old is not None and is_empty_tree(tree.root) and old.root is not None:
                continue
            self.trees[name] = tree

    def child(self) -> Namespace:
        return Namespace({}, self)


class Env:
    """What one render shares across templates, includes and tpl calls."""

    __slots__ = (
        "float_ints",
        "funcs",
        "included",
        "parse",
        "root_name",
    )

    def __init__(
        self,
        funcs: Mapping[str, Func],
        float_ints: bool,
        parse: Callable[[str, str, Namespace], dict[str, Tree]],
        root_name: str,
    ) -> None:
        self.funcs = funcs
        self.float_ints = float_ints
        self.included: dict[str, int] = {}
        self.parse = parse
        self.root_name = root_name


class State:
    """The state of executing one template: its variables, output and current node."""

    __slots__ = ("env", "fl", "name", "node", "ns", "out", "vars")

    def __init__(self, env: Env, ns: Namespace, name: str, dot: Any) -> None:
        self.env = env
        self.fl = env.float_ints
        self.ns = ns
        self.name = name
        self.node: Node | None = None
        self.vars: list[list[Any]] = [["$", dot]]
        self.out: list[str] = []

    # -- errors -----------------------------------------------------------------------

    def error(
        self,
        msg: str,
        *,
        cause: TemplateError | None = None,
        fail_message: str | None = None,
        go_error: bool = False,
    ) -> TemplateError:
        node = self.node
        name = self.name
        if node is None:
            return TemplateError(
                f"template: {name}: {msg}",
                template=name,
                message=msg,
                cause=cause,
                fail_message=fail_message,
                go_error=go_error,
            )
        location = node.tree.location(node.pos)
        context = str(node)
        tname, line, col = location.rsplit(":", 2)
        return TemplateError(
            f'template: {location}: executing "{name}" at <{context}>: {msg}',
            template=tname,
            line=int(line),
            column=int(col),
            message=msg,
            context=context,
            executing=name,
            cause=cause,
            fail_message=fail_message,
            go_error=go_error,
        )

    # -- variables --------------------------------------------------------------------

    def set_var(self, name: str, value: Any) -> None:
        for v in reversed(self.vars):
            if v[0] == name:
                v[1] = value
                return
        raise self.error(f"undefined variable: {name}")

    def var_value(self, name: str) -> Any:
        for v in reversed(self.vars):
            if v[0] == name:
                return v[1]
        raise self.error(f"undefined variable: {name}")

    # -- walking ----------------------------------------------------------------------

    def walk(self, dot: Any, node: Node) -> None:
        self.node = node
        t = type(node)
        if t is ListNode:
            for n in node.nodes:  # type: ignore[attr-defined]
                self.walk(dot, n)
        elif t is TextNode:
            self.out.append(node.text)  # type: ignore[attr-defined]
        elif t is ActionNode:
            pipe = node.pipe  # type: ignore[attr-defined]
            val = self.eval_pipeline(dot, pipe)
            if not pipe.decl:
                self.node = node
                self.out.append("<no value>" if val is None else gv.sprint_value(val, self.fl))
        elif t is IfNode or t is WithNode:
            self._walk_if_or_with(dot, node)  # type: ignore[arg-type]
        elif t is RangeNode:
            self._walk_range(dot, node)  # type: ignore[arg-type]
        elif t is TemplateNode:
            self._walk_template(dot, node)  # type: ignore[arg-type]
        elif t is BreakNode:
            raise _Break
        elif t is ContinueNode:
            raise _Continue
        elif t is CommentNode:
            pass
        else:  # pragma: no cover
            raise self.error(f"unknown node: {node}")

    def _walk_if_or_with(self, dot: Any, node: BranchNode) -> None:
        mark = len(self.vars)
        try:
            val = self.eval_pipeline(dot, node.pipe)
            if gv.truth(val):
                self.walk(val if type(node) is WithNode else dot, node.list)
            elif node.else_list is not None:
                self.walk(dot, node.else_list)
        finally:
            del self.vars[mark:]

    def _walk_range(self, dot: Any, r: RangeNode) -> None:
        self.node = r
        outer = len(self.vars)
        try:
            val = self.eval_pipeline(dot, r.pipe)
            mark = len(self.vars)
            decl = r.pipe.decl
            ndecl = len(decl)
            assign = r.pipe.is_assign

            def one(index: Any, elem: Any) -> None:
                if ndecl:
                    if assign:
                        self.set_var(decl[0].ident[0], index if ndecl > 1 else elem)
                    else:
                        self.vars[-1][1] = elem
                if ndecl > 1:
                    if assign:
                        self.set_var(decl[1].ident[0], elem)
                    else:
                        self.vars[-2][1] = index
                try:
                    self.walk(elem, r.list)
                except _Continue:
                    pass
                finally:
                    del self.vars[mark:]

            ran = False
            try:
                if val is None:
                    pass
                elif isinstance(val, Mapping):
                    if val:
                        ran = True
                        for k in sorted(val):
                            v = val[k]
                            one(k, NIL_IFACE if v is None and type(val) is dict else v)
                elif isinstance(val, list | tuple):
                    if val:
                        ran = True
                        iface = type(val) in (list, tuple)
                        for i, v in enumerate(val):
                            one(gv.Int(i), NIL_IFACE if v is None and iface else v)
                elif (
                    isinstance(val, int)
                    and not isinstance(val, bool)
                    and not gv.is_float(val, self.fl)
                ):
                    if ndecl > 1:
                        raise self.error(
                            f"can't use {gv.sprint_value(val, self.fl)} to iterate over "
                            "more than one variable"
                        )
                    cls = type(val) if type(val) is not int else gv.Int64
                    if val > 0:
                        ran = True
                        for i in range(val):
                            one(None, cls(i))
                else:
                    raise self.error(f"range can't iterate over {gv.sprint_value(val, self.fl)}")
            except _Break:
                return
            if not ran and r.else_list is not None:
                self.walk(dot, r.else_list)
        finally:
            del self.vars[outer:]

    def _walk_template(self, dot: Any, t: TemplateNode) -> None:
        self.node = t
        tree = self.ns.lookup(t.name)
        if tree is None:
            raise self.error(f"template {go_quote(t.name)} not defined")
        dot = self.eval_pipeline(dot, t.pipe) if t.pipe is not None else None
        st = State(self.env, self.ns, t.name, dot)
        st.out = self.out
        assert tree.root is not None
        st.walk(dot, tree.root)

    # -- evaluation -------------------------------------------------------------------

    def eval_pipeline(self, dot: Any, pipe: PipeNode) -> Any:
        self.node = pipe
        value = MISSING
        for cmd in pipe.cmds:
            value = self.eval_command(dot, cmd, value)
            if value is NIL_IFACE:
                value = None
        for v in pipe.decl:
            if pipe.is_assign:
                self.set_var(v.ident[0], value)
            else:
                self.vars.append([v.ident[0], value])
        return value

    def _not_a_function(self, args: list[Node], final: Any) -> None:
        if len(args) > 1 or final is not MISSING:
            raise self.error(f"can't give argument to non-function {args[0]}")

    def eval_command(self, dot: Any, cmd: CommandNode, final: Any) -> Any:
        first = cmd.args[0]
        t = type(first)
        if t is FieldNode:
            return self.eval_field_node(dot, first, cmd.args, final)  # type: ignore[arg-type]
        if t is IdentifierNode:
            return self.eval_function(dot, first, cmd, cmd.args, final)  # type: ignore[arg-type]
        if t is VariableNode:
            return self.eval_variable_node(dot, first, cmd.args, final)  # type: ignore[arg-type]
        if t is ChainNode:
            return self.eval_chain_node(dot, first, cmd.args, final)  # type: ignore[arg-type]
        if t is PipeNode:
            self._not_a_function(cmd.args, final)
            return self.eval_pipeline(dot, first)  # type: ignore[arg-type]
        self.node = first
        self._not_a_function(cmd.args, final)
        if t is StringNode:
            return first.text  # type: ignore[attr-defined]
        if t is DotNode:
            return dot
        if t is BoolNode:
            return first.true  # type: ignore[attr-defined]
        if t is NumberNode:
            return self.ideal_constant(first)  # type: ignore[arg-type]
        if t is NilNode:
            raise self.error("nil is not a command")
        raise self.error(f"can't evaluate command {go_quote(str(first))}")  # pragma: no cover

    def ideal_constant(self, n: NumberNode) -> Any:
        self.node = n
        text = n.text
        is_hex_int = (
            len(text) > 2
            and text[0] == "0"
            and text[1] in "xX"
            and not any(c in text for c in "pP")
        )
        if n.is_float and not is_hex_int and text[0] != "'" and any(c in text for c in ".eEpP"):
            return n.float64
        if n.is_int:
            return gv.Int(n.int64)
        if n.is_uint:
            raise self.error(f"{text} overflows int")
        return None  # pragma: no cover

    def eval_field_node(self, dot: Any, field: FieldNode, args: list[Node], final: Any) -> Any:
        self.node = field
        return self.eval_field_chain(dot, dot, field, field.ident, args, final)

    def eval_chain_node(
        self, dot: Any, chain: ChainNode, args: list[Node] | None, final: Any
    ) -> Any:
        self.node = chain
        if isinstance(chain.node, NilNode):
            raise self.error(f"indirection through explicit nil in {chain}")
        pipe = self.eval_arg(dot, ANY, chain.node)
        return self.eval_field_chain(dot, pipe, chain, chain.field, args, final)

    def eval_variable_node(
        self, dot: Any, var: VariableNode, args: list[Node] | None, final: Any
    ) -> Any:
        self.node = var
        value = self.var_value(var.ident[0])
        if len(var.ident) == 1:
            if args is not None:
                self._not_a_function(args, final)
            return value
        return self.eval_field_chain(dot, value, var, var.ident[1:], args, final)

    def eval_field_chain(
        self,
        dot: Any,
        receiver: Any,
        node: Node,
        ident: list[str],
        args: list[Node] | None,
        final: Any,
    ) -> Any:
        n = len(ident)
        iface = False
        for i in range(n - 1):
            receiver = self.eval_field(dot, ident[i], node, None, MISSING, receiver, iface)
            iface = True
        return self.eval_field(dot, ident[n - 1], node, args, final, receiver, iface)

    def eval_field(
        self,
        dot: Any,
        name: str,
        node: Node,
        args: list[Node] | None,
        final: Any,
        receiver: Any,
        iface: bool,
    ) -> Any:
        if type(receiver) is dict:  # the common case, without the ABC checks below
            if (args is not None and len(args) > 1) or final is not MISSING:
                raise self.error(f"{name} is not a method but has arguments")
            result = receiver.get(name)
            return NIL_IFACE if result is None else result
        if receiver is None:
            return None
        if receiver is NIL_IFACE:
            raise self.error(f"nil pointer evaluating interface {{}}.{name}")
        if isinstance(receiver, gv.GoStruct | gv.VersionSet):
            method = receiver.methods.get(name)
            if method is not None:
                spec = Func(name, lambda _st, *a: method(*a), (ANY,) * _arity(method))
                return self.eval_call(dot, spec, node, args, final)
        has_args = (args is not None and len(args) > 1) or final is not MISSING
        if isinstance(receiver, Mapping):
            if has_args:
                raise self.error(f"{name} is not a method but has arguments")
            result = receiver.get(name, MISSING)
            if result is MISSING or result is None:
                return "" if type(receiver) is gv.StrMap else NIL_IFACE
            return result
        if isinstance(receiver, gv.GoStruct) and name in receiver.fields:
            if has_args:
                raise self.error(f"{name} has arguments but cannot be invoked as function")
            v = receiver.fields[name]
            return NIL_IFACE if v is None else v
        typ = "interface {}" if iface else gv.type_name(receiver, self.fl)
        raise self.error(f"can't evaluate field {name} in type {typ}")

    def eval_function(
        self, dot: Any, node: IdentifierNode, cmd: Node, args: list[Node] | None, final: Any
    ) -> Any:
        self.node = node
        name = node.ident
        fn = self.env.funcs.get(name)
        if fn is None:
            raise self.error(f"{go_quote(name)} is not a defined function")
        if fn.unsupported:
            raise self.error(fn.unsupported)
        return self.eval_call(dot, fn, cmd, args, final)

    def eval_call(self, dot: Any, fn: Func, node: Node, args: list[Node] | None, final: Any) -> Any:
        name = fn.name
        args = args[1:] if args is not None else []
        num_in = len(args) + (final is not MISSING)
        params = fn.params
        if fn.variadic is not None:
            num_fixed = len(params)
            if num_in < num_fixed:
                raise self.error(
                    f"wrong number of args for {name}: want at least {num_fixed} got {len(args)}"
                )
        else:
            num_fixed = len(args)
            if num_in != len(params):
                raise self.error(
                    f"wrong number of args for {name}: want {len(params)} got {num_in}"
                )
        if fn.builtin and name in ("and", "or"):
            want = name == "or"
            v: Any = None
            for a in args:
                v = self.eval_arg(dot, VAL, a)
                if (v is not NIL_IFACE and gv.truth(v)) == want:
                    return v
            if final is not MISSING:
                v = self.validate_type(final, VAL)
            return v
        argv: list[Any] = []
        i = 0
        while i < num_fixed and i < len(args):
            argv.append(self.eval_arg(dot, params[i], args[i]))
            i += 1
        if fn.variadic is not None:
            vt = fn.variadic
            while i < len(args):
                argv.append(self.eval_arg(dot, vt, args[i]))
                i += 1
        if final is not MISSING:
            if fn.variadic is None:
                t = params[-1]
            elif num_in - 1 < num_fixed:
                t = params[num_in - 1]
            else:
                t = fn.variadic
            argv.append(self.validate_type(final, t))
        try:
            assert fn.fn is not None
            result = fn.fn(self, *argv)
        except FuncError as e:
            self.node = node
            raise self.error(
                f"error calling {name}: {e}",
                cause=getattr(e, "cause", None),
                fail_message=str(e) if getattr(e, "fail", False) else None,
                go_error=True,
            ) from None
        except TemplateError as e:
            # include: the named template failed.
            self.node = node
            raise self.error(f"error calling {name}: {e}", cause=e) from None
        except RecursionError:
            self.node = node
            raise self.error(
                f"error calling {name}: templates nest too deeply (recursive include?)"
            ) from None
        return result

    def validate_type(self, value: Any, typ: str) -> Any:
        if value is None:
            if typ in (ANY, VAL, MAP):
                return None
            raise self.error(f"invalid value; expected {TYPE_NAMES[typ]}")
        if value is NIL_IFACE:
            if typ is VAL:
                return value
            if typ is ANY:
                return None
            raise self.error(
                f"wrong type for value; expected {TYPE_NAMES[typ]}; got interface {{}}"
            )
        if typ is ANY or typ is VAL:
            return value
        vt = type(value)
        ok = False
        if typ is STR:
            ok = vt is str
        elif typ is INT:
            ok = vt is gv.Int
        elif typ is BOOL:
            ok = vt is bool
        elif typ is FLOAT:
            ok = vt is float or (vt is int and self.fl)
        elif typ is INT64:
            ok = vt is gv.Int64 or (vt is int and not self.fl)
        elif typ is MAP:
            ok = vt is dict or (isinstance(value, Mapping) and vt is not gv.StrMap)
        if not ok:
            raise self.error(
                f"wrong type for value; expected {TYPE_NAMES[typ]}; "
                f"got {gv.type_name(value, self.fl)}"
            )
        return value

    def eval_arg(self, dot: Any, typ: str, n: Node) -> Any:
        self.node = n
        t = type(n)
        if t is FieldNode:
            return self.validate_type(self.eval_field_node(dot, n, [n], MISSING), typ)  # type: ignore[arg-type]
        if t is DotNode:
            return self.validate_type(dot, typ)
        if t is VariableNode:
            return self.validate_type(self.eval_variable_node(dot, n, None, MISSING), typ)  # type: ignore[arg-type]
        if t is PipeNode:
            return self.validate_type(self.eval_pipeline(dot, n), typ)  # type: ignore[arg-type]
        if t is IdentifierNode:
            return self.validate_type(
                self.eval_function(dot, n, n, None, MISSING),  # type: ignore[arg-type]
                typ,
            )
        if t is ChainNode:
            return self.validate_type(self.eval_chain_node(dot, n, None, MISSING), typ)  # type: ignore[arg-type]
        if t is NilNode:
            if typ in (ANY, VAL, MAP):
                return None
            raise self.error(f"cannot assign nil to {TYPE_NAMES[typ]}")
        if typ is ANY or typ is VAL:
            if t is StringNode:
                return n.text  # type: ignore[attr-defined]
            if t is NumberNode:
                return self.ideal_constant(n)  # type: ignore[arg-type]
            if t is BoolNode:
                return n.true  # type: ignore[attr-defined]
        elif typ is STR:
            if t is StringNode:
                return n.text  # type: ignore[attr-defined]
            raise self.error(f"expected string; found {n}")
        elif typ is INT or typ is INT64:
            if t is NumberNode and n.is_int:  # type: ignore[attr-defined]
                return (gv.Int if typ is INT else gv.Int64)(n.int64)  # type: ignore[attr-defined]
            raise self.error(f"expected integer; found {n}")
        elif typ is FLOAT:
            if t is NumberNode and n.is_float:  # type: ignore[attr-defined]
                return n.float64  # type: ignore[attr-defined]
            raise self.error(f"expected float; found {n}")
        elif typ is BOOL:
            if t is BoolNode:
                return n.true  # type: ignore[attr-defined]
            raise self.error(f"expected bool; found {n}")
        raise self.error(f"can't handle {n} for arg of type {TYPE_NAMES[typ]}")


def _arity(fn: Callable[..., Any]) -> int:
    code = getattr(fn, "__code__", None)
    return code.co_argcount if code is not None else 0


def execute(env: Env, ns: Namespace, tree: Tree, name: str, data: Any) -> str:
    """Run one template; returns its raw output (``<no value>`` still in it)."""
    st = State(env, ns, name, data)
    if tree.root is None:
        raise st.error(f"{go_quote(name)} is an incomplete or empty template")
    try:
        st.walk(data, tree.root)
    except RecursionError:
        raise st.error("templates nest too deeply (a template includes itself?)") from None
    return "".join(st.out)
