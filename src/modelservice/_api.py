"""The public Python API; ``modelservice/__init__.py`` re-exports it.

A thin facade over :mod:`modelservice.pipeline` and the values loader: internal layers
import those, never this module. Conveniences that reach across layers (naming presets)
are resolved here, so that the values layer receives plain documents.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any

from modelservice.errors import Problem
from modelservice.pipeline import Rendered, render, render_release, validate_values
from modelservice.values.layering import Layer, Values
from modelservice.values.layering import load_values as _load_values

__all__ = ["Rendered", "load_values", "render", "render_release", "validate_values"]


def load_values(
    files: Iterable[str | os.PathLike[str]] = (),
    sets: Iterable[str] = (),
    *,
    set_strings: Iterable[str] = (),
    set_json: Iterable[str] = (),
    set_files: Iterable[str] = (),
    user_values: Iterable[dict[str, Any]] = (),
    read_file: Callable[[str], str] | None = None,
    presets: Iterable[str] = (),
    preset_dirs: Iterable[str | os.PathLike[str]] = (),
    chart_version: str | None = None,
) -> Values:
    """Layer values exactly as Helm does and return them, not yet validated.

    Order: defaults (the built-in ones, or ``chart_version``'s: ``0.4.9``, ``0.4``,
    ``latest``) ← ``presets`` by name, in order (looked up in ``preset_dirs`` first, then
    among the built-in ones) ← ``user_values`` dicts ← each file in order (``"-"`` is
    standard input) ← ``set_json`` ← ``sets`` ← ``set_strings`` ← ``set_files``. Every
    problem found while reading is reported together in one :class:`ValuesError`.
    """
    names = list(presets)
    layers: list[Layer] = []
    problems: list[Problem] = []
    if names:
        from modelservice.presets import preset_layers

        layers, problems = preset_layers(names, preset_dirs)
    return _load_values(
        files,
        sets,
        set_strings=set_strings,
        set_json=set_json,
        set_files=set_files,
        user_values=user_values,
        read_file=read_file,
        preset_layers=layers,
        problems=problems,
        chart_version=chart_version,
    )
