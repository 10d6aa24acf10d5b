"""Helm's values layering: user sources merged in order, then coalesced onto the defaults.

The two steps differ on purpose, as in Helm: while user sources are merged with each other a
``null`` is kept as a marker; when the result meets the defaults that marker deletes the
default key. Lists are never merged element-wise in either step.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache

from modelservice._record import Record
from modelservice.datatree import LEAVES, copy_tree, freeze, thaw
from modelservice.errors import Problem, ValuesError, os_reason
from modelservice.values.yamlfile import check_size, load_yaml, read_bounded

TYPE_CHECKING = False  # typing's, without importing typing at run time (see _record)
if TYPE_CHECKING:
    from typing import Any

    from modelservice.charts.versions import ChartVersion

#: The chart's values.yaml, shipped in the package (read directly: importlib.resources and
#: pathlib would add milliseconds to every CLI start).
DEFAULTS_FILE = os.path.join(os.path.dirname(__file__), "defaults.yaml")


def merge_user(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    """Merge ``top`` over ``base`` like Helm merges several ``-f`` files.

    Maps merge key by key; anything else (lists, scalars, ``None``) in ``top`` replaces.
    Neither input is modified.
    """
    out = dict(base)
    for key, value in top.items():
        if isinstance(value, dict):
            below = out.get(key)
            if isinstance(below, dict):
                out[key] = merge_user(below, value)
                continue
        out[key] = value
    return out


def coalesce(defaults: dict[str, Any], user: dict[str, Any]) -> dict[str, Any]:
    """Lay the user's values over the defaults; a user ``None`` deletes the key.

    The result shares no mutable structure with ``defaults`` (which is cached process-wide),
    and holds no ``None`` map values: after coalescing a null only ever means "absent".
    """
    return _overlay(copy_tree(defaults), user)


def _overlay(out: dict[str, Any], user: dict[str, Any]) -> dict[str, Any]:
    """:func:`coalesce` onto ``out``, a copy of the defaults that this call may edit: keys
    keep the defaults' order, and the user's own keys follow in theirs."""
    for key, uval in user.items():
        if uval is None:
            out.pop(key, None)
            continue
        below = out.get(key)
        if isinstance(uval, dict) and isinstance(below, dict):
            _overlay(below, uval)
        else:
            out[key] = strip_nulls(uval)
    return out


def coalesce_helm(defaults: dict[str, Any], user: dict[str, Any]) -> dict[str, Any]:
    """Helm's own coalescing, exactly, for rendering an upstream chart version.

    It differs from :func:`coalesce` where templates can tell: a default that is null stays
    (as a key with no value, which ``hasKey`` sees), and a user null for a key the defaults
    lack stays too; a user null deletes only a default. A map never replaces a scalar or the
    reverse: Helm keeps the user's value and warns.
    """
    out = copy_tree(user)
    _coalesce_into(out, defaults)
    return out


def _coalesce_into(dst: dict[str, Any], src: dict[str, Any]) -> None:
    for key, sval in src.items():
        if key in dst:
            dval = dst[key]
            if dval is None:
                del dst[key]
            elif isinstance(dval, dict) and isinstance(sval, dict):
                _coalesce_into(dval, sval)
        else:
            dst[key] = copy_tree(sval)


def strip_nulls(value: Any) -> Any:
    """Drop ``None`` values from mappings, at any depth (list items are kept as they are);
    a copy, sharing only the immutable leaves."""
    kind = type(value)
    if kind is dict:
        return {
            k: v if type(v) in LEAVES else strip_nulls(v) for k, v in value.items() if v is not None
        }
    if kind is list:
        return [v if type(v) in LEAVES else strip_nulls(v) for v in value]
    if isinstance(value, dict):
        return {k: strip_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [strip_nulls(v) for v in value]
    return value


@lru_cache(maxsize=1)
def _frozen_defaults() -> bytes:
    frozen = freeze(_defaults())
    assert frozen is not None, "the built-in defaults are a plain tree"
    return frozen


@lru_cache(maxsize=1)
def _defaults() -> dict[str, Any]:
    with open(DEFAULTS_FILE, "rb") as f:
        data = f.read()
    return load_yaml(data, "<built-in defaults>")


def default_at(path: str) -> Any:
    """The built-in default at a dotted key path (``routing.servicePort``), or None."""
    node: Any = _defaults()
    for part in path.split("."):
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return node


def default_values() -> dict[str, Any]:
    """The built-in defaults (the chart's ``values.yaml``), as a fresh copy."""
    return copy_tree(_defaults())


def default_values_text() -> str:
    """The built-in defaults file, comments included."""
    with open(DEFAULTS_FILE, encoding="utf-8") as f:
        return f.read()


class Layer(Record):
    """One user source, kept so that errors can say where a value came from."""

    source: str
    """``values.yaml``, ``<stdin>``, ``--set decode.replicas=2``, ..."""
    values: dict[str, Any]
    text: str | None = None
    """The file's text, for finding line numbers on the error path."""


class Values(Record):
    """The values of one release: what the user gave, and the result over the defaults."""

    merged: dict[str, Any]
    user: dict[str, Any]
    layers: tuple[Layer, ...] = ()
    chart: ChartVersion | None = None
    """The upstream chart release whose defaults ``merged`` holds (``--chart-version``);
    None for the default mode (the seed's chart with this tool's fixes and additions)."""

    def for_chart(self, chart: ChartVersion | None) -> Values:
        """The same user values laid over another release's defaults."""
        if chart == self.chart:
            return self
        return from_user(self.user, self.layers, chart=chart)

    def locate(self, path: str) -> tuple[str | None, int | None]:
        """Which user source last set ``path`` (and the line, for files); error path only."""
        from modelservice.values.locate import locate

        return locate(self.layers, path)


def from_user(
    user: dict[str, Any], layers: Sequence[Layer] = (), *, chart: ChartVersion | None = None
) -> Values:
    """Coalesce already-merged user values onto the defaults (of ``chart``, when given)."""
    if not isinstance(user, dict):
        raise ValuesError(Problem("", f"values must be a mapping, got {type(user).__name__}"))
    if chart is None:
        merged = _overlay(thaw(_frozen_defaults()), user)
        return Values(merged=merged, user=user, layers=tuple(layers))
    from modelservice.charts.defaults import shared_defaults

    merged = coalesce_helm(shared_defaults(chart), user)
    return Values(merged=merged, user=user, layers=tuple(layers), chart=chart)


def _read_file(path: str, stdin_used: list[bool]) -> tuple[str, bytes]:
    if path == "-":
        if stdin_used[0]:
            raise ValuesError(Problem("", "standard input ('-') can be read only once", "-f -"))
        stdin_used[0] = True
        return "<stdin>", read_bounded(sys.stdin.buffer, "<stdin>")
    return path, _read_path(path, path)


def _read_path(path: str, source: str, what: str = "values file") -> bytes:
    """A file's bytes, at most the input limit (pipes and devices included)."""
    try:
        with open(path, "rb") as f:
            return read_bounded(f, source)
    except OSError as exc:  # the file is the problem's source: "values file not found (x)"
        raise ValuesError(Problem("", f"{what} {os_reason(exc)}", source)) from None


def load_values(
    files: Iterable[str | os.PathLike[str]] = (),
    sets: Iterable[str] = (),
    *,
    set_strings: Iterable[str] = (),
    set_json: Iterable[str] = (),
    set_files: Iterable[str] = (),
    user_values: Iterable[dict[str, Any]] = (),
    read_file: Callable[[str], str] | None = None,
    preset_layers: Iterable[Layer] = (),
    chart_version: str | None = None,
    problems: Iterable[Problem] = (),
) -> Values:
    """Layer values exactly as Helm does and return them, not yet validated.

    Order: defaults ← ``preset_layers`` (presets the caller resolved, in order) ←
    ``user_values`` dicts (for API callers) ← each
    file in order (``"-"`` is standard input) ← ``set_json`` ← ``sets`` ← ``set_strings``
    ← ``set_files``. Every problem found while reading (unreadable files, bad YAML, bad
    ``--set`` syntax) is reported together in one :class:`ValuesError`.

    ``chart_version`` (``0.4.9``, ``0.4``, ``latest``) lays the values over that upstream
    release's defaults instead of the built-in ones (``default``: the built-in ones).
    ``problems`` are ones the caller found already (presets it could not resolve), reported
    with the loader's own.
    """
    problems = list(problems)
    chart = None
    if chart_version is not None:
        from modelservice.charts.versions import choose

        try:
            chart = choose(chart_version)
        except ValuesError as exc:
            problems.extend(exc.problems)
    layers: list[Layer] = []
    user: dict[str, Any] = {}
    for layer in preset_layers:
        user = merge_user(user, layer.values)
        layers.append(layer)
    for extra in user_values:
        check_size(extra, "<api values>")
        user = merge_user(user, extra)
        layers.append(Layer("<api values>", extra))
    stdin_used = [False]
    for f in files:
        try:
            name, data = _read_file(str(f), stdin_used)
            doc = load_yaml(data, name)
        except ValuesError as exc:
            problems.extend(exc.problems)
            continue
        user = merge_user(user, doc)
        layers.append(Layer(name, doc, data.decode("utf-8", "replace")))
    set_json, sets, set_strings, set_files = (
        list(set_json),
        list(sets),
        list(set_strings),
        list(set_files),
    )
    if set_json or sets or set_strings or set_files:
        user = _apply_flags(
            user, layers, problems, set_json, sets, set_strings, set_files, read_file
        )
    if problems:
        raise ValuesError(problems)
    return from_user(user, layers, chart=chart)


def _apply_flags(
    user: dict[str, Any],
    layers: list[Layer],
    problems: list[Problem],
    set_json: list[str],
    sets: list[str],
    set_strings: list[str],
    set_files: list[str],
    read_file: Callable[[str], str] | None,
) -> dict[str, Any]:
    """Parse the ``--set*`` flags into (a copy of) ``user``, in Helm's order; each flag
    becomes a layer, and each bad flag a problem."""
    from modelservice.values import setparser

    def reader(path: str) -> str:
        if read_file is not None:
            return read_file(path)
        data = _read_path(path, f"--set-file {path}", "file")
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ValuesError(
                Problem("", f"not valid UTF-8 (byte {exc.start})", f"--set-file {path}")
            ) from None

    def no_read(path: str) -> str:
        return ""

    # (flag, expressions, parser, parser that records which keys a flag set without side
    # effects: --set-file must read each file once only)
    flag_parsers: list[
        tuple[str, Iterable[str], Callable[..., dict[str, Any]], Callable[..., dict[str, Any]]]
    ] = [
        ("--set-json", set_json, setparser.parse_set_json, setparser.parse_set_json),
        ("--set", sets, setparser.parse_set, setparser.parse_set),
        ("--set-string", set_strings, setparser.parse_set_string, setparser.parse_set_string),
        (
            "--set-file",
            set_files,
            lambda e, into, source: setparser.parse_set_file(e, reader, into, source=source),
            lambda e, into, source: setparser.parse_set_file(e, no_read, into, source=source),
        ),
    ]
    copied = False
    for flag, exprs, parse, parse_keys in flag_parsers:
        for expr in exprs:
            if not copied:  # parsing edits in place: never touch the caller's or a file's dicts
                user, copied = copy_tree(user), True
            source = f"{flag} {expr}"
            try:
                # Helm parses every --set into the already-merged user map, so an index like
                # list[0] edits a list that a -f file gave (but never the defaults' list).
                user = parse(expr, user, source=source)
                single = parse_keys(expr, None, source=source)
            except ValuesError as exc:
                problems.extend(exc.problems)
                continue
            layers.append(Layer(source, single))
    if copied and not problems:  # --set can build what no YAML file refuses: deep nesting
        check_size(user, "--set flags")
    return user
