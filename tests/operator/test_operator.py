"""The ModelService operator against the real API server of testenv/: create, update,
drift repair, invalid specs, deletion, crash recovery, read-only no-op reconciles, peering,
and scale (MODELSERVICE_OPERATOR_SCALE=N; 20 by default)."""

from __future__ import annotations

import copy
import os
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

import modelservice
from modelservice.operator.crd import API_VERSION, HASH_ANNOTATION, KIND, OWNER_LABEL
from modelservice.operator.desired import first_difference
from tests.operator.conftest import Operator, model_service, wait_for

pytestmark = pytest.mark.cluster

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
DEFAULTS = SHARED / "conformance" / "cases" / "chart-defaults" / "values.yaml"
SIM_IMAGE = "ghcr.io/llm-d/llm-d-inference-sim:0.0.4"
CHILD_KINDS = (
    ("v1", "ServiceAccount"), ("v1", "Service"), ("apps/v1", "Deployment"),
    ("rbac.authorization.k8s.io/v1", "Role"), ("rbac.authorization.k8s.io/v1", "RoleBinding"),
    ("gateway.networking.k8s.io/v1", "HTTPRoute"),
    ("inference.networking.x-k8s.io/v1alpha2", "InferencePool"),
)  # fmt: skip


def light_spec(replicas: int = 1) -> dict[str, Any]:
    """A small ModelService: one simulator pod, no prefill, no EPP, pool or route."""
    return {
        "modelArtifacts": {"uri": "hf://facebook/opt-125m"},
        "routing": {
            "modelName": "facebook/opt-125m",
            "epp": {"create": False},
            "inferencePool": {"create": False},
            "httpRoute": {"create": False},
        },
        "decode": {
            "replicas": replicas,
            "containers": [{"name": "vllm", "image": SIM_IMAGE, "modelCommand": "imageDefault"}],
        },
        "prefill": {"create": False},
    }


def get_ms(api: modelservice.Cluster, name: str) -> dict[str, Any] | None:
    return api.get(API_VERSION, KIND, name, api.namespace)


def condition(ms: dict[str, Any] | None, type_: str) -> dict[str, Any]:
    for cond in ((ms or {}).get("status") or {}).get("conditions") or []:
        if cond.get("type") == type_:
            return dict(cond)
    return {}


def wait_ready(api: modelservice.Cluster, name: str, timeout: float = 120) -> dict[str, Any]:
    def ready() -> dict[str, Any] | None:
        ms = get_ms(api, name)
        gen = (ms or {}).get("metadata", {}).get("generation")
        ok = (
            condition(ms, "Ready").get("status") == "True"
            and ((ms or {}).get("status") or {}).get("observedGeneration") == gen
        )
        return ms if ok else None

    return wait_for(ready, timeout, what=f"ModelService {name} Ready")


def patch_spec(api: modelservice.Cluster, name: str, patch: dict[str, Any]) -> None:
    from lightkube.types import PatchType

    cls = api.resource_class(API_VERSION, KIND)
    api.client.patch(cls, name, {"spec": patch}, namespace=api.namespace,
                     patch_type=PatchType.MERGE)  # fmt: skip


def children(api: modelservice.Cluster, name: str) -> dict[tuple[str, str], dict[str, Any]]:
    out = {}
    for api_version, kind in CHILD_KINDS:
        for obj in api.list(api_version, kind, labels={OWNER_LABEL: name}):
            out[(kind, obj["metadata"]["name"])] = obj
    return out


def deployment(api: modelservice.Cluster, name: str) -> dict[str, Any] | None:
    return api.get("apps/v1", "Deployment", name, api.namespace)


# ---------------------------------------------------------------- the lifecycle


def test_chart_defaults_become_ready_and_match_template(
    api: modelservice.Cluster, operator: Operator
) -> None:
    values = yaml.safe_load(DEFAULTS.read_text()) or {}
    api.create(model_service("demo", api.namespace, values))
    ms = wait_ready(api, "demo")
    uid = ms["metadata"]["uid"]
    status = ms["status"]
    assert status["decode"]["ready"] == "1/1" and status["prefill"]["ready"] == "1/1"
    assert status["model"] == "random/modelId"
    assert condition(ms, "Valid")["status"] == "True"
    assert condition(ms, "Degraded")["status"] == "False"

    rendered = modelservice.render(values, release="demo", namespace=api.namespace)
    live = children(api, "demo")
    assert {(o["kind"], o["metadata"]["name"]) for o in rendered} == set(live)
    assert {o["kind"]: o["name"] for o in status["owned"]} and len(status["owned"]) == len(rendered)
    for obj in rendered:
        have = live[(obj["kind"], obj["metadata"]["name"])]
        refs = have["metadata"]["ownerReferences"]
        assert refs == [{"apiVersion": API_VERSION, "kind": KIND, "name": "demo", "uid": uid,
                         "controller": True, "blockOwnerDeletion": True}]  # fmt: skip
        want = {k: v for k, v in copy.deepcopy(obj).items() if k not in ("apiVersion", "kind")}
        labels = want["metadata"].get("labels") or {}
        labels.pop("app.kubernetes.io/managed-by", None)  # the operator's, not Helm's
        assert first_difference(want, have) is None, (obj["kind"], first_difference(want, have))
        assert HASH_ANNOTATION in have["metadata"]["annotations"]


