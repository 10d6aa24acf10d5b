"""The catalogue of upstream chart releases, how a user names one, and how a Helm release
record names the chart it was rendered from.

Users write ``0.4.9``, ``v0.4.9``, ``0.4`` (the newest 0.4.x) or ``latest``; where a release
is switched from one chart version to another, ``default`` names the default mode. A version
the catalogue does not hold is refused with the nearest ones, never guessed.

A release record carries the chart's metadata (name, version, appVersion, annotations), and
that is how a release remembers what it was rendered as, for Helm and for this tool alike.
An upstream release is recorded as Helm records it (``llm-d-modelservice`` ``v0.4.9``
``v0.4.0``), so that ``helm upgrade`` with that chart, ``helm history`` and ``helm rollback``
see nothing unusual. The default mode renders the seed's chart 0.0.9 *with this tool's fixes
and additions*, which is not what the upstream 0.0.9 renders: its records name the chart
``llm-d-modelservice`` ``0.0.9`` as well (for Helm it is that chart), and carry the
annotation ``llm-d.ai/modelservice-mode: default`` so that this tool can tell the two apart.
"""

from __future__ import annotations

from modelservice._record import Record
from modelservice.errors import Problem, ValuesError
from modelservice.naming import CHART_NAME

TYPE_CHECKING = False  # typing's, without importing typing at run time (see _record)
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

#: How users name the default mode where a chart version is asked for (``upgrade
#: --chart-version default`` moves a release rendered as an upstream release back to it).
DEFAULT_MODE = "default"

#: Chart-metadata annotation of the release records this tool writes in the default mode.
MODE_ANNOTATION = "llm-d.ai/modelservice-mode"

#: The upstream Chart.yaml's description, recorded as Helm records it.
_UPSTREAM_DESCRIPTION = "A Helm chart for ModelService in llm-d"


class ChartVersion(Record):
    """One upstream release of the chart."""

    version: str
    """The release as users name it, without a ``v``: ``0.4.9``."""
    chart_version: str
    """``Chart.yaml``'s ``version`` exactly (``v0.2.1`` from 0.2.1 on): it is what Helm
    records in a release and puts in the ``helm.sh/chart`` label."""
    app_version: str
    """``Chart.yaml``'s ``appVersion``: the ``app.kubernetes.io/version`` label."""

    @property
    def key(self) -> tuple[int, ...]:
        return parse(self.version)

    @property
    def label(self) -> str:
        """The ``helm.sh/chart`` label value."""
        return f"{CHART_NAME}-{self.chart_version}".replace("+", "_")[:63].rstrip("-")


def _releases() -> tuple[ChartVersion, ...]:
    out = []
    for minor, patches, app in (
        ("0.0", range(9, 20), "0.0.1"),
        ("0.0", (20,), "v0.2.0"),
        ("0.2", (0,), "v0.2.0"),
        ("0.2", (1, *range(3, 17)), "v0.2.0"),
        ("0.3", range(0, 8), "v0.2.0"),
        ("0.3", range(8, 19), "v0.3.0"),
        ("0.4", range(0, 5), "v0.3.0"),
        ("0.4", range(5, 13), "v0.4.0"),
    ):
        for patch in patches:
            version = f"{minor}.{patch}"
            # Chart.yaml carried a "v" from 0.2.1 on (0.2.0 was tagged both ways, without it).
            prefixed = minor != "0.0" and version != "0.2.0"
            out.append(ChartVersion(version, f"v{version}" if prefixed else version, app))
    return tuple(out)


#: Every upstream release this tool renders exactly, oldest first. (0.2.2 was never tagged.)
RELEASES: tuple[ChartVersion, ...] = _releases()
LATEST = RELEASES[-1]
OLDEST = RELEASES[0]
_BY_VERSION = {r.version: r for r in RELEASES}


def parse(text: str) -> tuple[int, ...]:
    """``"v0.4.9"`` → ``(0, 4, 9)``; raises ValueError when it is not a dotted number."""
    parts = text.strip().removeprefix("v").split(".")
    if not parts or not all(p.isdigit() for p in parts):
        raise ValueError(text)
    return tuple(int(p) for p in parts)


