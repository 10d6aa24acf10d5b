"""Benchmark sweeps: one base values document, many treatments, each a complete release.

A treatment lays factor levels over the base values (after every base layer, so a factor
always wins). Factors come as ``KEY=V1,V2,...`` in Helm ``--set`` syntax (each level typed
as ``--set`` types it) and form a full factorial design; or a design lists the treatments
explicitly as ``{KEY: VALUE}`` maps (values typed by YAML). Every treatment is validated
and rendered; an invalid one is reported as a failure and the sweep goes on.

>>> result = sweep("bench", factors=["decode.replicas=1,2"])   # doctest: +SKIP
>>> [t.release for t in result.treatments]                      # doctest: +SKIP
['bench-1', 'bench-2']
"""

from __future__ import annotations

import copy
import itertools
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from modelservice.errors import ModelServiceError, Problem, ValuesError, os_reason
from modelservice.naming import dns1123_label
from modelservice.values.layering import Layer, Values, from_user, load_values

__all__ = [
    "Factor",
    "SweepFailure",
    "SweepResult",
    "Treatment",
    "load_design",
    "parse_factor",
    "release_name",
    "sweep",
]

MAX_RELEASE = 53
MAX_TREATMENTS = 10_000


class Factor(NamedTuple):
    """One factor: a key path and its levels (as typed values, and as written)."""

    key: str
    levels: tuple[Any, ...]
    texts: tuple[str, ...]


