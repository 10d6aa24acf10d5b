"""One definition of "the same object" (group, kind, namespace, name) and one kinds table,
shared by the renderer's clash check, the lifecycle and the operator."""

from __future__ import annotations

import pytest

import modelservice
from modelservice.kinds import RENDERED_KINDS, Identity, identity, known
from modelservice.operator.manifests import CHILD_RESOURCES
from modelservice.operator.reconciler import WATCHED_KINDS


def test_identity_ignores_the_version_and_folds_moved_groups() -> None:
    v1 = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}}
    beta = {"apiVersion": "apps/v1beta2", "kind": "Deployment", "metadata": {"name": "d"}}
    ext = {"apiVersion": "extensions/v1beta1", "kind": "Deployment", "metadata": {"name": "d"}}
    assert identity(v1, "ns") == identity(beta, "ns") == identity(ext, "ns")
    assert identity(v1, "ns") == Identity("apps", "Deployment", "ns", "d")
    assert str(identity(v1, "ns")) == 'Deployment "d" in namespace "ns"'


def test_cluster_scoped_kinds_have_no_namespace() -> None:
    crb = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
           "metadata": {"name": "x", "namespace": "ignored"}}  # fmt: skip
    assert identity(crb, "ns").namespace == ""
    unknown = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}
    assert identity(unknown, "ns").namespace == "ns"  # unknown kinds count as namespaced
    assert identity(unknown, "ns", namespaced=False).namespace == ""  # discovery decides


def test_an_extra_object_of_another_version_clashes_at_render_time() -> None:
    """An apps/v1beta2 extra object named like the decode Deployment passed the clash check
    (identity by apiVersion) but is the same object to the API server."""
    clash = {"apiVersion": "apps/v1beta2", "kind": "Deployment",
             "metadata": {"name": "r-llm-d-modelservice-decode"}}  # fmt: skip
    with pytest.raises(modelservice.ValuesError) as err:
        modelservice.render({"extraObjects": [clash]}, release="r")
    assert str(err.value) == (
        "extraObjects[0]: Deployment 'r-llm-d-modelservice-decode' is already rendered by the "
        "release; give it another name"
    )


def test_the_operator_derives_its_watches_and_rbac_from_the_table() -> None:
    assert [(a, k) for a, k, _ in WATCHED_KINDS] == [
        (k.api_version, k.kind) for k in RENDERED_KINDS
    ]
    granted = {(g, r) for g, resources in CHILD_RESOURCES for r in resources}
    assert {(k.group, k.plural) for k in RENDERED_KINDS} == granted
    rendered = modelservice.render({}, release="r")
    for obj in rendered:
        entry = known(obj["apiVersion"], obj["kind"])
        assert entry is not None and entry.rendered, obj["kind"]
