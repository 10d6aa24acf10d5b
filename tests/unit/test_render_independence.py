"""Rendered objects share no mutable part, and the cluster layer never
edits a rendered object in place (it marks copies, with label and annotation maps of their
own).

The bug: the EPP Deployment's labels were the same dict as its ``spec.selector
.matchLabels``; adding Helm's ownership label at apply time put it into the immutable
selector, so `helm upgrade` of a release installed here (and our upgrade of one Helm
installed) failed with "field is immutable".
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

import modelservice
from modelservice.cluster.apply import HelmOwner
from modelservice.pipeline import render_release
from tests.unit.helpers import CASES_DIR, REPO_ROOT, find

_CASES = sorted(p for p in CASES_DIR.iterdir() if (p / "expected.yaml").is_file())
_EXAMPLES = sorted((REPO_ROOT / "examples").glob("*.yaml"))


def _render_case(case_dir: Path) -> modelservice.Rendered:
    case = yaml.safe_load((case_dir / "case.yaml").read_text("utf-8"))
    files = [str(case_dir / f) for f in case.get("values", ["values.yaml"])]
    values = modelservice.load_values(files, case.get("set", []))
    return render_release(values, release=case["release"], namespace=case["namespace"])


def _containers(tree: Any, where: str, seen: dict[int, str]) -> list[str]:
    """Every dict or list reached twice in ``tree``: (first place, second place)."""
    if not isinstance(tree, dict | list):
        return []
    if id(tree) in seen:
        return [f"{seen[id(tree)]} is also {where}"]
    seen[id(tree)] = where
    items = tree.items() if isinstance(tree, dict) else enumerate(tree)
    out = []
    for key, value in items:
        path = f"{where}.{key}" if isinstance(key, str) else f"{where}[{key}]"
        out += _containers(value, path, seen)
    return out


def _shared(objects: list[dict[str, Any]], seen: dict[int, str] | None = None) -> list[str]:
    seen = {} if seen is None else seen
    out = []
    for obj in objects:
        out += _containers(obj, f"{obj['kind']}/{obj['metadata']['name']}", seen)
    return out


@pytest.mark.parametrize("case_dir", _CASES, ids=[p.name for p in _CASES])
def test_no_two_places_in_a_render_are_one_object(case_dir: Path) -> None:
    assert _shared(_render_case(case_dir).objects) == []


@pytest.mark.parametrize("case_dir", _CASES, ids=[p.name for p in _CASES])
def test_a_render_shares_nothing_with_the_model_it_came_from(case_dir: Path) -> None:
    """Two renders of one validated model are independent: editing one cannot change the
    next (the model holds the values' own dicts)."""
    from modelservice.renderer.manifest import render_model

    model = _render_case(case_dir).model
    first = render_model(model)  # kept alive: ids are unique only among live objects
    seen: dict[int, str] = {}
    _shared(first, seen)
    seen = {k: f"(first render) {v}" for k, v in seen.items()}
    assert _shared(render_model(model), seen) == []


@pytest.mark.parametrize("example", _EXAMPLES, ids=[p.stem for p in _EXAMPLES])
def test_examples_render_without_shared_parts(example: Path) -> None:
    values = modelservice.load_values([str(example)])
    assert _shared(render_release(values, release="ex", namespace="ns").objects) == []


def test_ownership_labels_stay_out_of_the_epp_selector() -> None:
    case = _render_case(CASES_DIR / "example-facebook")
    epp = find(case.objects, "Deployment", "facebook-llm-d-modelservice-epp")
    owned = HelmOwner("facebook", "llm-d").mark(epp)
    selector = owned["spec"]["selector"]["matchLabels"]
    assert selector == {"llm-d.ai/epp": "facebook-llm-d-modelservice-epp"}
    assert owned["spec"]["template"]["metadata"]["labels"] == selector
    assert owned["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "Helm"


def test_marking_never_edits_its_input_even_when_its_parts_are_shared() -> None:
    """Defence in depth: whatever a caller passes (a hand-built object, or one read back
    from an old release record), the ownership metadata goes into new maps only."""
    labels = {"app": "x"}
    obj = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "x", "labels": labels},
        "spec": {"selector": {"matchLabels": labels}},
    }
    owned = HelmOwner("rel", "ns").mark(obj)
    assert labels == {"app": "x"}
    assert obj["metadata"] == {"name": "x", "labels": {"app": "x"}}
    assert owned["spec"]["selector"]["matchLabels"] == {"app": "x"}
    assert owned["metadata"]["labels"] == {"app": "x", "app.kubernetes.io/managed-by": "Helm"}
    assert owned["metadata"]["annotations"] == {
        "meta.helm.sh/release-name": "rel",
        "meta.helm.sh/release-namespace": "ns",
    }
