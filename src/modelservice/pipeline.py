"""The rendering pipeline every entry point shares: values → validated model → objects.

The public facade (``_api.py``), the cluster layer, the operator and the planners all call
this module, so that there is one way to turn values into a release's objects.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from modelservice.errors import Problem, ValuesError
from modelservice.values.checks import Validated, validate
from modelservice.values.layering import Values, from_user
from modelservice.values.model import ModelService
from modelservice.values.yamlfile import check_size

__all__ = ["Rendered", "as_values", "render", "render_release", "validate_values"]


class Rendered(NamedTuple):
    """A rendered release: its objects in install order, and the warnings of validation."""

    objects: list[dict[str, Any]]
    warnings: tuple[Problem, ...]
    model: ModelService
    sources: list[str]
    """Beside each object, the chart template file that renders it
    (``templates/epp-service.yaml``), as Helm's ``# Source:`` comments name them."""


def as_values(values: Values | Mapping[str, Any] | None) -> Values:
    if values is None:
        return from_user({})
    if isinstance(values, Values):
        return values
    if not isinstance(values, Mapping):
        raise ValuesError(Problem("", f"values must be a mapping, got {type(values).__name__}"))
    user = dict(values)
    check_size(user, "<api values>")  # bounded depth and size, as for values files
    return from_user(user)


def validate_values(
    values: Values | Mapping[str, Any] | None = None, *, release: str, namespace: str = "default"
) -> Validated:
    """Check values (from :func:`load_values`, or a plain dict of user values laid over the
    defaults) and return the release's typed model and the warnings.

    Raises :class:`ValuesError` listing every problem.
    """
    return validate(as_values(values), release, namespace)


def render_release(
    values: Values | Mapping[str, Any] | None = None, *, release: str, namespace: str = "default"
) -> Rendered:
    """Validate and render; the objects plus the warnings a CLI would print."""
    from modelservice.renderer.manifest import render_sources

    checked = validate(as_values(values), release, namespace)
    objects, sources = render_sources(checked.model)
    _check_extra_objects(objects, len(checked.model.extra_objects), namespace)
    return Rendered(objects, checked.warnings, checked.model, sources)


def _check_extra_objects(objects: list[dict[str, Any]], n_extra: int, namespace: str) -> None:
    """An extra object may not stand in for one the release renders itself."""
    from modelservice.renderer.manifest import identity

    if not n_extra:
        return
    own = {identity(o, namespace) for o in objects[: len(objects) - n_extra]}
    seen: set[tuple[str, str, str, str]] = set()
    problems = []
    for i, obj in enumerate(objects[len(objects) - n_extra :]):
        ident = identity(obj, namespace)
        if ident in own:
            problems.append(
                Problem(
                    f"extraObjects[{i}]",
                    f"{ident[1]} {ident[3]!r} is already "
                    "rendered by the release; give it another name",
                )
            )
        elif ident in seen:
            problems.append(
                Problem(
                    f"extraObjects[{i}]",
                    f"duplicate of an earlier extra object ({ident[1]} {ident[3]!r})",
                )
            )
        seen.add(ident)
    if problems:
        raise ValuesError(problems)


def render(
    values: Values | Mapping[str, Any] | None = None, *, release: str, namespace: str = "default"
) -> list[dict[str, Any]]:
    """The Kubernetes objects of one release, in install order, as plain dicts.

    ``values`` is what :func:`load_values` returns, or a mapping of user values (laid over
    the built-in defaults like a values file). Pure: no I/O, no cluster.

    >>> objs = render({"routing": {"modelName": "m"}}, release="demo")
    >>> [o["kind"] for o in objs][:2]
    ['ServiceAccount', 'ServiceAccount']
    """
    return render_release(values, release=release, namespace=namespace).objects
