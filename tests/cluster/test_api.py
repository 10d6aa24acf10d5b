"""API server behaviour the project relies on: server-side apply and garbage collection."""

from __future__ import annotations

import time
import uuid

import pytest
from lightkube import ApiError
from lightkube.models.apps_v1 import DeploymentSpec
from lightkube.models.core_v1 import Container, PodSpec, PodTemplateSpec
from lightkube.models.meta_v1 import LabelSelector, ObjectMeta
from lightkube.resources.apps_v1 import Deployment, ReplicaSet
from lightkube.resources.core_v1 import ConfigMap, Namespace, Pod

pytestmark = pytest.mark.cluster


def test_server_side_apply_records_managed_fields(cluster, namespace):
    client = cluster.client
    cm = ConfigMap(
        metadata=ObjectMeta(name="values", namespace=namespace), data={"a": "1", "b": "2"}
    )
    # lightkube's apply is a PATCH with Content-Type application/apply-patch+yaml.
    applied = client.apply(cm, field_manager="modelservice")
    assert applied.data == {"a": "1", "b": "2"}
    entries = {m.manager: m for m in applied.metadata.managedFields}
    assert "modelservice" in entries
    entry = entries["modelservice"]
    assert entry.operation == "Apply"
    assert entry.fieldsType == "FieldsV1"
    assert set(entry.fieldsV1["f:data"]) == {"f:a", "f:b"}

    # Re-applying with fewer fields removes the field this manager no longer owns.
    cm2 = ConfigMap(metadata=ObjectMeta(name="values", namespace=namespace), data={"a": "3"})
    again = client.apply(cm2, field_manager="modelservice")
    assert again.data == {"a": "3"}

    # Another manager changing an owned field conflicts unless it forces.
    other = ConfigMap(metadata=ObjectMeta(name="values", namespace=namespace), data={"a": "4"})
    with pytest.raises(ApiError) as err:
        client.apply(other, field_manager="someone-else")
    assert err.value.status.code == 409
    forced = client.apply(other, field_manager="someone-else", force=True)
    assert forced.data == {"a": "4"}
    managers = {m.manager for m in forced.metadata.managedFields}
    assert "someone-else" in managers


def test_deleting_deployment_collects_replicasets_and_pods(cluster, namespace):
    client = cluster.client
    labels = {"app": "gc"}
    dep = Deployment(
        metadata=ObjectMeta(name="gc"),
        spec=DeploymentSpec(
            replicas=3,
            selector=LabelSelector(matchLabels=labels),
            template=PodTemplateSpec(
                metadata=ObjectMeta(labels=labels),
                spec=PodSpec(containers=[Container(name="c", image="busybox")]),
            ),
        ),
    )
    client.create(dep, namespace=namespace)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        d = client.get(Deployment, "gc", namespace=namespace)
        if d.status and d.status.readyReplicas == 3:
            break
        time.sleep(0.25)
    else:
        raise AssertionError("deployment gc never became ready")
    rs = list(client.list(ReplicaSet, namespace=namespace, labels=labels))
    pods = list(client.list(Pod, namespace=namespace, labels=labels))
    assert len(rs) == 1 and len(pods) == 3
    assert rs[0].metadata.ownerReferences[0].kind == "Deployment"
    assert all(p.metadata.ownerReferences[0].name == rs[0].metadata.name for p in pods)

    client.delete(Deployment, "gc", namespace=namespace)
    deadline = time.monotonic() + 60
    left_rs, left_pods = rs, pods
    while time.monotonic() < deadline:
        left_rs = list(client.list(ReplicaSet, namespace=namespace, labels=labels))
        left_pods = list(client.list(Pod, namespace=namespace, labels=labels))
        if not left_rs and not left_pods:
            break
        time.sleep(0.25)
    assert not left_rs, [r.metadata.name for r in left_rs]
    assert not left_pods, [p.metadata.name for p in left_pods]


def test_deleting_namespace_removes_it_and_its_objects(cluster):
    client = cluster.client
    name = f"ns-gc-{uuid.uuid4().hex[:6]}"
    client.create(Namespace(metadata=ObjectMeta(name=name)))
    client.create(ConfigMap(metadata=ObjectMeta(name="x"), data={"k": "v"}), namespace=name)
    client.delete(Namespace, name)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            ns = client.get(Namespace, name)
        except ApiError as e:
            assert e.status.code == 404
            break
        assert ns.status.phase == "Terminating"
        time.sleep(0.25)
    else:
        raise AssertionError(f"namespace {name} was never removed by the namespace controller")
    assert list(client.list(ConfigMap, namespace=name)) == []