class Treatment(NamedTuple):
    """One rendered treatment."""

    id: int
    release: str
    levels: dict[str, Any]
    values: dict[str, Any]
    """The complete user values document of the treatment (base + levels)."""
    objects: list[dict[str, Any]]
    warnings: tuple[str, ...]
    accelerators: dict[str, int]
    """Accelerators needed in total, per resource name."""
    pods: int
    sources: tuple[str, ...]
    """The chart template of each object (see :attr:`modelservice.Rendered.sources`)."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "release": self.release,
            "levels": self.levels,
            "accelerators": self.accelerators,
            "pods": self.pods,
            "objects": len(self.objects),
            "warnings": list(self.warnings),
            "valid": True,
        }


class SweepFailure(NamedTuple):
    """A treatment that does not validate, with every problem found."""

    id: int
    release: str
    levels: dict[str, Any]
    problems: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "release": self.release,
            "levels": self.levels,
            "valid": False,
            "problems": list(self.problems),
        }


class SweepResult(NamedTuple):
    name: str
    treatments: tuple[Treatment, ...]
    failures: tuple[SweepFailure, ...]
    factors: tuple[Factor, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.failures

    def all(self) -> list[Treatment | SweepFailure]:
        """Treatments and failures, by id."""
        return sorted([*self.treatments, *self.failures], key=lambda t: t.id)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "factors": {f.key: list(f.levels) for f in self.factors},
            "treatments": [t.as_dict() for t in self.all()],
        }


# --------------------------------------------------------------------------- parsing


def _split_levels(text: str) -> list[str]:
    """Split ``V1,V2,...`` at commas outside ``{...}`` list literals; a backslash keeps
    the next character (so ``a\\,b`` is one level, written on as ``a\\,b``)."""
    levels: list[str] = []
    cur: list[str] = []
    depth = 0
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            cur.append(text[i : i + 2])
            i += 2
            continue
        if ch == "{":
            depth += 1
        elif ch == "}" and depth:
            depth -= 1
        elif ch == "," and depth == 0:
            levels.append("".join(cur))
            cur = []
            i += 1
            continue
        cur.append(ch)
        i += 1
    levels.append("".join(cur))
    return levels


def parse_factor(text: str) -> Factor:
    """``KEY=V1,V2,...`` → a :class:`Factor`; each level is converted as ``--set`` would
    (``2`` → int, ``true`` → bool, ``{a,b}`` → list, ``null`` removes the key)."""
    from modelservice.values import setparser

    source = f"--factor {text}"
    key, eq, rest = text.partition("=")
    if not eq or not key.strip():
        raise ValuesError(Problem("", "a factor is KEY=V1,V2,... (e.g. decode.replicas=1,2,4)",
                                  source))  # fmt: skip
    texts = _split_levels(rest)
    if any(t == "" for t in texts):
        raise ValuesError(Problem(key, "empty level (two commas, or a trailing comma)", source))
    if len(set(texts)) != len(texts):
        raise ValuesError(Problem(key, "a level is listed twice", source))
    setparser.parse_set(f"{key}=0", source=source)  # the key's syntax, once
    levels = [setparser.parse_set(f"level={t}", source=source)["level"] for t in texts]
    return Factor(key, tuple(levels), tuple(texts))


def load_design(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """A design file: a YAML list of ``{KEY: VALUE}`` maps, one per treatment."""
    import yaml

    where = os.fspath(path)
    try:
        with open(path, encoding="utf-8") as f:
            doc = yaml.safe_load(f)
    except FileNotFoundError:
        raise ValuesError(Problem("", "design file not found", where)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ValuesError(Problem("", f"design file: {os_reason(exc)}", where)) from None
    except yaml.YAMLError as exc:
        raise ValuesError(Problem("", f"not valid YAML: {exc}", where)) from None
    if not isinstance(doc, list) or not doc:
        raise ValuesError(
            Problem("", "a design is a non-empty YAML list of {KEY: VALUE} maps", where)
        )
    problems = [
        Problem(f"[{i}]", "each treatment must be a non-empty map of KEY: VALUE", where)
        for i, t in enumerate(doc)
        if not isinstance(t, dict) or not t or not all(isinstance(k, str) for k in t)
    ]
    if problems:
        raise ValuesError(problems)
    return doc


def release_name(name: str, index: int) -> str:
    """``NAME-<index>``: a DNS-1123 label of at most 53 characters (NAME shortened)."""
    suffix = f"-{index}"
    return name[: MAX_RELEASE - len(suffix)].rstrip("-") + suffix


def _check_name(name: str) -> None:
    if not name or len(name) > MAX_RELEASE or not dns1123_label(name):
        raise ValuesError(
            Problem(
                "",
                f"invalid sweep name {name!r}: lower-case letters, digits and '-', starting "
                "and ending with a letter or digit",
                "NAME argument",
            )
        )


# --------------------------------------------------------------------------- the sweep


def _apply(user: dict[str, Any], key: str, value: Any, source: str) -> dict[str, Any]:
    """Set one key path (Helm --set key syntax) to an already typed value."""
    from modelservice.values import setparser

    return setparser.parse_set_json(f"{key}={json.dumps(value)}", user, source=source)


def _treatment_levels(
    factors: Sequence[Factor], design: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [dict(t) for t in design]
    if factors:
        combos = itertools.product(*(f.levels for f in factors))
        full = [dict(zip((f.key for f in factors), combo, strict=True)) for combo in combos]
        # with a design too, every design row is crossed with the factorial
        out = [{**row, **c} for row in out for c in full] if out else full
    if len(out) > MAX_TREATMENTS:
        raise ValuesError(
            Problem("", f"{len(out)} treatments; a sweep may have at most {MAX_TREATMENTS}")
        )
    return out


def sweep(
    name: str,
    base: Values | Mapping[str, Any] | None = None,
    *,
    factors: Iterable[str | Factor] = (),
    design: Sequence[Mapping[str, Any]] | str | os.PathLike[str] | None = None,
    namespace: str = "default",
) -> SweepResult:
    """Build, validate and render every treatment of a sweep.

    ``base`` is what :func:`modelservice.load_values` returns (or a dict of user values);
    ``factors`` are ``KEY=V1,V2`` strings (or :class:`Factor` s) crossed in a full factorial
    design; ``design`` is a list of ``{KEY: VALUE}`` maps (or the path of a YAML file
    holding one). Treatment ``i`` (from 1) is released as ``NAME-i``. Invalid treatments are
    returned in ``failures``; errors in the sweep's own input raise :class:`ValuesError`.
    """
    from modelservice.pipeline import render_release
    from modelservice.planning.plan import plan_rendered

    _check_name(name)
    if base is None:
        base_values = load_values()
    elif isinstance(base, Values):
        base_values = base
    else:
        base_values = load_values(user_values=[dict(base)])
    problems: list[Problem] = []
    parsed: list[Factor] = []
    for f in factors:
        try:
            parsed.append(f if isinstance(f, Factor) else parse_factor(f))
        except ValuesError as exc:
            problems.extend(exc.problems)
    keys = [f.key for f in parsed]
    for k in {k for k in keys if keys.count(k) > 1}:
        problems.append(Problem(k, "the same factor is given twice", f"--factor {k}=..."))
    rows: Sequence[Mapping[str, Any]] = ()
    if isinstance(design, str | os.PathLike):
        try:
            rows = load_design(design)
        except ValuesError as exc:
            problems.extend(exc.problems)
    elif design is not None:
        rows = design
    if problems:
        raise ValuesError(problems)
    levels_list = _treatment_levels(parsed, rows)
    if not levels_list:
        raise ValuesError(Problem("", "a sweep needs at least one --factor or a --design"))
    treatments: list[Treatment] = []
    failures: list[SweepFailure] = []
    for index, levels in enumerate(levels_list, 1):
        rel = release_name(name, index)
        user = copy.deepcopy(base_values.user)
        layers = list(base_values.layers)
        try:
            for key, value in levels.items():
                source = f"treatment {index}: {key}={json.dumps(value)}"
                user = _apply(user, key, value, source)
                layers.append(Layer(source, _apply({}, key, value, source)))
            values = from_user(user, layers, chart=base_values.chart)
            rendered = render_release(values, release=rel, namespace=namespace)
        except ModelServiceError as exc:
            found = exc.problems if isinstance(exc, ValuesError) else [Problem("", str(exc))]
            failures.append(SweepFailure(index, rel, levels, tuple(str(p) for p in found)))
            continue
        p = plan_rendered(rendered, release=rel, namespace=namespace)
        treatments.append(
            Treatment(
                index,
                rel,
                levels,
                user,
                rendered.objects,
                tuple(str(w) for w in rendered.warnings),
                p.accelerators(),
                sum(r.pods for r in p.roles),
                rendered.sources,
            )
        )
    return SweepResult(name, tuple(treatments), tuple(failures), tuple(parsed))


def write_sweep(result: SweepResult, out: str | os.PathLike[str]) -> list[str]:
    """Write each treatment's values and manifests under ``out/<release>/``, and
    ``out/treatments.json``; returns the paths written."""
    from modelservice.output.yaml import dump, dump_all

    base = os.fspath(out)
    written = []
    try:
        os.makedirs(base, exist_ok=True)
        for t in result.treatments:
            d = os.path.join(base, t.release)
            os.makedirs(d, exist_ok=True)
            for fname, text in (
                ("values.yaml", dump(t.values)),
                ("manifests.yaml", dump_all(t.objects, t.sources)),
            ):
                path = os.path.join(d, fname)
                with open(path + ".tmp", "w", encoding="utf-8") as f:
                    f.write(text)
                os.replace(path + ".tmp", path)
                written.append(path)
        path = os.path.join(base, "treatments.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(result.as_dict(), f, indent=2, default=str)
            f.write("\n")
        written.append(path)
    except OSError as exc:
        raise ModelServiceError(f"cannot write to {base}: {exc.strerror or exc}") from None
    return written


def format_sweep(
    result: SweepResult,
    columns: Sequence[tuple[str, Mapping[int, str]]] = (),
    notes: Sequence[str] = (),
) -> str:
    """A summary table: one row per treatment; ``columns`` adds (header, text per
    treatment id) columns before STATUS and ``notes`` lines after the table."""
    keys = [f.key for f in result.factors] or sorted({k for t in result.all() for k in t.levels})
    header = ["ID", "RELEASE", *keys, "PODS", "ACCELERATORS", *(c for c, _ in columns), "STATUS"]
    rows = []
    for t in result.all():
        levels = [json.dumps(t.levels.get(k)) if k in t.levels else "-" for k in keys]
        extra = [texts.get(t.id, "-") for _, texts in columns]
        if isinstance(t, Treatment):
            acc = ", ".join(f"{v} {k}" for k, v in t.accelerators.items()) or "0"
            rows.append([str(t.id), t.release, *levels, str(t.pods), acc, *extra, "ok"])
        else:
            rows.append([str(t.id), t.release, *levels, "-", "-", *extra, "INVALID"])
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
             for r in [header, *rows]]  # fmt: skip
    lines += notes
    for f in result.failures:
        lines.append(f"treatment {f.id} ({f.release}) is invalid:")
        lines += [f"  - {p}" for p in f.problems]
    n, bad = len(result.treatments) + len(result.failures), len(result.failures)
    lines.append(f"{n} treatments, {n - bad} valid, {bad} invalid")
    return "\n".join(lines) + "\n"
