"""Issue 13's attack review, replayed: the operator runs with exactly the RBAC that
``operator manifests`` grants (its namespace-scoped install, authenticated as its own
ServiceAccount), and the attacker is a ServiceAccount allowed only to manage ModelServices
in its namespace.

- finding 1: through a ModelService's values the attacker got the operator's rights
  (privileged pod, a RoleBinding to the operator's role, externalIPs, a Secret it cannot
  read, another ServiceAccount);
- finding 2: the operator adopted a live object without its marks (and deleted it with the
  ModelService), and a CLI release installed over the operator's objects deleted them on
  uninstall;
- finding 6: one bad ModelService stopped the resync of every other one.
"""

from __future__ import annotations

import copy
import time
from pathlib import Path
from typing import Any

import pytest

import modelservice
from modelservice.operator.crd import API_VERSION, KIND, PLURAL
from modelservice.operator.manifests import NAME, manifests
from tests.cluster.test_lifecycle import cli, release
from tests.clusterenv import token_kubeconfig
from tests.operator.conftest import Operator, model_service, wait_for
from tests.operator.test_operator import children, condition, get_ms, light_spec, wait_ready

pytestmark = pytest.mark.cluster


def apply_all(api: modelservice.Cluster, objects: list[dict[str, Any]]) -> None:
    for obj in objects:
        api.apply(obj, force=True)


@pytest.fixture
def attacker(
    cluster: Any,
    namespace: str,
    crds: None,
    tmp_path: Path,
    operator_factory: Any,
) -> tuple[modelservice.Cluster, modelservice.Cluster, Operator]:
    """(admin API, the attacker's API, the operator running as its own ServiceAccount with
    the namespace-scoped install's Role)."""
    admin = modelservice.Cluster(kubeconfig=cluster.kubeconfig, namespace=namespace)
    install = [
        o
        for o in manifests(namespace=namespace, watch_namespaces=[namespace], namespace_scoped=True)
        if o["kind"] != "Deployment"
    ]
    assert {o["kind"] for o in install} == {"ServiceAccount", "Role", "RoleBinding"}
    apply_all(admin, install)
    op_config = token_kubeconfig(cluster, namespace, NAME, tmp_path / "operator.kubeconfig")
    operator = operator_factory(kubeconfig=op_config)
    rbac = "rbac.authorization.k8s.io"
    apply_all(
        admin,
        [
            {
                "apiVersion": f"{rbac}/v1",
                "kind": "Role",
                "metadata": {"name": "modelservice-author", "namespace": namespace},
                "rules": [
                    {
                        "apiGroups": ["llm-d.ai"],
                        "resources": [PLURAL],
                        "verbs": ["get", "list", "watch", "create", "update", "patch", "delete"],
                    }
                ],
            },
            {
                "apiVersion": f"{rbac}/v1",
                "kind": "RoleBinding",
                "metadata": {"name": "modelservice-author", "namespace": namespace},
                "roleRef": {"apiGroup": rbac, "kind": "Role", "name": "modelservice-author"},
                "subjects": [
                    {"kind": "ServiceAccount", "name": "attacker", "namespace": namespace}
                ],
            },
        ],
    )
    attacker_config = token_kubeconfig(cluster, namespace, "attacker", tmp_path / "a.kubeconfig")
    return admin, modelservice.Cluster(kubeconfig=attacker_config, namespace=namespace), operator


def refused(api: modelservice.Cluster, name: str) -> str:
    def valid_false() -> str:
        cond = condition(get_ms(api, name), "Valid")
        return str(cond.get("message")) if cond.get("status") == "False" else ""

    message = wait_for(valid_false, 60, what=f"{name} Valid=False")
    cond = condition(get_ms(api, name), "Valid")
    assert cond["reason"] == "Refused", cond
    return message


def test_attacker_cannot_create_workloads_directly(attacker: Any) -> None:
    _admin, api, _operator = attacker
    deploy = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "x"},
              "spec": {"selector": {"matchLabels": {"a": "b"}}, "template": {
                  "metadata": {"labels": {"a": "b"}},
                  "spec": {"containers": [{"name": "c", "image": "busybox"}]}}}}  # fmt: skip
    with pytest.raises(modelservice.ClusterError, match="forbidden"):
        api.apply(deploy)


def test_finding_1_no_escalation_through_a_modelservice(attacker: Any) -> None:
    admin, api, operator = attacker
    ns = api.namespace
    admin.create(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "operator-only"},
            "stringData": {"HF_TOKEN": "not for the attacker"},
        }
    )
    privileged = light_spec()
    privileged["decode"]["hostPID"] = True
    privileged["decode"]["hostIPC"] = True
    privileged["decode"]["volumes"] = [{"name": "root", "hostPath": {"path": "/"}}]
    container = privileged["decode"]["containers"][0]
    container["securityContext"] = {"privileged": True}
    container["volumeMounts"] = [{"name": "root", "mountPath": "/host"}]
    binding = light_spec()
    binding["extraObjects"] = [
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
         "metadata": {"name": "me-too"},
         "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": NAME},
         "subjects": [{"kind": "ServiceAccount", "name": "attacker", "namespace": ns}]}
    ]  # fmt: skip
    external = light_spec()
    external["extraObjects"] = [
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "mitm"},
         "spec": {"externalIPs": ["10.0.0.10"], "ports": [{"port": 443}]}}
    ]  # fmt: skip
    secret = light_spec()
    secret["modelArtifacts"]["authSecretName"] = "operator-only"
    secret["decode"]["containers"][0]["mountModelVolume"] = True
    other_sa = light_spec()
    other_sa["serviceAccountOverride"] = NAME  # run as the operator itself
    attacks = {
        "privileged": (privileged, ["hostPID", "hostIPC", "hostPath", "privileged container"]),
        "binding": (binding, ["RoleBinding other than", "--allow rbac"]),
        "external": (external, ["spec.externalIPs", "--allow external-ips"]),
        "secret": (secret, ["a pod reading Secret 'operator-only'"]),
        "other-sa": (other_sa, [f"ServiceAccount '{NAME}'", "--allow service-account="]),
    }
    for name, (spec, _) in attacks.items():
        api.create(model_service(name, ns, spec))
    api.create(model_service("honest", ns, light_spec()))
    wait_ready(api, "honest")  # the operator works with the manifests' RBAC
    for name, (_, fragments) in attacks.items():
        message = refused(api, name)
        for fragment in fragments:
            assert fragment in message, (name, message)
        assert admin.get("apps/v1", "Deployment", f"{name}-llm-d-modelservice-decode", ns) is None
    assert admin.get("rbac.authorization.k8s.io/v1", "RoleBinding", "me-too", ns) is None
    assert admin.get("v1", "Service", "mitm", ns) is None
    events = admin.list("v1", "Event", namespace=ns)
    reasons = {(e["involvedObject"]["name"], e["reason"]) for e in events}
    assert ("binding", "Refused") in reasons and ("honest", "AllReady") in reasons
    assert "Traceback" not in operator.log()


