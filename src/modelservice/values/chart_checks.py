"""Values checks for one upstream chart release (``--chart-version``).

Two questions, answered from the table in :mod:`modelservice.charts.keys`:

- Does helm accept these values at that release? From 0.2.8 on the chart ships a
  ``values.schema.json`` and helm refuses values that break it before rendering anything;
  we refuse exactly the same values (and nothing more), worded our way, located in the
  user's files. ``--skip-schema-validation`` turns this off, as it does in helm.
- Does the release use every key the user wrote? A key its templates never read is
  accepted by helm (by every release before 0.2.8, and below any map the schema leaves
  open) and silently does nothing: a warning, with "did you mean" and the releases that do
  know the key.

Both walk the values once, against the release's key tree; nothing is built per call.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

from modelservice._record import Record
from modelservice.charts.keys import JSON_TYPES, Key, Spec, has_schema, index, keys, spans
from modelservice.errors import Problem

TYPE_CHECKING = False  # typing's, without importing typing at run time (see _record)
if TYPE_CHECKING:
    from typing import Any

if TYPE_CHECKING:
    from modelservice.charts.versions import ChartVersion
    from modelservice.values.layering import Values


class ChartProblems(Record):
    """What :func:`check` found: errors refuse the values, warnings are printed."""

    errors: list[Problem]
    warnings: list[Problem]


# A place in the values, as a linked list built while walking and turned into text only for
# a problem: (parent, key, the key's name in the table: a name, "*" or "[]").
if TYPE_CHECKING:
    _Path = tuple[Any, str | int, str] | None


def check(values: Values, chart: ChartVersion, *, skip_schema: bool = False) -> ChartProblems:
    """Check ``values`` (laid over ``chart``'s defaults) as ``helm template`` at ``chart``
    would, plus warnings for keys the release does not read.

    Errors: what the release's schema refuses (none before 0.2.8, none with
    ``skip_schema``), checked on the merged values as helm checks them. Warnings: keys the
    user wrote that the release's templates never read. Every problem carries its key path
    and, where the values came from a file, its file and line.
    """
    if values.chart != chart:
        values = values.for_chart(chart)
    root = keys(chart)
    found: list[_Found] = []
    if not skip_schema and has_schema(chart):
        _validate(values.merged, root, None, found, values.user)
    refused = {f.where for f in found}
    unread: list[_Found] = []
    _walk_reads(values.user, root, None, unread)
    if unread:
        referenced = _template_references(values.user)
        unread = [
            f
            for f in unread
            if not _refused_above(f.where, refused) and not _referenced(f.where, referenced)
        ]
    errors = [f.problem(chart, values) for f in found]
    warnings = [f.problem(chart, values) for f in unread]
    return ChartProblems(errors, warnings)


class _Found(Record):
    """A problem found while walking, worded only once it is reported."""

    where: _Path
    kind: str
    """``type``, ``enum``, ``required``, ``unknown`` (a closed map refuses the key) or
    ``unread``."""
    node: Key
    """The key's node (``type``, ``enum``), or its map's (``required``, ``unknown``,
    ``unread``)."""
    value: Any = None

    def problem(self, chart: ChartVersion, values: Values) -> Problem:
        path = _text(self.where)
        message = _message(self, chart)
        if values.layers:
            source, line = values.locate(path)
            return Problem(path, message, source, line)
        return Problem(path, message)


# --------------------------------------------------------------------------- the schema


def _is(value: Any, kind: str) -> bool:
    """JSON Schema's types over values as YAML gives them (``1.0`` is an integer)."""
    if kind == "string":
        return isinstance(value, str)
    if kind == "map":
        return isinstance(value, dict)
    if kind == "list":
        return isinstance(value, list)
    if kind == "boolean":
        return isinstance(value, bool)
    if isinstance(value, bool):
        return False
    if kind == "integer":
        return isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    if kind == "number":
        return isinstance(value, int | float)
    return kind == "null" and value is None


_EXACT = {
    "string": (str,),
    "map": (dict,),
    "list": (list,),
    "boolean": (bool,),
    "integer": (int,),
    "number": (int, float),
    "null": (type(None),),
}
_exact: dict[tuple[str, ...], frozenset[type]] = {}


