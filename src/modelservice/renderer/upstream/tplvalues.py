"""Templates inside values (bitnami common's ``tplvalues.render``), from chart 0.2.3 on.

The chart passes some values (the model URI's name, container env, ports, extraConfig,
parentRefs, route matches, extraObjects) through ``tpl``: a value whose JSON holds ``{{``
is evaluated as a Go template with the chart's root context (``.Values``, ``.Release``,
``.Chart``); a map or list is first written as YAML, evaluated, and read back. Values
without ``{{`` pass through unchanged, which is what nearly every values file does, so the
template engine is imported only when a value needs it.
"""

from __future__ import annotations

from modelservice.datatree import copy_tree
from modelservice.errors import Problem

TYPE_CHECKING = False  # typing's, without importing typing at run time (see _record)
if TYPE_CHECKING:
    from typing import Any

if TYPE_CHECKING:
    from modelservice.renderer.upstream.context import Ctx


def _has_template(value: Any) -> bool:
    """Whether the value's JSON would hold ``{{`` (bitnami's test), without writing it."""
    if isinstance(value, str):
        return "{{" in value
    if isinstance(value, dict):
        return any((isinstance(k, str) and "{{" in k) or _has_template(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_has_template(v) for v in value)
    return False


def _evaluate(ctx: Ctx, text: str, path: str) -> str:
    from modelservice.renderer.upstream.context import ChartFailure

    try:
        from modelservice import gotemplate
    except ImportError:  # pragma: no cover - the engine ships with the package
        raise ChartFailure(
            Problem(path, "holds a template ({{ ... }}), which this build cannot evaluate")
        ) from None
    try:
        return gotemplate.render(text, ctx.chart_context)
    except gotemplate.TemplateError as exc:
        raise ChartFailure(Problem(path, f"template error: {exc.helm_message()}")) from None


def tpl_text(ctx: Ctx, value: Any, path: str) -> str:
    """A string value as the chart prints it (templates evaluated)."""
    from modelservice.renderer.upstream.gosem import go_str

    text = value if isinstance(value, str) else go_str(value)
    if "{{" not in text:
        return text
    return _evaluate(ctx, text, path)


def tpl_data(ctx: Ctx, value: Any, path: str) -> Any:
    """A map or list value as the chart writes it into YAML (templates evaluated)."""
    if not _has_template(value):
        return copy_tree(value)
    from modelservice import gotemplate
    from modelservice.renderer.upstream.context import ChartFailure
    from modelservice.renderer.upstream.yamltext import parse_document

    text = value if isinstance(value, str) else gotemplate.to_yaml(value)
    rendered = _evaluate(ctx, text, path)
    try:
        return parse_document(rendered)
    except Exception as exc:
        raise ChartFailure(
            Problem(path, f"after its templates are evaluated, this is not valid YAML: {exc}")
        ) from None
