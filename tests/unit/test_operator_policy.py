"""The operator's default-deny policy, its ownership rule, the resource policy, failure
isolation and Events, without a cluster (the in-memory cluster of test_operator_unit)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from modelservice.kinds import identity
from modelservice.operator import crd as crdmod
from modelservice.operator.desired import ModelServiceOwner, adopt, desired_children
from modelservice.operator.manifests import epp_rules
from modelservice.operator.policy import Policy, PolicyError, check
from modelservice.operator.reconciler import transitions
from tests.unit.test_operator_unit import LIGHT, parent, setup

EPP = tuple(epp_rules())


def policy(*allow: str) -> Policy:
    return Policy.parse(allow, epp_rules=EPP)


def spec(**changes: Any) -> dict[str, Any]:
    out = copy.deepcopy(LIGHT)
    for path, value in changes.items():
        node = out
        keys = path.split("__")
        for key in keys[:-1]:
            node = node.setdefault(key, {})
        node[keys[-1]] = value
    return out


def refusals(values: dict[str, Any], *allow: str) -> list[str]:
    desired = desired_children(parent(values), policy=policy(*allow))
    if desired.error is None:
        return []
    assert desired.reason == "Refused", desired.error
    return [str(p) for p in desired.error.problems]


def extra(*objects: dict[str, Any]) -> dict[str, Any]:
    return spec(extraObjects=list(objects))


POD = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "p"},
    "spec": {"containers": [{"name": "c", "image": "busybox"}], "serviceAccountName": "x"},
}


# ---------------------------------------------------------------- what the chart renders passes


@pytest.mark.parametrize("values", [{}, LIGHT], ids=["chart-defaults", "light"])
def test_the_charts_own_objects_pass(values: dict[str, Any]) -> None:
    assert refusals(values) == []


# ---------------------------------------------------------------- finding 1: each escalation


def test_rolebinding_to_the_operators_clusterrole_is_refused() -> None:
    binding = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "RoleBinding",
        "metadata": {"name": "me-too"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                    "name": "llm-d-modelservice-operator"},
        "subjects": [{"kind": "ServiceAccount", "name": "attacker", "namespace": "ns"}],
    }  # fmt: skip
    assert refusals(extra(binding)) == [
        "extraObjects[0]: a RoleBinding other than of this ModelService's own Role to its own "
        "ServiceAccounts: refused by the operator's policy (allowed only with --allow rbac)"
    ]
    assert refusals(extra(binding), "rbac") == []


def test_a_role_beyond_the_endpoint_pickers_rules_is_refused() -> None:
    role = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "Role",
        "metadata": {"name": "r"},
        "rules": [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"]}],
    }
    assert "more than the endpoint picker's rules" in refusals(extra(role))[0]
    within = {**role, "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}]}
    assert refusals(extra(within)) == []


def test_privileged_pod_through_the_values() -> None:
    values = spec(decode__hostPID=True, decode__hostIPC=True)
    found = refusals(values)
    assert len(found) == 2 and all("--allow host-namespaces" in f for f in found)
    assert "spec.template.spec.hostPID" in found[0]
    assert refusals(values, "host-namespaces") == []


def test_privileged_pod_in_extra_objects() -> None:
    pod = copy.deepcopy(POD)
    pod["spec"].update(hostPID=True, hostNetwork=True, serviceAccountName="default")
    pod["spec"]["volumes"] = [{"name": "root", "hostPath": {"path": "/"}}]
    pod["spec"]["containers"][0]["securityContext"] = {
        "privileged": True, "capabilities": {"add": ["SYS_ADMIN", "CHOWN"]}
    }  # fmt: skip
    found = refusals(extra(pod), "kind=Pod")
    text = "\n".join(found)
    for fragment in (
        "spec.hostNetwork", "spec.hostPID", "spec.volumes[0].hostPath: a hostPath volume",
        "securityContext.privileged: a privileged container",
        "capabilities.add: capabilities SYS_ADMIN", "ServiceAccount 'default'",
    ):  # fmt: skip
        assert fragment in text, text
    assert refusals(extra(pod)) == [
        "extraObjects[0]: objects of kind Pod are not among the chart's kinds: refused by the "
        "operator's policy (allowed only with --allow kind=Pod)"
    ]
    everything = ("kind=Pod", "host-namespaces", "host-path", "privileged", "service-accounts")
    assert refusals(extra(pod), *everything) == []


def test_external_ips_and_node_ports_are_refused() -> None:
    svc = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "s"},
        "spec": {"type": "LoadBalancer", "externalIPs": ["1.2.3.4"], "ports": [{"port": 80}]},
    }
    found = refusals(extra(svc))
    assert [f.split(": ", 1)[0] for f in found] == [
        "extraObjects[0] spec.externalIPs", "extraObjects[0] spec.type"
    ]  # fmt: skip
    assert refusals(extra(svc), "external-ips", "node-ports") == []


def test_secrets_the_pods_read_are_refused_unless_named() -> None:
    values = spec(modelArtifacts__authSecretName="other-teams-token")
    values["decode"]["containers"][0]["mountModelVolume"] = True
    found = refusals(values)
    assert len(found) == 1 and "a pod reading Secret 'other-teams-token'" in found[0]
    assert "--allow secret=other-teams-token" in found[0]
    assert refusals(values, "secret=other-teams-token") == []
    assert refusals(values, "secrets") == []
    assert refusals(values, "secret=another") != []
    volume_pod = copy.deepcopy(LIGHT)
    volume_pod["decode"]["volumes"] = [
        {"name": "v", "projected": {"sources": [{"secret": {"name": "deep"}}]}}
    ]
    assert "Secret 'deep'" in refusals(volume_pod)[0]


def test_running_as_another_service_account_is_refused() -> None:
    values = spec(serviceAccountOverride="cluster-admin-sa")
    found = refusals(values)
    assert found and all("ServiceAccount 'cluster-admin-sa'" in f for f in found)
    assert refusals(values, "service-account=cluster-admin-sa") == []


def test_cluster_scoped_and_foreign_namespace_objects_are_never_allowed() -> None:
    cm_elsewhere = {"apiVersion": "v1", "kind": "ConfigMap",
                    "metadata": {"name": "a", "namespace": "kube-system"}}  # fmt: skip
    crb = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
           "metadata": {"name": "b"}}  # fmt: skip
    desired = desired_children(
        parent(extra(cm_elsewhere, crb)),
        policy=policy("rbac", "kind=ClusterRoleBinding.rbac.authorization.k8s.io"),
        cluster_scoped={("rbac.authorization.k8s.io/v1", "ClusterRoleBinding")},
    )
    assert desired.error is not None
    text = str(desired.error)
    assert "namespace 'kube-system' is not the ModelService's namespace" in text
    assert "ClusterRoleBinding is cluster-scoped" in text


def test_allow_settings_parse_and_print_back() -> None:
    p = Policy.parse(["rbac", "secret=a,b", "kind=Job.batch", "service-account=x"])
    assert p.args() == [
        "--allow=rbac", "--allow=secret=a,b", "--allow=service-account=x", "--allow=kind=Job.batch"
    ]  # fmt: skip
    for bad in ("root", "secret=", "colour=blue"):
        with pytest.raises(PolicyError):
            Policy.parse([bad])


def test_check_is_a_pure_function_of_objects() -> None:
    sa = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "mine"}}
    pod = {**copy.deepcopy(POD), "spec": {**POD["spec"], "serviceAccountName": "mine"}}
    assert check([sa, pod], "ns", policy("kind=Pod")) == []
    pod["spec"]["automountServiceAccountToken"] = False
    pod["spec"]["serviceAccountName"] = "someone-else"
    assert check([pod], "ns", policy("kind=Pod")) == []  # no token, no identity


# ---------------------------------------------------------------- finding 2: ownership


def test_owner_adopts_only_objects_carrying_its_marks() -> None:
    p = parent(LIGHT)
    owner = ModelServiceOwner(p)
    deploy = next(o for o in desired_children(p).objects if o["kind"] == "Deployment")
    assert owner.conflict(deploy) is None
    unmarked = copy.deepcopy(deploy)
    del unmarked["metadata"]["ownerReferences"]
    del unmarked["metadata"]["labels"][crdmod.OWNER_LABEL]
    assert "does not carry this ModelService's marks" in str(owner.conflict(unmarked))
    # a ModelService of the same name, deleted and created again: its children are adopted
    again = ModelServiceOwner(parent(LIGHT, uid="uid-2"))
    assert again.conflict(deploy) is None and not again.owns(deploy)
    # the same name but another kind of controller is not
    foreign = copy.deepcopy(deploy)
    foreign["metadata"]["ownerReferences"][0].update(kind="Other", uid="u9")
    assert "controlled by Other/llama" in str(again.conflict(foreign))


def test_reconcile_refuses_to_take_over_an_existing_object_and_applies_nothing() -> None:
    _view, cluster, rec, body = setup(LIGHT)
    name = "llama-llm-d-modelservice-decode"
    theirs = {"apiVersion": "apps/v1", "kind": "Deployment",
              "metadata": {"name": name, "namespace": "ns"},
              "spec": {"replicas": 5, "template": {"spec": {"containers": [
                  {"name": "app", "image": "theirs:1"}]}}}}  # fmt: skip
    cluster.put(theirs)
    result = rec.reconcile(body)
    assert result.applied == [] and result.deleted == []
    live = cluster.find("Deployment", name)
    assert live is not None and live["spec"]["replicas"] == 5
    assert "ServiceAccount" not in {k.kind for k in cluster.objects}  # all or nothing
    conds = {c["type"]: c for c in body["status"]["conditions"]}
    assert conds["Degraded"]["reason"] == "Conflict"
    assert "does not carry this ModelService's marks" in conds["Degraded"]["message"]
    assert ("Warning", "Conflict") in [(t, r) for t, r, _ in cluster.events]
    # deleting the ModelService's spec objects never touches it either
    body["spec"] = {**LIGHT, "decode": {**LIGHT["decode"], "create": False}}
    rec.reconcile(body)
    assert cluster.find("Deployment", name) is not None


def test_keep_policy_objects_have_no_owner_reference_and_are_not_pruned() -> None:
    keep = {"helm.sh/resource-policy": "keep"}
    kept = {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "kept", "annotations": keep}}  # fmt: skip
    child = adopt(kept, parent(LIGHT))
    assert "ownerReferences" not in child["metadata"]
    _view, cluster, rec, body = setup(extra(kept))
    rec.reconcile(body)
    assert cluster.find("ConfigMap", "kept") is not None
    body["spec"] = LIGHT
    result = rec.reconcile(body)
    assert result.deleted == [] and cluster.find("ConfigMap", "kept") is not None


# ---------------------------------------------------------------- finding 6: isolation


def test_labels_that_are_not_a_map_are_an_invalid_spec() -> None:
    """The CR of finding 6 (extraObjects[].metadata.labels: "abc") made adopt() raise."""
    bad = extra(
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x", "labels": "abc"}}
    )
    desired = desired_children(parent(bad))
    assert desired.reason == "InvalidSpec"
    assert str(desired.error) == (
        "extraObjects[0].metadata.labels: must be a mapping of strings to strings, got string 'abc'"
    )


def test_an_exception_while_rendering_becomes_the_condition(monkeypatch: Any) -> None:
    import modelservice.pipeline

    real = modelservice.pipeline.render_release

    def broken(values: Any, *, release: str, **kwargs: Any) -> Any:
        if release == "llama":
            raise KeyError("boom")
        return real(values, release=release, **kwargs)

    monkeypatch.setattr(modelservice.pipeline, "render_release", broken)
    view, _cluster, rec, body = setup(LIGHT)
    other = parent(LIGHT, name="other", uid="uid-9")
    view.parents[("ns", "other")] = other
    first = rec.reconcile(body)
    assert first.invalid is not None and "KeyError: 'boom'" in first.invalid
    valid = next(c for c in body["status"]["conditions"] if c["type"] == "Valid")
    assert (valid["status"], valid["reason"]) == ("False", "RenderError")
    assert "a bug in modelservice" in valid["message"]
    assert rec.reconcile(other).applied  # the other ModelService is unaffected


def test_an_exception_anywhere_in_a_reconcile_is_contained(caplog: Any) -> None:
    view, cluster, rec, body = setup(LIGHT)
    calls = []

    def explode(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        raise RuntimeError("unexpected")

    cluster.apply = explode  # type: ignore[method-assign]
    first = rec.reconcile(body)
    second = rec.reconcile(view.parents[("ns", "llama")])
    assert first.internal and second.internal and len(calls) == 2
    assert "RuntimeError: unexpected" in str(first.error)
    tracebacks = [r for r in caplog.records if r.exc_info]
    assert len(tracebacks) == 1  # logged with its traceback once, then one line
    assert caplog.records[-1].name == "modelservice.operator.reconciler"
    degraded = next(c for c in body["status"]["conditions"] if c["type"] == "Degraded")
    assert degraded["reason"] == "InternalError"


def test_resync_goes_on_after_one_modelservice_fails() -> None:
    pytest.importorskip("kopf")
    from modelservice.operator.handlers import OperatorState, resync_all

    seen: list[str] = []

    class Kicker:
        def kick(self, namespace: str, name: str, *, trigger: str) -> None:
            seen.append(name)
            if name == "a":
                raise RuntimeError("a bug")

        def write_stats(self) -> None:
            pass

    class View:
        def parents(self) -> list[dict[str, Any]]:
            return [parent(name=n) for n in ("a", "b", "c")]

    state = OperatorState(cluster=None, view=View(), reconciler=Kicker())  # type: ignore[arg-type]
    assert resync_all(state) == 3 and seen == ["a", "b", "c"]


# ---------------------------------------------------------------- Events


def test_events_on_transitions_only() -> None:
    _view, cluster, rec, body = setup(LIGHT)
    rec.reconcile(body)
    assert [(t, r) for t, r, _ in cluster.events] == [
        ("Normal", "Rendered"),
        ("Normal", "AllReady"),
    ]
    cluster.events.clear()
    rec.reconcile(body)
    assert cluster.events == []  # nothing changed, nothing said
    bad = copy.deepcopy(LIGHT)
    bad["decode"]["containers"][0]["modelCommand"] = "vllmserve"
    body["spec"], body["metadata"]["generation"] = bad, 2
    rec.reconcile(body)
    assert [(t, r) for t, r, _ in cluster.events] == [("Warning", "InvalidSpec")]
    assert cluster.events[0][2].startswith("Valid=False: ")
    assert "decode.containers[0].modelCommand" in cluster.events[0][2]


def test_transitions_of_an_apply_error() -> None:
    ok = [{"type": "Degraded", "status": "False", "reason": "AsExpected", "message": ""}]
    failing = [{"type": "Degraded", "status": "True", "reason": "ApplyFailed", "message": "x"}]
    again = [{"type": "Degraded", "status": "True", "reason": "ApplyFailed", "message": "y"}]
    assert transitions(ok, failing) == [("Warning", "ApplyFailed", "Degraded=True: x")]
    assert transitions(failing, failing) == []
    assert transitions(failing, again) == [("Warning", "ApplyFailed", "Degraded=True: y")]
    assert transitions(failing, ok) == [("Normal", "Recovered", "Degraded=False: ")]


def test_identity_is_the_operators_key() -> None:
    child = desired_children(parent(LIGHT)).objects[0]
    assert identity(child, "elsewhere").namespace == "ns"
