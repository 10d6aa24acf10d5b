"""``--chart-version`` validation judged by real helm, on the packaged upstream charts.

For each packaged release, values helm renders (the conformance cases at that version),
values written for the seed, and mutations of them (unknown keys, typos, wrong types, keys
of other releases, ...) go through ``helm template`` and through our checks: the keys
helm's schema refuses must be exactly the keys we refuse, and removing every key we call
unread must leave helm's output unchanged.
"""

from __future__ import annotations

import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import yaml

from modelservice.charts.keys import has_schema
from modelservice.charts.versions import RELEASES, resolve
from tests.chart_oracle import Comparison, compare, mutations
from tests.tools.fetch_helm import fetch

pytestmark = pytest.mark.helm

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
CHARTS = SHARED / "reference" / "charts"
CONFORMANCE = SHARED / "conformance"
PACKAGED = {
    "0.0.9": "llm-d-modelservice-0.0.9.tgz",
    "0.2.16": "llm-d-modelservice-v0.2.16.tgz",
    "0.3.18": "llm-d-modelservice-v0.3.18.tgz",
    "0.4.9": "llm-d-modelservice-v0.4.9.tgz",
    "0.4.12": "llm-d-modelservice-v0.4.12.tgz",
}
#: Values written for the seed (default mode), tried at every release.
SEED_CASES = (
    "accelerator-affinity",
    "epp-overrides",
    "example-facebook",
    "example-qwen-lws",
    "ext-pod-controls",
    "ext-proxy-options",
    "oci-image-volume",
    "pvc-model-vllmserve",
)


@pytest.fixture(scope="module")
def helm() -> Path:
    try:
        return fetch()
    except (OSError, subprocess.CalledProcessError, KeyError) as exc:
        pytest.skip(f"the helm binary cannot be fetched: {exc}")


def _load(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text()) or {}


def _documents(version: str) -> list[tuple[str, dict[str, Any]]]:
    chart = resolve(version)
    own = [
        (d.name, _load(d / "values.yaml"))
        for d in sorted((CONFORMANCE / "versions").glob(f"v{version}-*"))
    ]
    seed = [
        (f"cases/{name}", _load(CONFORMANCE / "cases" / name / "values.yaml"))
        for name in SEED_CASES
    ]
    others = [r for r in RELEASES if r != chart]
    bases = own[:2] or seed[:2]
    mutated = [
        (f"{name}:{m}", doc)
        for name, base in bases
        for m, doc in mutations(base, chart, others, n=3)
    ]
    return own + seed + mutated


@pytest.mark.parametrize("version", list(PACKAGED))
def test_our_verdicts_are_helms(version: str, helm: Path, tmp_path: Path) -> None:
    chart = resolve(version)
    archive = CHARTS / PACKAGED[version]
    documents = _documents(version)

    def judge(item: tuple[int, tuple[str, dict[str, Any]]]) -> Comparison:
        i, (name, doc) = item
        case_dir = tmp_path / str(i)
        case_dir.mkdir()
        return compare(helm, archive, chart, name, doc, case_dir)

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(judge, enumerate(documents)))
    disagreements = [d for r in results for d in r.disagreements]
    assert disagreements == []
    # The documents did put both sides to the test.
    refused = sum(r.helm.refused is not None for r in results)
    unread_checked = sum(
        bool(r.ours and r.ours.unread) and r.helm.output is not None for r in results
    )
    assert refused > 5 if has_schema(chart) else refused == 0
    assert unread_checked > 3