def _typed(value: Any, types: tuple[str, ...]) -> bool:
    """Whether ``value`` has one of ``types``: a set lookup on its exact Python type first
    (the common case, on every value of every render), :func:`_is` for the rest."""
    exact = _exact.get(types)
    if exact is None:
        exact = _exact[types] = frozenset(t for name in types for t in _EXACT[name])
    return type(value) in exact or any(_is(value, t) for t in types)


def _validate(value: Any, node: Key, where: _Path, out: list[_Found], mine: Any) -> None:
    """Everything the release's schema refuses in the merged ``value`` (``node.spec`` is
    set). ``mine`` is what the user wrote there: below a map only the keys the user wrote
    are visited, since the release's own defaults always pass its schema (a test holds every
    release to that), so checking costs what the user's values cost, not the chart's."""
    spec: Spec = node.spec  # type: ignore[assignment]
    if spec.types is not None and not _typed(value, spec.types):
        out.append(_Found(where, "type", node, value))
        return
    if spec.enum is not None and not any(value == e for e in spec.enum):
        out.append(_Found(where, "enum", node, value))
        return
    if isinstance(value, dict):
        children = node.children
        for name in spec.required:
            if name not in value:
                out.append(_Found((where, name, name), "required", node))
        star = children.get("*")
        if star is not None and star.spec is None:
            star = None
        for name, written in (mine if isinstance(mine, dict) else value).items():
            if name not in value:
                continue  # a null that deleted a default
            item = value[name]
            child = children.get(name) if isinstance(name, str) else None
            if child is not None and child.spec is not None:
                _validate(item, child, (where, name, name), out, written)
            elif star is not None:
                _validate(item, star, (where, name, "*"), out, written)
            elif spec.closed:
                out.append(_Found((where, name, str(name)), "unknown", node))
    elif isinstance(value, list):
        items = node.children.get("[]")
        if items is not None and items.spec is not None:
            for i, item in enumerate(value):  # a list is all the user's: it replaces
                _validate(item, items, (where, i, "[]"), out, item)


# --------------------------------------------------------------------------- the reads


def _walk_reads(value: Any, node: Key, where: _Path, out: list[_Found]) -> None:
    """Every key in the user's ``value`` that the release does not read (``node`` is read)."""
    if node.reads_all:
        return
    children = node.children
    if isinstance(value, dict):
        star = children.get("*")
        if star is not None and not star.read:
            star = None
        for name, item in value.items():
            if item is None:
                continue  # a null only deletes a default: it sets nothing
            child = children.get(name) if isinstance(name, str) else None
            if child is not None and child.read:
                _walk_reads(item, child, (where, name, name), out)
            elif star is not None:
                _walk_reads(item, star, (where, name, "*"), out)
            else:
                out.append(_Found((where, name, str(name)), "unread", node))
    elif isinstance(value, list):
        items = children.get("[]")
        if items is not None and items.read:
            for i, item in enumerate(value):
                _walk_reads(item, items, (where, i, "[]"), out)


def _refused_above(where: _Path, refused: set[_Path]) -> bool:
    """The schema already refused this key or a key above it: one message is enough."""
    while where is not None:
        if where in refused:
            return True
        where = where[0]
    return False


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _template_references(user: dict[str, Any]) -> list[tuple[str, ...]]:
    """The ``.Values.a.b`` paths that templates inside the values refer to: releases that
    evaluate values as templates read those keys through them."""
    import re

    found = []
    for text in _strings(user):
        if "{{" in text:
            for match in re.finditer(r"\.Values((?:\.[A-Za-z0-9_-]+)+)", text):
                found.append(tuple(match.group(1).split(".")[1:]))
    return found


def _referenced(where: _Path, referenced: list[tuple[str, ...]]) -> bool:
    if not referenced:
        return False
    names = tuple(str(key) for key in _keys(where) if not isinstance(key, int))
    return any(ref[: len(names)] == names or names[: len(ref)] == ref for ref in referenced)


# --------------------------------------------------------------------------- wording


