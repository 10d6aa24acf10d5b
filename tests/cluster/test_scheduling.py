"""GPU scheduling on fake nodes: GPU pods land on GPU nodes only; oversized requests pend."""

from __future__ import annotations

import time

import pytest
from lightkube.models.apps_v1 import DeploymentSpec
from lightkube.models.core_v1 import Container, PodSpec, PodTemplateSpec, ResourceRequirements
from lightkube.models.meta_v1 import LabelSelector, ObjectMeta
from lightkube.resources.apps_v1 import Deployment
from lightkube.resources.core_v1 import Node, Pod

pytestmark = pytest.mark.cluster

GPU = "nvidia.com/gpu"


def gpu_deployment(name: str, replicas: int, gpus: int) -> Deployment:
    labels = {"app": name}
    return Deployment(
        metadata=ObjectMeta(name=name),
        spec=DeploymentSpec(
            replicas=replicas,
            selector=LabelSelector(matchLabels=labels),
            template=PodTemplateSpec(
                metadata=ObjectMeta(labels=labels),
                spec=PodSpec(
                    containers=[
                        Container(
                            name="vllm",
                            image="vllm/vllm-openai:latest",
                            resources=ResourceRequirements(
                                requests={GPU: str(gpus), "cpu": "1", "memory": "1Gi"},
                                limits={GPU: str(gpus)},
                            ),
                        )
                    ]
                ),
            ),
        ),
    )


def wait_for(what: str, fn, timeout: float = 60.0, interval: float = 0.25):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = fn()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}; last: {last!r}")


def test_fake_nodes_advertise_gpus(cluster):
    nodes = list(cluster.client.list(Node))
    gpu_nodes = [n for n in nodes if GPU in (n.status.allocatable or {})]
    cpu_nodes = [n for n in nodes if GPU not in (n.status.allocatable or {})]
    assert len(gpu_nodes) == 4
    assert len(cpu_nodes) == 2
    for n in gpu_nodes:
        assert n.status.allocatable[GPU] == "8"
        assert n.metadata.labels["nvidia.com/gpu.product"] == "NVIDIA-H100-80GB-HBM3"
    for n in cpu_nodes:
        assert "nvidia.com/gpu.product" not in n.metadata.labels


def test_gpu_deployment_runs_on_gpu_nodes_only(cluster, namespace):
    client = cluster.client
    gpu_nodes = {n.metadata.name for n in client.list(Node) if GPU in (n.status.allocatable or {})}
    # 6 replicas x 2 GPUs: more pods than GPU nodes, so a scheduler that ignored the
    # extended resource would put some of them on the 2 CPU nodes.
    client.create(gpu_deployment("gpu2", replicas=6, gpus=2), namespace=namespace)

    def ready():
        d = client.get(Deployment, "gpu2", namespace=namespace)
        return (
            d
            if (d.status and d.status.readyReplicas == 6 and d.status.availableReplicas == 6)
            else None
        )

    wait_for("6 ready replicas", ready, timeout=90)
    pods = list(client.list(Pod, namespace=namespace, labels={"app": "gpu2"}))
    assert len(pods) == 6
    for p in pods:
        assert p.spec.nodeName in gpu_nodes, f"{p.metadata.name} on {p.spec.nodeName}"
        assert p.status.phase == "Running"
        assert any(c.type == "Ready" and c.status == "True" for c in p.status.conditions)
        assert p.status.podIP


def test_sixteen_gpus_stay_pending(cluster, namespace):
    client = cluster.client
    client.create(gpu_deployment("gpu16", replicas=1, gpus=16), namespace=namespace)

    def unschedulable():
        pods = list(client.list(Pod, namespace=namespace, labels={"app": "gpu16"}))
        for p in pods:
            for c in (p.status.conditions or []) if p.status else []:
                if c.type == "PodScheduled" and c.status == "False" and c.reason == "Unschedulable":
                    return p
        return None

    pod = wait_for("the scheduler to report the pod Unschedulable", unschedulable, timeout=60)
    assert pod.status.phase == "Pending"
    assert not pod.spec.nodeName
    msg = next(c.message for c in pod.status.conditions if c.type == "PodScheduled")
    assert "nvidia.com/gpu" in msg, msg
    # And it stays so: no node can ever fit 16 GPUs.
    time.sleep(2)
    pod = client.get(Pod, pod.metadata.name, namespace=namespace)
    assert pod.status.phase == "Pending" and not pod.spec.nodeName
    d = client.get(Deployment, "gpu16", namespace=namespace)
    assert not d.status.readyReplicas