def test_update_replicas_then_turn_prefill_off(
    api: modelservice.Cluster, operator: Operator
) -> None:
    api.create(model_service("upd", api.namespace, {}))
    wait_ready(api, "upd")
    decode, prefill = "upd-llm-d-modelservice-decode", "upd-llm-d-modelservice-prefill"
    patch_spec(api, "upd", {"decode": {"replicas": 2}})
    wait_for(lambda: (deployment(api, decode) or {}).get("spec", {}).get("replicas") == 2, 60,
             what="decode replicas 2")  # fmt: skip
    ms = wait_ready(api, "upd")
    assert ms["status"]["decode"]["ready"] == "2/2"
    patch_spec(api, "upd", {"prefill": {"create": False}})
    wait_for(lambda: deployment(api, prefill) is None, 60, what="prefill deleted")
    ms = wait_ready(api, "upd")
    assert "prefill" not in ms["status"]
    assert all(o["name"] != prefill for o in ms["status"]["owned"])


def test_drift_is_corrected(api: modelservice.Cluster, operator: Operator) -> None:
    api.create(model_service("drift", api.namespace, light_spec()))
    wait_ready(api, "drift")
    name = "drift-llm-d-modelservice-decode"
    old_uid = deployment(api, name)["metadata"]["uid"]  # type: ignore[index]
    api.delete("apps/v1", "Deployment", name, api.namespace)
    recreated = wait_for(
        lambda: (d := deployment(api, name)) is not None and d["metadata"]["uid"] != old_uid,
        30, 0.2, what="decode Deployment recreated",
    )  # fmt: skip
    assert recreated
    from lightkube.types import PatchType

    cls = api.resource_class("apps/v1", "Deployment")
    api.client.patch(cls, name, {"spec": {"replicas": 4}}, namespace=api.namespace,
                     patch_type=PatchType.MERGE, field_manager="kubectl-scale")  # fmt: skip
    wait_for(lambda: (deployment(api, name) or {}).get("spec", {}).get("replicas") == 1, 30, 0.2,
             what="replicas restored")  # fmt: skip
    wait_ready(api, "drift")


def test_invalid_spec_reports_the_cli_message_and_keeps_children(
    api: modelservice.Cluster, operator: Operator
) -> None:
    api.create(model_service("inv", api.namespace, light_spec()))
    wait_ready(api, "inv")
    before = {k: o["metadata"]["resourceVersion"] for k, o in children(api, "inv").items()}
    bad = light_spec()
    bad["decode"]["containers"][0]["modelCommand"] = "vllmserve"
    patch_spec(api, "inv", {"decode": {"containers": bad["decode"]["containers"]}})
    with pytest.raises(modelservice.ValuesError) as err:
        modelservice.render(bad, release="inv", namespace=api.namespace)

    def invalid() -> dict[str, Any]:
        cond = condition(get_ms(api, "inv"), "Valid")
        return cond if cond.get("status") == "False" else {}

    cond = wait_for(invalid, 30, what="Valid=False")
    assert cond["reason"] == "InvalidSpec" and cond["message"] == str(err.value)
    assert "modelCommand" in cond["message"]
    time.sleep(6)  # a resync passes
    after = {k: o["metadata"]["resourceVersion"] for k, o in children(api, "inv").items()}
    assert after == before
    ms = get_ms(api, "inv")
    assert condition(ms, "Degraded")["reason"] == "InvalidSpec"
    # fixing the spec brings it back
    patch_spec(api, "inv", {"decode": {"containers": light_spec()["decode"]["containers"]}})
    wait_ready(api, "inv")
    assert condition(get_ms(api, "inv"), "Valid")["status"] == "True"


