"""Real helm as the oracle for ``--chart-version`` validation, and values to ask it about.

Shared by the ``helm`` tests (the packaged charts in ``../shared/reference/charts``) and by
the developers' differential runs over every upstream release. For one values file and one
release it compares:

- the keys helm's schema validation refuses (the paths in its error message) with the
  errors of :func:`modelservice.values.chart_checks.check`: the two sets must be equal;
- for each key we warn about as "not read": helm's rendering with the key removed must be
  byte-identical to the rendering with it (the key really has no effect).

:func:`mutations` derives values worth asking about from a valid file: unknown keys, typos,
wrong types, keys of other releases, enum and required violations, nulls, floats.
"""

from __future__ import annotations

import copy
import itertools
import random
import re
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from modelservice.charts.keys import Key, keys
from modelservice.charts.versions import ChartVersion
from modelservice.values.chart_checks import check
from modelservice.values.layering import load_values
from modelservice.values.locate import split_path

PathKey = tuple[str | int, ...]

_SCHEMA_FAILED = "values don't meet the specifications of the schema"
_AT = re.compile(r"^(\s*)- at '([^']*)': (.*)$")
_QUOTED = re.compile(r"'((?:[^']|'')*)'")


class HelmVerdict(NamedTuple):
    refused: frozenset[PathKey] | None
    """The keys helm's schema validation refused; None when it passed."""
    output: str | None
    """The rendered manifests, when helm rendered."""
    error: str | None
    """helm's message when it failed (schema or template)."""


def _pointer(text: str) -> PathKey:
    parts: list[str | int] = []
    for raw in text.split("/")[1:]:
        part = raw.replace("~1", "/").replace("~0", "~")
        parts.append(int(part) if part.isdigit() else part)
    return tuple(parts)


def refused_paths(message: str) -> frozenset[PathKey]:
    """The keys named by helm's schema error message (the innermost errors of each tree)."""
    lines = [m for m in (_AT.match(line) for line in message.splitlines()) if m]
    found: set[PathKey] = set()
    for i, match in enumerate(lines):
        indent, pointer, text = match.groups()
        deeper = i + 1 < len(lines) and len(lines[i + 1].group(1)) > len(indent)
        if deeper:
            continue  # a wrapper ("validation failed", "'anyOf' failed"): its children tell
        where = _pointer(pointer)
        if text.startswith(("additional properties", "missing propert")):
            for name in _QUOTED.findall(text):
                found.add((*where, name))
        else:
            found.add(where)
    return frozenset(found)