def _keys(where: _Path) -> list[str | int]:
    out: list[str | int] = []
    while where is not None:
        where, key, _ = where
        out.append(key)
    return out[::-1]


def _table_path(where: _Path) -> tuple[str, ...]:
    out: list[str] = []
    while where is not None:
        where, _, name = where
        out.append(name)
    return tuple(out[::-1])


def _text(where: _Path) -> str:
    from modelservice.values.schema import join_path

    text = ""
    for key in _keys(where):
        text = join_path(text, key)
    return text


def _names(node: Key, *, declared: bool) -> list[str]:
    """The keys a map holds in this release: those its schema declares, or those read."""
    return sorted(
        name
        for name, child in node.children.items()
        if name not in ("*", "[]") and (child.spec is not None if declared else child.read)
    )


def _message(found: _Found, chart: ChartVersion) -> str:
    from modelservice.values.schema import _ARTICLE, _describe, suggest

    schema = f"chart {chart.version}'s values schema"
    spec: Spec = found.node.spec  # type: ignore[assignment]
    if found.kind == "type":
        wanted = " or ".join(_ARTICLE[JSON_TYPES[t]] for t in spec.types or ())
        return f"must be {wanted}, got {_describe(found.value)} ({schema})"
    if found.kind == "enum":
        allowed = spec.enum or ()
        value = found.value
        hint = suggest(value, list(allowed)) if isinstance(value, str) else None
        return (
            f"{_describe(value)} is not allowed; must be one of {', '.join(allowed)} ({schema})"
            + (f"; did you mean {hint!r}?" if hint else "")
        )
    if found.kind == "required":
        return f"required by {schema}"
    return _key_message(found.kind, _table_path(found.where), chart)


@lru_cache(maxsize=256)
def _key_message(kind: str, tpath: tuple[str, ...], chart: ChartVersion) -> str:
    """The message for a key a closed map refuses (``unknown``) or the release does not
    read (``unread``); kept, as the same values are often checked again (plan, sweep)."""
    from modelservice.values.schema import suggest

    node = keys(chart)
    for part in tpath[:-1]:
        node = node.children[part]
    name = tpath[-1]
    child = node.children.get(name)
    if kind == "unknown":
        if child is not None and child.read:
            return (
                f"not allowed by chart {chart.version}'s values schema, although its "
                "templates read it; helm refuses it (render it anyway with "
                "--skip-schema-validation)"
            )
        allowed_here = _names(node, declared=True)
        hint = suggest(name, allowed_here) if allowed_here else None
        message = f"unknown key for chart {chart.version}" + (
            f"; did you mean {hint!r}?" if hint else ""
        )
        message += (
            f" (allowed here: {', '.join(allowed_here)})"
            if allowed_here
            else f" (chart {chart.version}'s values schema allows no keys here)"
        )
    else:
        candidates = _names(node, declared=False)
        hint = suggest(name, candidates) if candidates else None
        message = f"is not read by chart {chart.version} and has no effect" + (
            f" (did you mean {hint!r}?)" if hint else ""
        )
    elsewhere = _elsewhere(tpath, chart)
    if elsewhere:
        message += f"; {elsewhere}; this render uses {chart.version} (--chart-version)"
    return message


def _elsewhere(tpath: tuple[str, ...], chart: ChartVersion) -> str | None:
    """Which other releases know the key: "added in chart 0.3.0", "removed in chart 0.3.0"."""
    from modelservice.charts.versions import RELEASES

    at = index(chart)
    runs = [(a, b) for a, b in spans(tpath) if not a <= at <= b]
    if not runs:
        return None
    first, last = runs[0][0], runs[-1][1]
    if len(runs) == 1 and first > at:
        if last == len(RELEASES) - 1:
            return f"added in chart {RELEASES[first].version}"
        return f"added in chart {RELEASES[first].version} (and kept until {RELEASES[last].version})"
    if len(runs) == 1 and last < at:
        return (
            f"removed in chart {RELEASES[last + 1].version} (read until {RELEASES[last].version})"
        )
    text = [
        RELEASES[a].version if a == b else f"{RELEASES[a].version}-{RELEASES[b].version}"
        for a, b in runs
    ]
    return f"known to charts {', '.join(text)}"