def test_status_says_why_pods_are_stuck(api: modelservice.Cluster, operator: Operator) -> None:
    spec = light_spec()
    spec["decode"]["nodeSelector"] = {"example.com/no-such-node": "true"}
    api.create(model_service("stuck", api.namespace, spec))

    def why() -> str:
        cond = condition(get_ms(api, "stuck"), "Ready")
        return str(cond.get("message", "")) if "unschedulable" in cond.get("message", "") else ""

    message = wait_for(why, 60, 1.0, what="Ready message naming the unschedulable pod")
    assert "Deployment/stuck-llm-d-modelservice-decode: 0/1 pods (unschedulable:" in message
    assert condition(get_ms(api, "stuck"), "Ready")["status"] == "False"


def test_deleting_the_model_service_removes_its_children(
    api: modelservice.Cluster, operator: Operator
) -> None:
    api.create(model_service("gone", api.namespace, {}))
    wait_ready(api, "gone")
    assert children(api, "gone")
    api.delete(API_VERSION, KIND, "gone", api.namespace)
    wait_for(lambda: not children(api, "gone"), 60, what="children garbage-collected")
    # and the operator does not bring them back
    time.sleep(6)
    assert not children(api, "gone")


def test_deletion_needs_no_running_operator(api: modelservice.Cluster, operator: Operator) -> None:
    api.create(model_service("nofin", api.namespace, light_spec()))
    ms = wait_ready(api, "nofin")
    assert not ms["metadata"].get("finalizers")
    operator.stop()
    api.delete(API_VERSION, KIND, "nofin", api.namespace)
    wait_for(lambda: get_ms(api, "nofin") is None, 10, what="ModelService deleted")
    wait_for(lambda: not children(api, "nofin"), 60, what="children garbage-collected")


def test_killed_and_restarted_mid_reconcile_converges(
    api: modelservice.Cluster, operator: Operator
) -> None:
    api.create(model_service("crash", api.namespace, {}))
    # kill it while it is applying the first objects
    wait_for(lambda: children(api, "crash"), 30, 0.05, what="first child applied")
    operator.kill()
    patch_spec(api, "crash", {"decode": {"replicas": 2}})  # changed while it is down
    operator.start()
    ms = wait_ready(api, "crash")
    assert ms["status"]["decode"]["ready"] == "2/2"
    assert len(children(api, "crash")) == len(modelservice.render({}, release="crash"))


def test_no_op_reconciles_are_read_only(api: modelservice.Cluster, operator: Operator) -> None:
    for i in range(3):
        api.create(model_service(f"noop{i}", api.namespace, light_spec() if i else {}))
    for i in range(3):
        wait_ready(api, f"noop{i}")
    time.sleep(3)
    start = operator.stats()
    wait_for(lambda: operator.stats().get("by_trigger", {}).get("resync", 0)
             >= start.get("by_trigger", {}).get("resync", 0) + 6, 30,
             what="two resyncs")  # fmt: skip
    end = operator.stats()
    noops = end["noop_reconciles"] - start["noop_reconciles"]
    requests = end["noop_requests"] - start["noop_requests"]
    assert noops >= 6
    assert requests == 0, f"{requests} API requests in {noops} no-op reconciles"
    assert end["applies"] == start["applies"] and end["status_patches"] == start["status_patches"]


def test_two_operators_never_both_act(api: modelservice.Cluster, operator_factory: Any) -> None:
    high = operator_factory("--priority", "200")
    low = operator_factory("--priority", "100")
    time.sleep(3)
    api.create(model_service("peer", api.namespace, light_spec()))
    wait_ready(api, "peer")
    time.sleep(6)
    assert high.stats().get("reconciles", 0) > 0
    assert low.stats().get("reconciles", 0) == 0, low.log()[-3000:]
    high.stop()  # the other one takes over
    patch_spec(api, "peer", {"decode": {"replicas": 2}})
    wait_for(lambda: (deployment(api, "peer-llm-d-modelservice-decode") or {})
             .get("spec", {}).get("replicas") == 2, 90, what="the standby took over")  # fmt: skip
    assert low.stats().get("reconciles", 0) > 0


# ---------------------------------------------------------------- scale


