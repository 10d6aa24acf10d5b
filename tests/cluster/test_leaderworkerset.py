"""The LeaderWorkerSet controller (with its webhooks) turns an LWS into StatefulSets and pods."""

from __future__ import annotations

import time

import pytest
from lightkube.generic_resource import create_namespaced_resource
from lightkube.resources.apps_v1 import StatefulSet
from lightkube.resources.core_v1 import Pod

pytestmark = pytest.mark.cluster

LeaderWorkerSet = create_namespaced_resource(
    "leaderworkerset.x-k8s.io", "v1", "LeaderWorkerSet", "leaderworkersets"
)
WORKER_INDEX = "leaderworkerset.sigs.k8s.io/worker-index"
GROUP_INDEX = "leaderworkerset.sigs.k8s.io/group-index"


def lws(name: str, replicas: int, size: int) -> dict:
    template = {
        "metadata": {"labels": {"app": name}},
        "spec": {
            "containers": [
                {
                    "name": "vllm",
                    "image": "vllm/vllm-openai:latest",
                    "resources": {
                        "limits": {"nvidia.com/gpu": "4"},
                        "requests": {"nvidia.com/gpu": "4"},
                    },
                }
            ]
        },
    }
    return {
        "apiVersion": "leaderworkerset.x-k8s.io/v1",
        "kind": "LeaderWorkerSet",
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "leaderWorkerTemplate": {"size": size, "workerTemplate": template},
        },
    }


def test_lws_two_groups_of_two(cluster, namespace):
    client = cluster.client
    created = client.create(LeaderWorkerSet.from_dict(lws("mixtral", 2, 2)), namespace=namespace)
    # The defaulting webhook ran: the rollout strategy is filled in.
    rollout = created["spec"].get("rolloutStrategy") or {}
    assert rollout.get("type") == "RollingUpdate"
    assert rollout.get("rollingUpdateConfiguration") is not None

    deadline = time.monotonic() + 90
    pods: list[Pod] = []
    while time.monotonic() < deadline:
        pods = list(
            client.list(
                Pod, namespace=namespace, labels={"leaderworkerset.sigs.k8s.io/name": "mixtral"}
            )
        )
        if len(pods) == 4 and all(p.status and p.status.phase == "Running" for p in pods):
            break
        time.sleep(0.5)
    summary = [(p.metadata.name, p.status.phase if p.status else None) for p in pods]
    assert len(pods) == 4, summary
    assert all(p.status.phase == "Running" for p in pods), summary

    groups: dict[str, list[str]] = {}
    for p in pods:
        labels = p.metadata.labels
        assert WORKER_INDEX in labels, p.metadata.name
        groups.setdefault(labels[GROUP_INDEX], []).append(labels[WORKER_INDEX])
        assert any(c.type == "Ready" and c.status == "True" for c in p.status.conditions)
    assert {g: sorted(w) for g, w in groups.items()} == {"0": ["0", "1"], "1": ["0", "1"]}
    names = sorted(p.metadata.name for p in pods)
    assert names == ["mixtral-0", "mixtral-0-1", "mixtral-1", "mixtral-1-1"]

    # One leader StatefulSet and one worker StatefulSet per group.
    sts = sorted(s.metadata.name for s in client.list(StatefulSet, namespace=namespace))
    assert sts == ["mixtral", "mixtral-0", "mixtral-1"]

    # The pod webhook injected the LWS environment into the containers.
    leader = next(p for p in pods if p.metadata.name == "mixtral-0")
    env = {e.name: e.value for e in leader.spec.containers[0].env or []}
    assert env.get("LWS_GROUP_SIZE") == "2"
    assert "LWS_LEADER_ADDRESS" in env
