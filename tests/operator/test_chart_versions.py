"""A ModelService that names an upstream chart release (``spec.chartVersion``) is rendered
by the operator exactly as that release renders, keeps that release's own keys through the
API server, and moves to another release when the field changes."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

import modelservice
from modelservice.operator.crd import KIND, OWNER_LABEL, custom_resource
from modelservice.operator.desired import first_difference
from tests.operator.conftest import Operator, wait_for
from tests.operator.test_operator import condition, deployment, get_ms, patch_spec, wait_ready

pytestmark = pytest.mark.cluster

VALUES = (
    Path(__file__).resolve().parents[2].parent
    / "shared"
    / "conformance"
    / "versions"
    / "v0.4.9-gen0"
    / "values.yaml"
)


def chart_label(api: modelservice.Cluster, name: str) -> str:
    dep = deployment(api, name) or {}
    return str(((dep.get("metadata") or {}).get("labels") or {}).get("helm.sh/chart", ""))


def test_a_modelservice_renders_as_the_chart_version_it_names(
    api: modelservice.Cluster, operator: Operator
) -> None:
    values: dict[str, Any] = yaml.safe_load(VALUES.read_text())
    values["modelArtifacts"]["labels"] = {"team": "a"}  # 0.3.0 on; unknown to the default mode
    api.create(custom_resource("v49", values, api.namespace, chart_version="0.4.9"))
    ms = wait_ready(api, "v49", timeout=180)
    assert condition(ms, "Valid")["status"] == "True"
    assert ms["spec"]["modelArtifacts"]["labels"] == {"team": "a"}  # kept by the API server

    rendered = modelservice.render(
        values, release="v49", namespace=api.namespace, chart_version="0.4.9"
    )
    assert {o["kind"] for o in rendered} >= {"Deployment", "ServiceAccount"}
    for obj in rendered:
        have = api.get(obj["apiVersion"], obj["kind"], obj["metadata"]["name"], api.namespace)
        assert have is not None, (obj["kind"], obj["metadata"]["name"])
        assert have["metadata"]["labels"][OWNER_LABEL] == "v49"
        assert have["metadata"]["ownerReferences"][0]["kind"] == KIND
        want = {k: v for k, v in copy.deepcopy(obj).items() if k not in ("apiVersion", "kind")}
        (want["metadata"].get("labels") or {}).pop("app.kubernetes.io/managed-by", None)
        assert first_difference(want, have) is None, (obj["kind"], first_difference(want, have))
    decode = "v49-llm-d-modelservice-decode"
    assert chart_label(api, decode) == "llm-d-modelservice-v0.4.9"
    template = (deployment(api, decode) or {})["spec"]["template"]["metadata"]["labels"]
    assert template["team"] == "a"
    assert {o["name"] for o in ms["status"]["owned"]} == {o["metadata"]["name"] for o in rendered}

    # another release: the children follow
    patch_spec(api, "v49", {"chartVersion": "0.4.12"})
    wait_for(lambda: chart_label(api, decode) == "llm-d-modelservice-v0.4.12", 90,
             what="decode rendered as 0.4.12")  # fmt: skip
    wait_ready(api, "v49", timeout=180)

    # a version that does not exist: Valid=False on that field, children kept
    patch_spec(api, "v49", {"chartVersion": "0.4.99"})

    def invalid() -> dict[str, Any] | None:
        found = get_ms(api, "v49")
        return found if condition(found, "Valid").get("status") == "False" else None

    bad = wait_for(invalid, 60, what="Valid=False")
    assert condition(bad, "Valid")["message"].startswith(
        "chartVersion: chart version '0.4.99' is newer than 0.4.12"
    )
    assert chart_label(api, decode) == "llm-d-modelservice-v0.4.12"
