"""Go's text/template, as Helm runs it, and Helm's ``toYaml``, in pure Python.

Charts from llm-d-modelservice 0.2.3 on evaluate Go templates found inside values
(``{{ .Release.Name }}``, ``{{ include "..." . }}``) with bitnami common's
``common.tplvalues.render``; this package evaluates them the way Helm v4 does, so that a
values file renders here exactly as ``helm template`` renders it. It is pure (no I/O)
and imports nothing beyond the standard library until a function needs it (``fromYaml``
uses PyYAML's parser).

Usage::

    from modelservice import gotemplate as gt

    gt.render("{{ .Release.Name }}-{{ .Values.port }}",
              {"Release": {"Name": "llama"}, "Values": {"port": 8000}})
    # 'llama-8000'

    helpers = gt.Templates()
    helpers.add(chart_helpers_text, "llm-d-modelservice/templates/_helpers.tpl")
    helpers.tpl_value({"name": "{{ include \\"llm-d-modelservice.fullname\\" . }}"}, ctx)
    # 'name: llama-llm-d-modelservice'      (common.tplvalues.render)

    gt.to_yaml({"port": "8000", "args": ["--x"]})     # 'args:\\n- --x\\nport: "8000"'

API:

- ``render(text, data, *, templates=None, funcs=None, ints="float64", name="gotpl")``
  (also under Helm's name, ``tpl``): parse ``text`` (cached), run it with ``data`` as
  ``.``, remove ``<no value>``.
- ``tpl_value(value, context, *, templates=None, ints="float64")``:
  ``common.tplvalues.render`` (common 2.27.0): strings are templates, other values are
  rendered as their ``toYaml``, each only if its JSON contains ``{{``.
- ``Templates``: a chart's named templates (``add(text, name)``), with ``render``,
  ``tpl_value`` and ``execute(name, data)``; ``include``/``template`` reach them.
- ``Template.parse(text, name)``: syntax check once; ``.execute(data, ...)``.
- ``to_yaml(value)``: Helm's ``toYaml``; ``from_yaml(text)``: Helm's ``fromYaml``.
- ``capabilities(kube_version, api_versions, helm_version)``: a ``.Capabilities``.
- ``TemplateError``: every failure; ``str(e)`` is Go's message
  (``template: NAME:LINE:COL: executing "NAME" at <EXPR>: ...``), ``e.helm_message()``
  Helm's, ``e.template``/``e.line``/``e.column``/``e.message`` its parts.

Numbers. Go tells ``int``, ``int64`` and ``float64`` apart and so do templates:
``{{ .Values.n }}`` prints ``1e+06`` for a float64 million, ``eq .Values.n 1`` fails
("incompatible types for comparison") when ``n`` is a float64, ``nindent .Values.n``
fails unless ``n`` is an ``int``. Helm reads values files, ``--set-json`` and
``fromYaml`` into float64 and ``--set`` integers into int64. Plain Python ints are
float64 by default (``ints="float64"``, what a values file gives) or int64
(``ints="int64"``); wrap single values in ``Int64(n)`` to mark them as coming from
``--set``. ``Int(n)`` is a Go ``int``. Python floats are float64.

Functions: Go's builtins, Helm's (``include``, ``tpl``, ``toYaml``, ``fromYaml``,
``toJson``, ``fromJson``, ``required``, ``fail``, ``lookup`` → empty map) and sprig's,
except those whose result is not reproducible (``now``, ``rand*``, ``uuidv4``, key and
certificate generators...) and a few others; a template calling one of those fails with
"the template uses `NAME`, which modelservice does not evaluate". ``keys`` and
``values`` return sorted results (Go's order is random; sorted is one of its orders).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._api import (
        HELM_TPL_NAME,
        Template,
        Templates,
        capabilities,
        render,
        tpl,
        tpl_value,
    )
    from ._errors import TemplateError
    from ._values import GoStruct, Int, Int64
    from ._yaml import from_yaml, to_yaml

__all__ = [
    "HELM_TPL_NAME",
    "GoStruct",
    "Int",
    "Int64",
    "Template",
    "TemplateError",
    "Templates",
    "capabilities",
    "from_yaml",
    "render",
    "to_yaml",
    "tpl",
    "tpl_value",
]

_WHERE = {
    "HELM_TPL_NAME": "_api",
    "Template": "_api",
    "Templates": "_api",
    "capabilities": "_api",
    "render": "_api",
    "tpl": "_api",
    "tpl_value": "_api",
    "TemplateError": "_errors",
    "GoStruct": "_values",
    "Int": "_values",
    "Int64": "_values",
    "from_yaml": "_yaml",
    "to_yaml": "_yaml",
}


def __getattr__(name: str) -> Any:
    """Import the engine on first use: a render without templates never pays for it."""
    mod = _WHERE.get(name)
    if mod is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f"{__name__}.{mod}"), name)
    globals()[name] = value
    return value