def test_finding_2_the_operator_adopts_nothing_it_did_not_make(attacker: Any) -> None:
    admin, api, _operator = attacker
    ns = api.namespace
    name = "victim-llm-d-modelservice-decode"
    theirs = {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "prod"}},
                 "template": {"metadata": {"labels": {"app": "prod"}},
                              "spec": {"containers": [{"name": "app", "image": "prod:1"}]}}},
    }  # fmt: skip
    admin.create(theirs)
    api.create(model_service("victim", ns, light_spec()))

    def conflict() -> str:
        cond = condition(get_ms(api, "victim"), "Degraded")
        return str(cond.get("message")) if cond.get("reason") == "Conflict" else ""

    message = wait_for(conflict, 60, what="Degraded=True, reason Conflict")
    assert f'Deployment "{name}" in namespace "{ns}" exists and cannot be adopted' in message
    live = admin.get("apps/v1", "Deployment", name, ns)
    assert live is not None
    assert live["spec"]["template"]["spec"]["containers"][0]["image"] == "prod:1"
    assert not live["metadata"].get("ownerReferences")
    # nothing else of it was created either (all or nothing)
    assert admin.get("v1", "ServiceAccount", "victim-llm-d-modelservice", ns) is None
    api.delete(API_VERSION, KIND, "victim", ns)
    wait_for(lambda: get_ms(api, "victim") is None, 30, what="ModelService deleted")
    time.sleep(3)
    assert admin.get("apps/v1", "Deployment", name, ns) is not None


def test_a_release_over_operator_owned_objects_is_refused(
    cluster: Any, namespace: str, tmp_path: Path, crds: None, operator_factory: Any
) -> None:
    admin = modelservice.Cluster(kubeconfig=cluster.kubeconfig, namespace=namespace)
    operator_factory()
    admin.create(model_service("ms", namespace, {}))
    wait_ready(admin, "ms")
    owned = children(admin, "ms")
    assert len(owned) == 10
    values = tmp_path / "empty.yaml"
    values.write_text("{}\n")
    proc = cli(cluster.kubeconfig, "install", "ms", "-n", namespace, "-f", str(values))
    assert proc.returncode == 1 and "cannot be imported into the current release" in proc.stderr
    assert "rendered manifests contain a resource that already exists (10)" in proc.stderr
    assert release(cluster, "ms", namespace).history() == []
    assert cli(cluster.kubeconfig, "uninstall", "ms", "-n", namespace).returncode == 1
    assert children(admin, "ms").keys() == owned.keys()


def test_finding_6_one_bad_modelservice_stops_nothing(
    attacker: Any, operator_factory: Any, tmp_path: Path, cluster: Any
) -> None:
    _admin, api, operator = attacker
    ns = api.namespace
    bad = light_spec()
    bad["extraObjects"] = [
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x", "labels": "abc"}}
    ]
    api.create(model_service("bad", ns, bad))
    api.create(model_service("good", ns, light_spec()))
    wait_ready(api, "good")
    cond = wait_for(
        lambda: (
            condition(get_ms(api, "bad"), "Valid").get("status") == "False"
            and condition(get_ms(api, "bad"), "Valid")
        ),
        60,
        what="bad: Valid=False",
    )
    assert cond["message"] == (
        "extraObjects[0].metadata.labels: must be a mapping of strings to strings, got string 'abc'"
    )
    # resyncs go on for the good one (stats count them), with no traceback in the log
    start = operator.stats().get("by_trigger", {}).get("resync", 0)
    wait_for(lambda: operator.stats().get("by_trigger", {}).get("resync", 0) >= start + 4, 30,
             what="two more resyncs of both")  # fmt: skip
    log = operator.log()
    assert "Traceback" not in log and "resync failed" not in log, log[-3000:]
    # and after a restart, too
    operator.stop()
    operator.start()
    patched = copy.deepcopy(light_spec())
    patched["decode"]["replicas"] = 2
    api_admin = modelservice.Cluster(kubeconfig=cluster.kubeconfig, namespace=ns)
    from lightkube.types import PatchType

    cls = api_admin.resource_class(API_VERSION, KIND)
    api_admin.client.patch(cls, "good", {"spec": patched}, namespace=ns,
                           patch_type=PatchType.MERGE)  # fmt: skip
    wait_for(lambda: (get_ms(api, "good") or {}).get("status", {}).get("decode", {})
             .get("ready") == "2/2", 90, what="good scaled after the restart")  # fmt: skip
    assert "resync failed" not in operator.log()
