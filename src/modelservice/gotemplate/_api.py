"""The engine's entry points; see the package docstring for how to use them."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Literal

from . import _values as gv
from ._errors import TemplateError
from ._exec import ANY, Env, Func, Namespace, execute
from ._funcs import FUNCS, HELM_FUNCTION_NAMES
from ._parse import Tree, parse

Ints = Literal["float64", "int64"]

#: The name Helm gives the text of every ``tpl`` call (its root template's name).
HELM_TPL_NAME = "gotpl"


@functools.lru_cache(maxsize=4096)
def _parse_cached(name: str, text: str, extra: frozenset[str]) -> dict[str, Tree]:
    def has(fn: str) -> bool:
        return fn in HELM_FUNCTION_NAMES or fn in extra

    return parse(name, text, has)


def _float_ints(ints: str) -> bool:
    if ints == "float64":
        return True
    if ints == "int64":
        return False
    raise ValueError(f"ints must be 'float64' or 'int64', not {ints!r}")


def _func_table(
    funcs: Mapping[str, Callable[..., Any]] | None,
) -> tuple[dict[str, Func], frozenset[str]]:
    if not funcs:
        return FUNCS, frozenset()
    table = dict(FUNCS)
    for name, fn in funcs.items():
        table[name] = Func(name, lambda _st, *a, _fn=fn: _fn(*a), (), ANY)
    return table, frozenset(funcs)


class Templates:
    """A set of named templates sharing one namespace, as a chart's files do in Helm.

    ``add(text, name)`` parses a file: its ``define`` blocks become templates every
    render can ``include``, and the file itself becomes the template ``name``. As in Go,
    a later definition of a name replaces an earlier one, unless the later is empty.
    Helm parses a chart's files deepest path first, then in reverse lexical order; add
    them in that order to get Helm's winner when two files define the same name.
    """

    def __init__(self, *, funcs: Mapping[str, Callable[..., Any]] | None = None) -> None:
        self._funcs, self._extra = _func_table(funcs)
        self._ns = Namespace()

    def add(self, text: str, name: str) -> None:
        """Parse ``text`` (a chart file) as template ``name``; raises TemplateError."""
        self._ns.add(_parse_cached(name, text, self._extra))

    def names(self) -> list[str]:
        """The names of the templates defined so far."""
        return sorted(self._ns.trees)

    def has(self, name: str) -> bool:
        return self._ns.lookup(name) is not None

    def execute(self, name: str, data: Any, *, ints: Ints = "float64") -> str:
        """Run template ``name`` as Helm renders a file: ``<no value>`` becomes empty."""
        tree = self._ns.lookup(name)
        if tree is None:
            raise TemplateError(
                f'template: no template "{name}" associated with template "{HELM_TPL_NAME}"',
                template=name,
            )
        env = self._env(_float_ints(ints), HELM_TPL_NAME)
        return execute(env, self._ns, tree, name, data).replace("<no value>", "")

    def _env(self, float_ints: bool, root_name: str) -> Env:
        extra = self._extra

        def parse_in(name: str, text: str, ns: Namespace) -> dict[str, Tree]:
            return _parse_cached(name, text, extra)

        return Env(self._funcs, float_ints, parse_in, root_name)

    def render(
        self, text: str, data: Any, *, ints: Ints = "float64", name: str = HELM_TPL_NAME
    ) -> str:
        """Helm's ``tpl text data``: ``text`` is parsed as template ``name`` in a copy of
        this set (its own ``define`` blocks stay local), executed with ``data`` as dot,
        and ``<no value>`` is removed from the output."""
        fl = _float_ints(ints)
        if "{{" not in text:
            return text.replace("<no value>", "")
        trees = _parse_cached(name, text, self._extra)
        ns = self._ns.child()
        ns.add(trees)
        env = self._env(fl, name)
        return execute(env, ns, trees[name], name, data).replace("<no value>", "")

    def tpl_value(
        self, value: Any, context: Any, *, scope: Any = None, ints: Ints = "float64"
    ) -> str:
        """bitnami common's ``common.tplvalues.render`` of ``value`` in ``context``.

        A string is rendered as a template; any other value is rendered as its
        ``toYaml``; either only when its JSON contains ``{{``, else returned as is.
        With a ``scope`` (the template's ``"scope"`` key), the text runs with the scope
        as dot and ``$`` the context extended with ``RelativeScope``.
        """
        fl = _float_ints(ints)
        if type(value) is str:
            text = value
        else:
            from ._yaml import to_yaml

            text = to_yaml(value, float_ints=fl)
        if "{{" not in (value if type(value) is str else gv.to_json(value, fl)):
            return text
        if gv.truth(scope):
            # tpl (cat "{{- with $.RelativeScope -}}" $value "{{- end }}")
            #     (merge (dict "RelativeScope" .scope) .context)
            scoped = {"RelativeScope": scope}
            if isinstance(context, Mapping):
                scoped.update((k, v) for k, v in context.items() if k != "RelativeScope")
            text = "{{- with $.RelativeScope -}} " + text + " {{- end }}"
            return self.render(text, scoped, ints=ints)
        return self.render(text, context, ints=ints)


_EMPTY: Templates | None = None


def _default_set() -> Templates:
    global _EMPTY
    if _EMPTY is None:
        _EMPTY = Templates()
    return _EMPTY


def render(
    text: str,
    data: Any,
    *,
    templates: Templates | None = None,
    funcs: Mapping[str, Callable[..., Any]] | None = None,
    ints: Ints = "float64",
    name: str = HELM_TPL_NAME,
) -> str:
    """Render ``text`` with ``data`` as Helm's ``tpl`` would (see :meth:`Templates.render`).

    ``templates`` supplies the named templates ``include`` can reach (a chart's
    helpers); ``funcs`` adds functions of your own; ``ints`` types plain Python ints:
    ``"float64"`` as in values files (the default) or ``"int64"`` as from ``--set``.
    """
    if funcs:
        if templates is not None:
            raise ValueError("give funcs when building the Templates, not with templates=")
        templates = Templates(funcs=funcs)
    return (templates or _default_set()).render(text, data, ints=ints, name=name)


def tpl(
    text: str,
    data: Any,
    *,
    templates: Templates | None = None,
    funcs: Mapping[str, Callable[..., Any]] | None = None,
    ints: Ints = "float64",
    name: str = HELM_TPL_NAME,
) -> str:
    """:func:`render` under the name charts call it by (Helm's ``tpl``)."""
    return render(text, data, templates=templates, funcs=funcs, ints=ints, name=name)


def tpl_value(
    value: Any,
    context: Any,
    *,
    templates: Templates | None = None,
    scope: Any = None,
    ints: Ints = "float64",
) -> str:
    """``common.tplvalues.render`` (see :meth:`Templates.tpl_value`)."""
    return (templates or _default_set()).tpl_value(value, context, scope=scope, ints=ints)


class Template:
    """One parsed template text, checked once and executed many times."""

    __slots__ = ("name", "text")

    def __init__(self, text: str, name: str) -> None:
        self.text = text
        self.name = name

    @classmethod
    def parse(cls, text: str, name: str = HELM_TPL_NAME) -> Template:
        """Parse (and cache) ``text``; raises :class:`TemplateError` on a syntax error."""
        _parse_cached(name, text, frozenset())
        return cls(text, name)

    def execute(
        self, data: Any, *, templates: Templates | None = None, ints: Ints = "float64"
    ) -> str:
        return render(self.text, data, templates=templates, ints=ints, name=self.name)


def capabilities(
    kube_version: str = "v1.20.0",
    api_versions: Iterable[str] = ("v1",),
    helm_version: str = "v4.1.4",
) -> gv.GoStruct:
    """A ``.Capabilities`` value like Helm's (``KubeVersion``, ``APIVersions.Has``,
    ``HelmVersion``). ``helm template`` without ``--kube-version`` reports v1.20.0 with
    Helm 3's defaults; Helm 4's default follows its client-go version."""
    v = kube_version if kube_version.startswith("v") else "v" + kube_version
    core = v[1:].split("-")[0].split("+")[0]
    parts = [*core.split("."), "0", "0"][:2]
    kube = gv.GoStruct(
        "common.KubeVersion",
        {"Version": v, "Major": parts[0], "Minor": parts[1]},
        methods={"String": lambda: v, "GitVersion": lambda: v},
        string=v,
        pointer=False,
    )
    versions = gv.VersionSet(api_versions)
    helm = gv.GoStruct(
        "version.BuildInfo",
        {"Version": helm_version, "GitCommit": "", "GitTreeState": "", "GoVersion": ""},
    )
    return gv.GoStruct(
        "common.Capabilities",
        {"KubeVersion": kube, "APIVersions": versions, "HelmVersion": helm},
        pointer=True,
    )
