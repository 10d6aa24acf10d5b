"""Presets: partial values documents for common set-ups, layered before the user's files.

A preset is a YAML file ``NAME.yaml``. Its leading comment block documents it: the first
line is the one-line description, the rest (up to the first blank comment-free line) the
longer comment. Built-in presets ship in this package; a user's preset directories
(``--preset-dir``, ``$MODELSERVICE_PRESET_DIR``) are searched first, so a user preset with
a built-in's name wins.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence

from modelservice._record import Record
from modelservice.errors import Problem, ValuesError

TYPE_CHECKING = False  # typing's, without importing typing at run time (see _record)
if TYPE_CHECKING:
    from typing import Any

    from modelservice.values.layering import Layer

__all__ = [
    "BUILTIN_DIR",
    "ENV_VAR",
    "Preset",
    "env_preset_dirs",
    "find_preset",
    "list_presets",
    "load_preset",
    "preset_layers",
]

#: Where the built-in presets live.
BUILTIN_DIR = os.path.dirname(os.path.abspath(__file__))
#: Environment variable naming extra preset directories (``os.pathsep`` separated).
ENV_VAR = "MODELSERVICE_PRESET_DIR"
_SUFFIXES = (".yaml", ".yml")


class Preset(Record):
    """One preset: its name, its documentation and where it lives."""

    name: str
    description: str
    """The one-line description (the first comment line)."""
    comment: str
    """The longer comment (the rest of the leading comment block)."""
    path: str
    builtin: bool

    def text(self) -> str:
        """The preset file, comments included."""
        with open(self.path, encoding="utf-8") as f:
            return f.read()

    def values(self) -> dict[str, Any]:
        """The preset's values (a partial values document)."""
        return load_preset(self)[0]


def env_preset_dirs() -> list[str]:
    """The directories named by ``$MODELSERVICE_PRESET_DIR``."""
    raw = os.environ.get(ENV_VAR, "")
    return [d for d in raw.split(os.pathsep) if d]


def _header(path: str) -> tuple[str, str]:
    """The one-line description and the longer comment of a preset file."""
    lines: list[str] = []
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                stripped = line.strip()
                if not stripped.startswith("#"):
                    break
                lines.append(stripped[1:].removeprefix(" ").rstrip())
    except OSError:
        return "", ""
    description = lines[0] if lines else ""
    rest = "\n".join(lines[1:]).strip("\n")
    return description, rest


def _scan(directory: str, builtin: bool) -> dict[str, Preset]:
    found: dict[str, Preset] = {}
    try:
        entries = sorted(os.listdir(directory))
    except OSError:
        return found
    for entry in entries:
        stem, ext = os.path.splitext(entry)
        if ext not in _SUFFIXES or stem.startswith((".", "_")) or stem in found:
            continue
        path = os.path.join(directory, entry)
        if not os.path.isfile(path):
            continue
        description, comment = _header(path)
        found[stem] = Preset(stem, description, comment, path, builtin)
    return found


def _check_dirs(dirs: Iterable[str | os.PathLike[str]]) -> list[str]:
    out = []
    for d in dirs:
        d = os.fspath(d)
        if not os.path.isdir(d):
            raise ValuesError(Problem("", f"preset directory {d!r} does not exist"))
        out.append(d)
    return out


def list_presets(dirs: Iterable[str | os.PathLike[str]] = ()) -> list[Preset]:
    """Every preset by name: built-ins, overridden by the user's directories (earlier
    directories win over later ones)."""
    table = _scan(BUILTIN_DIR, True)
    for d in reversed(_check_dirs(dirs)):
        table.update(_scan(d, False))
    return [table[name] for name in sorted(table)]


def find_preset(name: str, dirs: Iterable[str | os.PathLike[str]] = ()) -> Preset:
    """The preset called ``name``; a :class:`ValuesError` with the known names if none is."""
    known = {p.name: p for p in list_presets(dirs)}
    if name in known:
        return known[name]
    from modelservice.values.schema import suggest

    hint = suggest(name, sorted(known))
    raise ValuesError(
        Problem(
            "",
            f"unknown preset {name!r}"
            + (f" (did you mean {hint!r}?)" if hint else "")
            + f"; known presets: {', '.join(sorted(known))}",
            f"--preset {name}",
        )
    )


def load_preset(preset: Preset) -> tuple[dict[str, Any], str]:
    """A preset's values and text; bad YAML is a :class:`ValuesError` naming the preset."""
    from modelservice.values.yamlfile import load_yaml, read_bounded

    try:
        with open(preset.path, "rb") as f:
            data = read_bounded(f, preset.path)  # a user's preset dir is input too
    except OSError as exc:
        raise ValuesError(
            Problem("", f"cannot read preset {preset.name!r}: {exc.strerror}", preset.path)
        ) from None
    doc = load_yaml(data, f"preset {preset.name} ({preset.path})")
    return doc, data.decode("utf-8", "replace")


def preset_layers(
    names: Sequence[str], dirs: Iterable[str | os.PathLike[str]] = ()
) -> tuple[list[Layer], list[Problem]]:
    """The named presets as values layers (lowest first) for the values loader, and the
    problems of those that cannot be had (reported with the loader's own)."""
    from modelservice.values.layering import Layer

    try:
        found = resolve(names, dirs)
    except ValuesError as exc:
        return [], list(exc.problems)
    return [Layer(f"preset {p.name}", doc, text) for p, doc, text in found], []


def resolve(
    names: Sequence[str], dirs: Iterable[str | os.PathLike[str]] = ()
) -> list[tuple[Preset, dict[str, Any], str]]:
    """Each named preset with its values and text, in the order given; every unknown or
    broken preset is reported together."""
    if not names:
        return []
    dirs = _check_dirs(dirs)
    problems: list[Problem] = []
    out = []
    for name in names:
        try:
            preset = find_preset(name, dirs)
            doc, text = load_preset(preset)
        except ValuesError as exc:
            problems.extend(exc.problems)
            continue
        out.append((preset, doc, text))
    if problems:
        raise ValuesError(problems)
    return out
