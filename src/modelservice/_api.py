"""The public Python API; ``modelservice/__init__.py`` re-exports it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from modelservice.errors import Problem, ValuesError
from modelservice.values.checks import Validated, validate
from modelservice.values.layering import Values, from_user, load_values
from modelservice.values.model import ModelService

__all__ = ["Rendered", "load_values", "render", "render_release", "validate_values"]


@dataclass(frozen=True)
class Rendered:
    """A rendered release: its objects in install order, and the warnings of validation."""

    objects: list[dict[str, Any]]
    warnings: tuple[Problem, ...]
    model: ModelService


def _as_values(values: Values | Mapping[str, Any] | None) -> Values:
    if values is None:
        return from_user({})
    if isinstance(values, Values):
        return values
    if not isinstance(values, Mapping):
        raise ValuesError(Problem("", f"values must be a mapping, got {type(values).__name__}"))
    return from_user(dict(values))


def validate_values(
    values: Values | Mapping[str, Any] | None = None, *, release: str, namespace: str = "default"
) -> Validated:
    """Check values (from :func:`load_values`, or a plain dict of user values laid over the
    defaults) and return the release's typed model and the warnings.

    Raises :class:`ValuesError` listing every problem.
    """
    return validate(_as_values(values), release, namespace)


def render_release(
    values: Values | Mapping[str, Any] | None = None, *, release: str, namespace: str = "default"
) -> Rendered:
    """Validate and render; the objects plus the warnings a CLI would print."""
    from modelservice.render.manifest import render_model

    checked = validate(_as_values(values), release, namespace)
    return Rendered(render_model(checked.model), checked.warnings, checked.model)


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
