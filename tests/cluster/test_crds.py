"""The CRDs of ../shared/crds are installed and their schemas are enforced by the API server."""

from __future__ import annotations

import pytest
from lightkube import ApiError
from lightkube.generic_resource import create_namespaced_resource
from lightkube.resources.apiextensions_v1 import CustomResourceDefinition

pytestmark = pytest.mark.cluster

InferencePool = create_namespaced_resource(
    "inference.networking.x-k8s.io", "v1alpha2", "InferencePool", "inferencepools"
)
HTTPRoute = create_namespaced_resource("gateway.networking.k8s.io", "v1", "HTTPRoute", "httproutes")


def pool(name: str, with_port: bool = True) -> dict:
    spec: dict = {
        "selector": {"llm-d.ai/inferenceServing": "true", "llm-d.ai/model": "llama"},
        "extensionRef": {"name": f"{name}-epp"},
    }
    if with_port:
        spec["targetPortNumber"] = 8000
    return {
        "apiVersion": "inference.networking.x-k8s.io/v1alpha2",
        "kind": "InferencePool",
        "metadata": {"name": name},
        "spec": spec,
    }


def test_all_shared_crds_established(cluster):
    names = {c.metadata.name: c for c in cluster.client.list(CustomResourceDefinition)}
    for expected in (
        "inferencepools.inference.networking.x-k8s.io",
        "inferencepools.inference.networking.k8s.io",
        "inferencemodels.inference.networking.x-k8s.io",
        "httproutes.gateway.networking.k8s.io",
        "gateways.gateway.networking.k8s.io",
        "gatewayclasses.gateway.networking.k8s.io",
        "grpcroutes.gateway.networking.k8s.io",
        "referencegrants.gateway.networking.k8s.io",
        "leaderworkersets.leaderworkerset.x-k8s.io",
        "podmonitors.monitoring.coreos.com",
    ):
        assert expected in names, expected
        conds = {c.type: c.status for c in names[expected].status.conditions}
        assert conds.get("Established") == "True", (expected, conds)


def test_inferencepool_and_httproute_accepted(cluster, namespace):
    client = cluster.client
    created = client.create(InferencePool.from_dict(pool("llama")), namespace=namespace)
    assert created["spec"]["targetPortNumber"] == 8000
    route = {
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "HTTPRoute",
        "metadata": {"name": "llama"},
        "spec": {
            "parentRefs": [{"name": "inference-gateway"}],
            "rules": [
                {
                    "backendRefs": [
                        {
                            "group": "inference.networking.x-k8s.io",
                            "kind": "InferencePool",
                            "name": "llama",
                            "port": 8000,
                        }
                    ],
                    "matches": [{"path": {"type": "PathPrefix", "value": "/"}}],
                }
            ],
        },
    }
    got = client.create(HTTPRoute.from_dict(route), namespace=namespace)
    backend = got["spec"]["rules"][0]["backendRefs"][0]
    assert backend["kind"] == "InferencePool"
    # CRD defaulting from the schema ran on the server.
    assert backend.get("weight") == 1
    assert (
        client.get(InferencePool, "llama", namespace=namespace)["spec"]["extensionRef"]["name"]
        == "llama-epp"
    )


def test_inferencepool_without_target_port_rejected(cluster, namespace):
    with pytest.raises(ApiError) as err:
        cluster.client.create(
            InferencePool.from_dict(pool("bad", with_port=False)), namespace=namespace
        )
    assert err.value.status.code == 422
    assert "targetPortNumber" in err.value.status.message
    with pytest.raises(ApiError) as missing:
        cluster.client.get(InferencePool, "bad", namespace=namespace)
    assert missing.value.status.code == 404
