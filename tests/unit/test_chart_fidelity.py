"""Chart behaviours checked against the real chart: `helm template` of the 0.0.9 package
and our rendering of the same values, for the cases issue 11 found wrong."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

import modelservice
from tests.unit.helpers import SHARED

CHART = SHARED / "reference" / "charts" / "llm-d-modelservice-0.0.9.tgz"


def helm_template(helm: Path, sets: list[str]) -> list[dict[str, Any]]:
    cmd = [str(helm), "template", "rel", str(CHART), "-n", "default"]
    for s in sets:
        cmd += ["--set", s]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=120).stdout
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
