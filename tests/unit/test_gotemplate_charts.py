"""The gotemplate engine renders whole upstream charts exactly as ``helm template`` does.

For every ``../shared/conformance/versions`` case whose chart is packaged in
``../shared/reference/charts``, the chart's own templates (and bitnami common's) are
executed by the engine with Helm's root context, split into manifests the way Helm
splits them, and compared, text for text, with the real Helm output in the case.
"""

from __future__ import annotations

import functools
import re
import tarfile
from pathlib import Path
from typing import Any

import pytest

from modelservice import gotemplate as gt
from modelservice.gotemplate._values import Int
from modelservice.values.layering import coalesce

from .helpers import SHARED

CHARTS = SHARED / "reference" / "charts"
VERSIONS = SHARED / "conformance" / "versions"


def _packaged() -> dict[str, Path]:
    out = {}
    for p in CHARTS.glob("llm-d-modelservice-v*.tgz"):
        out[p.name.removeprefix("llm-d-modelservice-v").removesuffix(".tgz")] = p
    return out


def _cases() -> list[str]:
    packaged = _packaged()
    cases = []
    for d in sorted(VERSIONS.iterdir()) if VERSIONS.is_dir() else []:
        version = d.name[1:].split("-", 1)[0]
        if version in packaged:
            cases.append(d.name)
    return cases


@functools.cache
def chart_files(version: str) -> dict[str, str]:
    """The chart's files by Helm's template name (``llm-d-modelservice/templates/x``)."""
    out: dict[str, str] = {}
    with tarfile.open(_packaged()[version]) as tar:
        for m in tar.getmembers():
            f = tar.extractfile(m) if m.isfile() else None
            if f is not None:
                out[m.name] = f.read().decode()
    return out


def _template_names(files: dict[str, str]) -> list[str]:
    """Helm's template names: the chart's and its subcharts' ``templates/`` files, in the
    order Helm parses them (deepest path first, then reverse lexical)."""
    names = [n for n in files if "templates" in n.split("/")]
    return sorted(names, key=lambda n: (n.count("/"), n), reverse=True)


@functools.cache
def templates(version: str) -> gt.Templates:
    files = chart_files(version)
    t = gt.Templates()
    for name in _template_names(files):
        t.add(files[name], name)
    return t


def chart_metadata(text: str) -> dict[str, Any]:
    meta = gt.from_yaml(text)
    fields = {
        "name": "Name",
        "version": "Version",
        "appVersion": "AppVersion",
        "apiVersion": "APIVersion",
        "description": "Description",
        "type": "Type",
        "annotations": "Annotations",
        "kubeVersion": "KubeVersion",
        "home": "Home",
        "icon": "Icon",
    }
    out: dict[str, Any] = {go: meta.get(key, "") for key, go in fields.items()}
    out["Annotations"] = meta.get("annotations")
    out["IsRoot"] = True
    return out


def split_manifests(text: str) -> list[str]:
    """Helm's SplitManifests: split on ``---`` lines, trim, drop empty documents."""
    docs = re.split(r"(?:^|\s*\n)---\s*", text.strip())
    return [d.strip() for d in docs if d.strip()]


def render_chart(case_dir: Path) -> list[tuple[str, str]]:
    case = gt.from_yaml((case_dir / "case.yaml").read_text())
    version = str(case["chartVersion"])
    files = chart_files(version)
    defaults = gt.from_yaml(files["llm-d-modelservice/values.yaml"]) or {}
    user = gt.from_yaml((case_dir / "values.yaml").read_text()) or {}
    t = templates(version)
    root: dict[str, Any] = {
        "Values": coalesce(defaults, user),
        "Release": {
            "Name": case["release"],
            "Namespace": case["namespace"],
            "IsUpgrade": False,
            "IsInstall": True,
            "Revision": Int(1),
            "Service": "Helm",
        },
        "Chart": chart_metadata(files["llm-d-modelservice/Chart.yaml"]),
        "Capabilities": gt.capabilities("v1.35.0", ["v1", "apps/v1", "batch/v1"]),
    }
    out = []
    # Helm renders in its parse order, every file with the same root map: a template
    # that changes it (``merge . (dict ...)``, ``set``) changes it for the files after.
    for name in _template_names(files):
        base = name.rsplit("/", 1)[-1]
        if not name.startswith("llm-d-modelservice/templates/") or base.startswith("_"):
            continue
        if not base.endswith((".yaml", ".yml", ".tpl", ".txt")) or base == "NOTES.txt":
            continue
        root["Template"] = {"Name": name, "BasePath": "llm-d-modelservice/templates"}
        for doc in split_manifests(t.execute(name, root)):
            out.append((name, doc))
    return out


def helm_manifests(expected: str) -> list[tuple[str, str]]:
    out = []
    for part in re.split(r"^---\n", expected, flags=re.M):
        if not part.strip():
            continue
        m = re.match(r"# Source: (\S+)\n", part)
        assert m, part[:80]
        out.append((m.group(1), part[m.end() :].rstrip("\n")))
    return out


CASES = _cases()


def test_cases_exist() -> None:
    # Four packaged chart versions have conformance renderings: 30 cases.
    assert len(CASES) >= 20


@pytest.mark.parametrize("case", CASES)
def test_chart_renders_as_helm_does(case: str) -> None:
    d = VERSIONS / case
    ours = sorted(render_chart(d))
    theirs = sorted(helm_manifests((d / "expected.yaml").read_text()))
    assert [s for s, _ in ours] == [s for s, _ in theirs]
    for (src, doc), (_, want) in zip(ours, theirs, strict=True):
        assert doc == want, src