def test_scale(api: modelservice.Cluster, operator_factory: Any, record_property: Any) -> None:
    n = int(os.environ.get("MODELSERVICE_OPERATOR_SCALE", "20"))
    op = operator_factory("--resync", "30", "--workers", "16")
    time.sleep(2)
    started = time.monotonic()
    for i in range(n):
        api.create(model_service(f"s{i:04d}", api.namespace, light_spec()))
    created = time.monotonic() - started

    def all_ready() -> bool:
        items = api.list(API_VERSION, KIND)
        ready = sum(1 for ms in items if condition(ms, "Ready").get("status") == "True")
        op.peak_memory_mib()
        return ready == n

    wait_for(all_ready, 120 + n * 2, 1.0, what=f"{n} ModelServices Ready")
    to_ready = time.monotonic() - started
    # read-only when nothing changed: one full resync over every ModelService
    time.sleep(3)
    before = op.stats()
    wait_for(lambda: op.stats().get("by_trigger", {}).get("resync", 0)
             >= before.get("by_trigger", {}).get("resync", 0) + n, 90, 1.0,
             what="a full resync")  # fmt: skip
    after = op.stats()
    noops = after["noop_reconciles"] - before["noop_reconciles"]
    noop_requests = after["noop_requests"] - before["noop_requests"]
    peak = op.peak_memory_mib()
    # a restart: every ModelService is resumed, read-only as nothing changed
    op.stop()
    restarted = time.monotonic()
    op2 = operator_factory("--resync", "300", "--workers", "16")
    resumed = wait_for(lambda: (s := op2.stats()).get("by_trigger", {}).get("resume", 0) >= n
                       and s, 120 + n, 0.5, what="every ModelService resumed")  # fmt: skip
    resume_seconds = time.monotonic() - restarted
    result = {
        "modelservices": n,
        "create_seconds": round(created, 1),
        "seconds_to_all_ready": round(to_ready, 1),
        "operator_peak_rss_mib": round(peak, 1),
        "noop_reconciles": noops,
        "requests_per_noop_reconcile": noop_requests / noops if noops else None,
        "requests_total": after["requests"],
        "reconciles_total": after["reconciles"],
        "restart_seconds_to_resume_all": round(resume_seconds, 1),
        "requests_in_resume": resumed["requests"],
        "applies_in_resume": resumed["applies"],
    }
    for k, v in result.items():
        record_property(k, v)
    print(f"\noperator scale: {result}")
    assert noops >= n and noop_requests == 0
    assert resumed["applies"] == 0


# ---------------------------------------------------------------- least-privilege RBAC


def test_manifests_rbac_is_enough(
    cluster: Any, api: modelservice.Cluster, operator_factory: Any, tmp_path: Path
) -> None:
    """The operator runs as the ServiceAccount of `operator manifests --watch-namespace`,
    with only that RBAC, and reconciles the chart defaults (EPP Role and RoleBinding
    included: creating those needs every permission they grant)."""
    from lightkube.models.authentication_v1 import TokenRequestSpec
    from lightkube.models.meta_v1 import ObjectMeta
    from lightkube.resources.core_v1 import ServiceAccount

    from modelservice.operator.manifests import NAME, manifests

    ns = api.namespace
    suffix = ns[-6:]
    for obj in manifests(namespace=ns, watch_namespaces=[ns]):
        if obj["kind"] in ("Deployment", "Namespace", "CustomResourceDefinition"):
            continue
        if obj["kind"] in ("ClusterRole", "ClusterRoleBinding"):  # cluster-wide: unique names
            obj["metadata"]["name"] = f"{NAME}-{suffix}"
            if obj["kind"] == "ClusterRoleBinding":
                obj["roleRef"]["name"] = f"{NAME}-{suffix}"
        api.apply(obj, force=True)
    try:
        request = ServiceAccount.Token(
            metadata=ObjectMeta(), spec=TokenRequestSpec(audiences=[], expirationSeconds=3600)
        )
        token = cluster.client.create(request, NAME, namespace=ns).status.token
        admin = yaml.safe_load(Path(cluster.kubeconfig).read_text())
        ctx = next(c for c in admin["contexts"] if c["name"] == admin["current-context"])
        cl = next(c for c in admin["clusters"] if c["name"] == ctx["context"]["cluster"])
        kubeconfig = tmp_path / "operator.kubeconfig"
        kubeconfig.write_text(yaml.safe_dump({
            "apiVersion": "v1", "kind": "Config", "current-context": "sa",
            "clusters": [{"name": "c", "cluster": cl["cluster"]}],
            "users": [{"name": "sa", "user": {"token": token}}],
            "contexts": [{"name": "sa", "context": {"cluster": "c", "user": "sa",
                                                     "namespace": ns}}],
        }))  # fmt: skip
        op = operator_factory("--kubeconfig", str(kubeconfig))
        api.create(model_service("rbac", ns, {}))
        ms = wait_ready(api, "rbac")
        assert condition(ms, "Degraded")["status"] == "False"
        assert len(children(api, "rbac")) == len(modelservice.render({}, release="rbac"))
        assert "forbidden" not in op.log().lower(), op.log()[-3000:]
    finally:
        for kind in ("ClusterRoleBinding", "ClusterRole"):
            api.delete("rbac.authorization.k8s.io/v1", kind, f"{NAME}-{suffix}")
