"""The rendering pipeline every entry point shares: values → validated model → objects.

The public facade (``_api.py``), the cluster layer, the operator and the planners all call
this module, so that there is one way to turn values into a release's objects.
"""

from __future__ import annotations

from collections.abc import Mapping

from modelservice._record import Record
from modelservice.errors import Problem, ValuesError, type_name
from modelservice.values.layering import Values, from_user
from modelservice.values.yamlfile import check_size

TYPE_CHECKING = False  # typing's, without importing typing at run time (see _record)
if TYPE_CHECKING:
    from typing import Any

if TYPE_CHECKING:
    from modelservice.charts.versions import ChartVersion
    from modelservice.values.checks import Validated
    from modelservice.values.model import ModelService

__all__ = ["Rendered", "as_values", "render", "render_release", "validate_values"]


class Rendered(Record):
    """A rendered release: its objects in install order, and the warnings of validation."""

    objects: list[dict[str, Any]]
    warnings: tuple[Problem, ...]
    model: ModelService | None
    """The typed model (default mode); None for an upstream chart version, which renders
    from the values as its templates do."""
    chart: ChartVersion | None = None
    """The upstream chart release rendered (``--chart-version``), or None."""
    sources: tuple[str, ...] = ()
    """Beside each object, the chart template file that renders it (``epp-service.yaml``):
    Helm's ``# Source:`` comments, ``--show-only`` and ``--output-dir`` name objects by it."""


def as_values(
    values: Values | Mapping[str, Any] | None, chart: ChartVersion | None = None
) -> Values:
    """Values from the loader or a plain mapping, laid over ``chart``'s defaults."""
    if values is None:
        return from_user({}, chart=chart)
    if isinstance(values, Values):
        return values.for_chart(chart)
    if not isinstance(values, Mapping):
        raise ValuesError(Problem("", f"values must be a mapping, got {type(values).__name__}"))
    user = dict(values)
    check_size(user, "<api values>")  # bounded depth and size, as for values files
    return from_user(user, chart=chart)


def resolve_chart(
    values: Values | Mapping[str, Any] | None, chart_version: str | None
) -> ChartVersion | None:
    """The upstream release to render: the one asked for (``default`` asks for the default
    mode), else the one the values were loaded for, else None (the default mode)."""
    if chart_version is not None:
        from modelservice.charts.versions import choose

        return choose(chart_version)
    return values.chart if isinstance(values, Values) else None


def validate_values(
    values: Values | Mapping[str, Any] | None = None, *, release: str, namespace: str = "default"
) -> Validated:
    """Check values (from :func:`load_values`, or a plain dict of user values laid over the
    defaults) and return the release's typed model and the warnings.

    Raises :class:`ValuesError` listing every problem.
    """
    from modelservice.values.checks import validate

    return validate(as_values(values), release, namespace)


def render_release(
    values: Values | Mapping[str, Any] | None = None,
    *,
    release: str,
    namespace: str = "default",
    chart_version: str | None = None,
    skip_schema_validation: bool = False,
) -> Rendered:
    """Validate and render; the objects plus the warnings a CLI would print.

    ``chart_version`` (``0.4.9``, ``0.4``, ``latest``) renders exactly as that upstream chart
    release does; ``skip_schema_validation`` then skips its schema's checks, as Helm's flag.
    """
    chart = resolve_chart(values, chart_version)
    if chart is not None:
        return _render_upstream(
            as_values(values, chart), release, namespace, skip_schema_validation
        )
    from modelservice.renderer.manifest import render_sources
    from modelservice.values.checks import validate

    checked = validate(as_values(values), release, namespace)
    objects, sources = render_sources(checked.model)
    _check_extra_objects(objects, len(checked.model.extra_objects), namespace)
    return Rendered(objects, checked.warnings, checked.model, None, tuple(sources))


def _render_upstream(values: Values, release: str, namespace: str, skip_schema: bool) -> Rendered:
    from modelservice.naming import check_release_name
    from modelservice.renderer.upstream import render as render_upstream
    from modelservice.values.chart_checks import check

    assert values.chart is not None
    found = check(values, values.chart, skip_schema=skip_schema)
    problems = check_release_name(release) + list(found.errors)
    if problems:
        raise ValuesError(problems)
    pairs = render_upstream(values.merged, release=release, namespace=namespace, chart=values.chart)
    return Rendered(
        objects=[obj for _, obj in pairs],
        warnings=tuple(found.warnings),
        model=None,
        chart=values.chart,
        sources=tuple(source for source, _ in pairs),
    )


def _check_extra_objects(objects: list[dict[str, Any]], n_extra: int, namespace: str) -> None:
    """An extra object may not stand in for one the release renders itself: the same
    object to the API server (:func:`modelservice.kinds.identity`, by group, not version)."""
    if not n_extra:
        return
    from modelservice.kinds import Identity, identity  # only now: it imports typing

    own = {identity(o, namespace) for o in objects[: len(objects) - n_extra]}
    seen: set[Identity] = set()
    problems = []
    for i, obj in enumerate(objects[len(objects) - n_extra :]):
        ident = identity(obj, namespace)
        meta = obj.get("metadata") or {}
        for key in ("labels", "annotations"):
            # Ownership marks are added to these maps when the object is applied.
            given = meta.get(key)
            if given is not None and (
                not isinstance(given, dict) or not all(isinstance(v, str) for v in given.values())
            ):
                problems.append(
                    Problem(
                        f"extraObjects[{i}].metadata.{key}",
                        f"must be a mapping of strings to strings, got {type_name(given)}"
                        + (f" {given!r}" if isinstance(given, str) else ""),
                    )
                )
        if ident in own:
            problems.append(
                Problem(
                    f"extraObjects[{i}]",
                    f"{ident.kind} {ident.name!r} is already "
                    "rendered by the release; give it another name",
                )
            )
        elif ident in seen:
            problems.append(
                Problem(
                    f"extraObjects[{i}]",
                    f"duplicate of an earlier extra object ({ident.kind} {ident.name!r})",
                )
            )
        seen.add(ident)
    if problems:
        raise ValuesError(problems)


def render(
    values: Values | Mapping[str, Any] | None = None,
    *,
    release: str,
    namespace: str = "default",
    chart_version: str | None = None,
) -> list[dict[str, Any]]:
    """The Kubernetes objects of one release, in install order, as plain dicts.

    ``values`` is what :func:`load_values` returns, or a mapping of user values (laid over
    the built-in defaults like a values file). ``chart_version`` renders as that upstream
    chart release does. Pure: no I/O, no cluster.

    >>> objs = render({"routing": {"modelName": "m"}}, release="demo")
    >>> [o["kind"] for o in objs][:2]
    ['ServiceAccount', 'ServiceAccount']
    """
    return render_release(
        values, release=release, namespace=namespace, chart_version=chart_version
    ).objects