def resolve(text: str, *, source: str = "--chart-version") -> ChartVersion:
    """The release a user means by ``text`` (``0.4.9``, ``v0.4.9``, ``0.4``, ``latest``)."""
    wanted = text.strip()
    if wanted.lower() == "latest":
        return LATEST
    try:
        key = parse(wanted)
    except ValueError:
        raise ValuesError(
            Problem(
                "",
                f"chart version {text!r} is not a version: write X.Y.Z (e.g. "
                f"{LATEST.version}), X.Y for the newest X.Y.z, or 'latest'",
                source,
            )
        ) from None
    if len(key) == 2:
        line = [r for r in RELEASES if r.key[:2] == key]
        if line:
            return line[-1]
    elif len(key) == 3:
        found = _BY_VERSION.get(".".join(map(str, key)))
        if found is not None:
            return found
    return _unknown(text, key, source)


def _unknown(text: str, key: tuple[int, ...], source: str) -> ChartVersion:
    if key < OLDEST.key:
        message = (
            f"chart version {text!r} predates {OLDEST.version}, the oldest release this "
            f"tool renders (the seed's chart); use --chart-version {OLDEST.version} or later"
        )
    elif key > LATEST.key:
        message = (
            f"chart version {text!r} is newer than {LATEST.version}, the newest release "
            "this tool knows; upgrade modelservice, or pick a known version"
        )
    else:
        same_line = [r.version for r in RELEASES if r.key[:2] == key[:2]]
        known = (
            f"releases of {key[0]}.{key[1]}: {', '.join(same_line)}"
            if same_line
            else f"lines: {', '.join(sorted({'.'.join(map(str, r.key[:2])) for r in RELEASES}))}"
        )
        message = f"chart version {text!r} was never released upstream ({known})"
    raise ValuesError(Problem("", message, source))


def choose(text: str, *, source: str = "--chart-version") -> ChartVersion | None:
    """Like :func:`resolve`, and ``default`` names the default mode (None)."""
    if text.strip().lower() == DEFAULT_MODE:
        return None
    return resolve(text, source=source)


def describe(chart: ChartVersion | None) -> str:
    """How messages name a rendering: ``chart llm-d-modelservice v0.4.9`` or the default mode."""
    if chart is None:
        return "modelservice's default mode (chart 0.0.9 with this tool's fixes and additions)"
    return f"chart {CHART_NAME} {chart.chart_version}"


def record_metadata(chart: ChartVersion | None) -> dict[str, Any]:
    """The chart metadata a release record of ``chart`` (None: the default mode) carries:
    for an upstream release, what Helm records from its Chart.yaml; for the default mode,
    the seed's chart marked with :data:`MODE_ANNOTATION`."""
    if chart is None:
        from modelservice.values.model import APP_VERSION, CHART_VERSION

        return {
            "apiVersion": "v2",
            "name": CHART_NAME,
            "version": CHART_VERSION,
            "appVersion": APP_VERSION,
            "description": "llm-d ModelService, rendered by the modelservice tool in its "
            "default mode (chart 0.0.9 with the tool's fixes and additions)",
            "type": "application",
            "annotations": {MODE_ANNOTATION: DEFAULT_MODE},
        }
    return {
        "apiVersion": "v2",
        "name": CHART_NAME,
        "version": chart.chart_version,
        "appVersion": chart.app_version,
        "description": _UPSTREAM_DESCRIPTION,
        "type": "application",
    }


def is_default_mode(annotations: Mapping[str, Any]) -> bool:
    """Whether a record's chart annotations mark the default mode."""
    return annotations.get(MODE_ANNOTATION) == DEFAULT_MODE


def recorded(name: str, version: str, annotations: Mapping[str, Any]) -> ChartVersion | None:
    """The rendering a record's chart metadata names: an upstream release, or None for the
    default mode. Raises :class:`ValuesError` for a version this tool does not render, and
    ``LookupError`` for another chart."""
    if name != CHART_NAME:
        raise LookupError(name)
    if is_default_mode(annotations):
        return None
    return resolve(version, source="the release record")
