"""Chart behaviours checked against the real chart: `helm template` of the 0.0.9 package
and our rendering of the same values, where the two once differed."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

import modelservice
from tests.unit.helpers import CASES_DIR, SHARED, run_cli

CHART = SHARED / "reference" / "charts" / "llm-d-modelservice-0.0.9.tgz"


def helm_template(helm: Path, sets: list[str]) -> list[dict[str, Any]]:
    out = helm_run(helm, [arg for s in sets for arg in ("--set", s)])
    return [d for d in yaml.safe_load_all(out) if d]


def _named(objs: list[dict[str, Any]], kind: str) -> list[str]:
    return sorted(o["metadata"]["name"] for o in objs if o["kind"] == kind)


@pytest.mark.parametrize(
    "sets",
    [
        ["decode.create=false", "prefill.create=false"],
        ["decode.create=false"],
        ["prefill.create=false"],
        [],
    ],
    ids=["neither-created", "prefill-only", "decode-only", "both"],
)
def test_pods_service_account_as_the_chart_renders_it(helm: Path, sets: list[str]) -> None:
    """Issue 11, bug 3: the chart renders the pods' ServiceAccount whenever decode or
    prefill is present, created or not; so a later create: true never changes its history."""
    theirs = helm_template(helm, sets)
    ours = modelservice.render(modelservice.load_values(sets=sets), release="rel")
    assert _named(ours, "ServiceAccount") == _named(theirs, "ServiceAccount")
    assert "rel-llm-d-modelservice" in _named(ours, "ServiceAccount")


def _sources(text: str) -> list[tuple[str, str, str]]:
    """(# Source path, kind, name) of each document of a `template` output."""
    out = []
    for doc in text.split("\n---\n"):
        lines = doc.strip().removeprefix("---").strip().splitlines()
        if not lines or not lines[0].startswith("# Source: "):
            continue
        obj = yaml.safe_load("\n".join(lines[1:]))
        if obj:
            out.append((lines[0].removeprefix("# Source: "), obj["kind"], obj["metadata"]["name"]))
    return out


@pytest.mark.parametrize("case", ["chart-defaults", "example-facebook", "multinode-wide-ep"])
def test_source_comments_and_output_dir_as_helm_writes_them(
    helm: Path, tmp_path: Path, case: str, capsys: pytest.CaptureFixture[str]
) -> None:
    values = str(CASES_DIR / case / "values.yaml")
    theirs_dir, ours_dir = tmp_path / "helm", tmp_path / "ours"
    theirs = helm_run(helm, ["-f", values, "--output-dir", str(theirs_dir)])
    code, ours, err = run_cli(
        ["template", "rel", "-f", values, "--output-dir", str(ours_dir)], capsys
    )
    assert code == 0, err
    assert sorted(ours.replace(str(ours_dir), "DIR").split()) == sorted(
        theirs.replace(str(theirs_dir), "DIR").split()
    )
    for path in theirs_dir.rglob("*.yaml"):
        mine = ours_dir / path.relative_to(theirs_dir)
        assert sorted(_sources(mine.read_text())) == sorted(_sources(path.read_text()))
    code, printed, _ = run_cli(["template", "rel", "-f", values], capsys)
    assert sorted(_sources(printed)) == sorted(_sources(helm_run(helm, ["-f", values])))


def helm_run(helm: Path, args: list[str]) -> str:
    cmd = [str(helm), "template", "rel", str(CHART), *args]
    return subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=120).stdout
