"""The bundled examples render, validate, and mean what their comments say."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import modelservice

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _render(name: str) -> modelservice.Rendered:
    values = modelservice.load_values(files=[EXAMPLES / name])
    return modelservice.render_release(values, release="ex", namespace="llm-d")


def _by_kind(objs: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {o["metadata"]["name"]: o for o in objs if o["kind"] == kind}


def test_every_example_is_covered() -> None:
    assert sorted(p.name for p in EXAMPLES.glob("*.yaml")) == [
        "pd-gpu-hf.yaml",
        "simulator.yaml",
        "wide-ep-lws.yaml",
    ]


@pytest.mark.parametrize("name", ["pd-gpu-hf.yaml", "simulator.yaml", "wide-ep-lws.yaml"])
def test_example_renders_without_warnings(name: str) -> None:
    result = _render(name)
    assert result.warnings == ()
    kinds = {o["kind"] for o in result.objects}
    assert {"ServiceAccount", "Role", "RoleBinding", "Service", "InferencePool"} <= kinds


def test_simulator_needs_no_gpus() -> None:
    objs = _render("simulator.yaml").objects
    deps = _by_kind(objs, "Deployment")
    decode = deps["ex-llm-d-modelservice-decode"]
    assert decode["spec"]["replicas"] == 2
    res = decode["spec"]["template"]["spec"]["containers"][0]["resources"]
    assert res == {"limits": {}, "requests": {}}


def test_pd_example_gets_two_gpus_per_pod() -> None:
    objs = _render("pd-gpu-hf.yaml").objects
    for role in ("decode", "prefill"):
        pod = _by_kind(objs, "Deployment")[f"ex-llm-d-modelservice-{role}"]["spec"]["template"]
        c = pod["spec"]["containers"][0]
        assert c["resources"]["limits"]["nvidia.com/gpu"] == "2"
        assert c["resources"]["requests"]["nvidia.com/gpu"] == "2"
        assert c["args"][:2] == ["meta-llama/Llama-3.1-8B-Instruct", "--port"]
        assert "--tensor-parallel-size" in c["args"]
        assert {
            "name": "HF_TOKEN",
            "valueFrom": {"secretKeyRef": {"name": "hf-token", "key": "HF_TOKEN"}},
        } in c["env"]


def test_wide_ep_example_is_two_pods_per_group() -> None:
    objs = _render("wide-ep-lws.yaml").objects
    lws = _by_kind(objs, "LeaderWorkerSet")
    decode = lws["ex-llm-d-modelservice-decode"]["spec"]
    assert decode["leaderWorkerTemplate"]["size"] == 2
    assert decode["replicas"] == 1
    assert "replicas" not in lws["ex-llm-d-modelservice-prefill"]["spec"]
    leader = decode["leaderWorkerTemplate"]["leaderTemplate"]["spec"]
    assert leader["initContainers"][0]["name"] == "routing-proxy"
    assert leader["containers"][0]["resources"]["limits"]["nvidia.com/gpu"] == "8"
    pool = _by_kind(objs, "InferencePool")["ex-llm-d-modelservice"]
    assert pool["spec"]["selector"]["leaderworkerset.sigs.k8s.io/worker-index"] == "0"