def helm_template(helm: Path, chart: Path, values_file: Path) -> HelmVerdict:
    proc = subprocess.run(
        [str(helm), "template", "r", str(chart), "-f", str(values_file)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if proc.returncode == 0:
        return HelmVerdict(None, proc.stdout, None)
    if _SCHEMA_FAILED in proc.stderr:
        return HelmVerdict(refused_paths(proc.stderr), None, proc.stderr)
    return HelmVerdict(None, None, proc.stderr)


class Ours(NamedTuple):
    refused: frozenset[PathKey]
    unread: tuple[PathKey, ...]
    messages: tuple[str, ...]


def ours(values_file: Path, chart: ChartVersion) -> Ours:
    values = load_values(files=[values_file], chart_version=chart.version)
    found = check(values, chart)
    return Ours(
        frozenset(tuple(split_path(p.path)) for p in found.errors),
        tuple(tuple(split_path(p.path)) for p in found.warnings),
        tuple(str(p) for p in [*found.errors, *found.warnings]),
    )


def without(doc: dict[str, Any], paths: tuple[PathKey, ...]) -> dict[str, Any]:
    """``doc`` with the keys at ``paths`` removed."""
    out = copy.deepcopy(doc)
    for path in paths:
        node: Any = out
        for part in path[:-1]:
            node = node[part]
        del node[path[-1]]
    return out


class Disagreement(NamedTuple):
    case: str
    chart: str
    kind: str
    detail: str


class Comparison(NamedTuple):
    helm: HelmVerdict
    ours: Ours | None
    disagreements: list[Disagreement]


def compare(
    helm: Path, chart_dir: Path, chart: ChartVersion, case: str, doc: dict[str, Any], tmp: Path
) -> Comparison:
    """Helm's verdict on ``doc`` at ``chart``, ours, and where they differ."""
    values_file = tmp / f"{re.sub(r'[^A-Za-z0-9_.-]', '_', case)}.yaml"
    values_file.write_text(yaml.safe_dump(doc, sort_keys=False))
    verdict = helm_template(helm, chart_dir, values_file)
    try:
        mine = ours(values_file, chart)
    except Exception as exc:  # the loader refusing what helm took is a disagreement too
        return Comparison(verdict, None, [Disagreement(case, chart.version, "crash", repr(exc))])
    out: list[Disagreement] = []
    helm_refused = verdict.refused or frozenset()
    if helm_refused != mine.refused:
        out.append(
            Disagreement(
                case,
                chart.version,
                "schema",
                f"helm refused {sorted(map(str, helm_refused))}, we refused "
                f"{sorted(map(str, mine.refused))}; ours: {list(mine.messages)}",
            )
        )
    if verdict.output is not None and mine.unread:
        quiet = tmp / f"{values_file.stem}-quiet.yaml"
        quiet.write_text(yaml.safe_dump(without(doc, mine.unread), sort_keys=False))
        again = helm_template(helm, chart_dir, quiet)
        if again.output != verdict.output:
            out.append(
                Disagreement(
                    case,
                    chart.version,
                    "unread",
                    f"removing {[str(p) for p in mine.unread]} changed helm's output",
                )
            )
    return Comparison(verdict, mine, out)


# --------------------------------------------------------------------------- mutations


def _maps(doc: Any, path: PathKey = ()) -> Iterator[tuple[PathKey, dict[str, Any]]]:
    if isinstance(doc, dict):
        yield path, doc
        for k, v in doc.items():
            yield from _maps(v, (*path, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            yield from _maps(v, (*path, i))


def _leaves(doc: Any, path: PathKey = ()) -> Iterator[tuple[PathKey, Any]]:
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from _leaves(v, (*path, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            yield from _leaves(v, (*path, i))
    else:
        yield path, doc


def _set(doc: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    """A copy of ``doc`` with ``value`` at a table path (``[]`` the first item, ``*`` any
    key), creating what is missing on the way."""
    out = copy.deepcopy(doc)
    node: Any = out
    for part, nxt in itertools.pairwise(path):
        fresh: Any = [] if nxt == "[]" else {}
        if part == "[]":
            if not isinstance(node, list):
                return out
            if not node or not isinstance(node[0], type(fresh)):
                node[:1] = [fresh]
            node = node[0]
        else:
            key = "x" if part == "*" else part
            if not isinstance(node, dict):
                return out
            if not isinstance(node.get(key), type(fresh)):
                node[key] = fresh
            node = node[key]
    last = path[-1]
    if last == "[]" and isinstance(node, list):
        node[:1] = [value]
    elif isinstance(node, dict):
        node["x" if last == "*" else last] = value
    return out


def _other_type(value: Any) -> Any:
    if isinstance(value, bool):
        return "yes please"
    if isinstance(value, int | float):
        return "two"
    if isinstance(value, str):
        return 7
    if isinstance(value, list):
        return "a-list"
    if isinstance(value, dict):
        return ["a", "map"]
    return "x"


def _valid(node: Key) -> Any:
    spec = node.spec
    kind = spec.types[0] if spec and spec.types else "string"
    if spec and spec.enum:
        return spec.enum[0]
    if kind == "map":
        return {
            name: _valid(node.children[name])
            for name in (spec.required if spec else ())
            if name in node.children
        }
    return {"list": [], "string": "s", "integer": 3, "number": 1.5, "boolean": True}.get(kind)


def _declared(node: Key, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Key]]:
    for name, child in node.children.items():
        if child.spec is not None:
            yield (*path, name), child
            yield from _declared(child, (*path, name))


def _all_paths(node: Key, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for name, child in node.children.items():
        yield (*path, name)
        yield from _all_paths(child, (*path, name))


def mutations(
    doc: dict[str, Any],
    chart: ChartVersion,
    others: list[ChartVersion],
    *,
    seed: int = 0,
    n: int = 6,
) -> Iterator[tuple[str, dict[str, Any]]]:
    """Values derived from ``doc`` (valid at ``chart``), up to ``n`` of each kind; ``others``
    are releases whose keys to try at ``chart``."""
    rnd = random.Random(f"{seed}-{chart.version}")

    def pick(items: list[Any]) -> list[Any]:
        return rnd.sample(items, min(n, len(items)))

    maps = list(_maps(doc))
    for path, _ in pick(maps):
        yield f"unknown@{path}", _set_at(doc, path, "zzUnknown", 1)
    keyed = [(p, k) for p, m in maps for k in m]
    for path, key in pick(keyed):
        yield f"typo@{(*path, key)}", _rename(doc, (*path, key), key + "s")
    leaves = list(_leaves(doc))
    for path, value in pick(leaves):
        yield f"type@{path}", _set_at(doc, path[:-1], path[-1], _other_type(value))
    for path, _value in pick(leaves):
        if path and isinstance(path[-1], str):
            yield f"null@{path}", _set_at(doc, path[:-1], path[-1], None)
    ints = [(p, v) for p, v in leaves if isinstance(v, int) and not isinstance(v, bool)]
    for path, value in pick(ints):
        yield f"float@{path}", _set_at(doc, path[:-1], path[-1], float(value))
        yield f"fraction@{path}", _set_at(doc, path[:-1], path[-1], value + 0.5)
    root = keys(chart)
    declared = list(_declared(root))
    for path, node in pick(declared):
        yield f"valid@{path}", _set(doc, path, _valid(node))
    for path, node in pick(declared):
        spec = node.spec
        if spec is not None and spec.types:
            yield f"wrong@{path}", _set(doc, path, _other_type(_valid(node)))
    for path, node in declared:
        spec = node.spec
        if spec is not None and spec.enum:
            yield f"enum@{path}", _set(doc, path, spec.enum[0] + "x")
        if spec is not None and spec.required and path[-1] == "[]":
            yield f"required@{path}", _set(doc, path, {})
    mine = set(_all_paths(root))
    foreign = sorted({p for other in others for p in _all_paths(keys(other))} - mine)
    for path in pick(foreign):
        yield f"foreign@{path}", _set(doc, path, "x" if path[-1] != "[]" else {})


def _set_at(doc: dict[str, Any], where: PathKey, key: str | int, value: Any) -> dict[str, Any]:
    out = copy.deepcopy(doc)
    node: Any = out
    for part in where:
        node = node[part]
    node[key] = value
    return out


def _rename(doc: dict[str, Any], path: PathKey, new: str) -> dict[str, Any]:
    out = copy.deepcopy(doc)
    node: Any = out
    for part in path[:-1]:
        node = node[part]
    node[new] = node.pop(path[-1])
    return out


def scratch() -> tempfile.TemporaryDirectory[str]:
    return tempfile.TemporaryDirectory(prefix="chart-oracle-")
