"""Readiness predicates per kind, and the reasons a pod is not ready."""

from __future__ import annotations

from modelservice.cluster.wait import pod_problem, pod_selector, pod_summary, readiness


def _deployment(desired: int, **status: int) -> dict:  # type: ignore[type-arg]
    return {
        "kind": "Deployment",
        "metadata": {"name": "d", "generation": 2},
        "spec": {"replicas": desired, "selector": {"matchLabels": {"a": "b"}}},
        "status": {"observedGeneration": 2, **status},
    }


def test_deployment_ready_only_when_rolled_out() -> None:
    done = _deployment(2, replicas=2, updatedReplicas=2, readyReplicas=2, availableReplicas=2)
    assert readiness(done, "Deployment", "d").ready
    # a new pod is pending while the old one still serves: not rolled out
    rolling = _deployment(1, replicas=2, updatedReplicas=1, readyReplicas=1, availableReplicas=1)
    r = readiness(rolling, "Deployment", "d")
    assert not r.ready and r.progress == "1/1 pods (1 old still running)"
    stale = _deployment(1, replicas=1, updatedReplicas=1, readyReplicas=1, availableReplicas=1)
    stale["status"]["observedGeneration"] = 1
    assert not readiness(stale, "Deployment", "d").ready
    assert readiness(_deployment(0, replicas=0), "Deployment", "d").ready


def test_leader_worker_set_counts_groups_and_pods() -> None:
    lws = {
        "kind": "LeaderWorkerSet",
        "metadata": {"name": "w"},
        "spec": {"replicas": 2, "leaderWorkerTemplate": {"size": 4}},
        "status": {"readyReplicas": 1, "conditions": [{"type": "Available", "status": "False"}]},
    }
    r = readiness(lws, "LeaderWorkerSet", "w")
    assert not r.ready and r.progress == "1/2 groups (4/8 pods)"
    lws["status"] = {"readyReplicas": 2, "conditions": [{"type": "Available", "status": "True"}]}
    assert readiness(lws, "LeaderWorkerSet", "w").ready
    assert pod_selector(lws) == {"leaderworkerset.sigs.k8s.io/name": "w"}


def test_route_and_pool_conditions() -> None:
    assert readiness({"kind": "HTTPRoute", "metadata": {}}, "HTTPRoute", "r").progress == (
        "no controller status"
    )
    accepted = {
        "status": {
            "parents": [
                {
                    "conditions": [
                        {"type": "Accepted", "status": "True"},
                        {"type": "ResolvedRefs", "status": "True"},
                    ]
                }
            ]
        }
    }
    r = readiness(accepted, "HTTPRoute", "r")
    assert r.ready and r.progress == "Accepted=True, ResolvedRefs=True"
    refused = {
        "status": {
            "parents": [
                {
                    "conditions": [
                        {
                            "type": "Accepted",
                            "status": "False",
                            "reason": "NoMatchingParent",
                            "message": "no gw",
                        }
                    ]
                }
            ]
        }
    }
    r = readiness(refused, "InferencePool", "p")
    assert not r.ready and "NoMatchingParent: no gw" in r.progress


def test_missing_object_and_plain_kinds() -> None:
    assert readiness(None, "Service", "s").progress == "missing"
    assert readiness({"kind": "Service"}, "Service", "s").ready


def test_pod_problems_in_kubernetes_words() -> None:
    pending = {
        "status": {
            "phase": "Pending",
            "conditions": [
                {
                    "type": "PodScheduled",
                    "status": "False",
                    "message": "0/6 nodes are available: 6 Insufficient nvidia.com/gpu.",
                }
            ],
        }
    }
    assert pod_problem(pending) == (
        "unschedulable: 0/6 nodes are available: 6 Insufficient nvidia.com/gpu."
    )
    pulling = {
        "status": {
            "phase": "Pending",
            "containerStatuses": [
                {
                    "name": "vllm",
                    "state": {"waiting": {"reason": "ImagePullBackOff", "message": "nope"}},
                }
            ],
        }
    }
    assert pod_problem(pulling) == "vllm: ImagePullBackOff nope"
    ready = {
        "status": {
            "phase": "Running",
            "conditions": [{"type": "Ready", "status": "True"}],
            "containerStatuses": [{"name": "vllm", "ready": True, "restartCount": 2}],
        }
    }
    assert pod_problem(ready) == ""
    assert pod_summary([ready, pending]) == (1, 2, 2, pod_problem(pending))
