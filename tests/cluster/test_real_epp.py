"""The rendered routing really works: the real endpoint picker runs against a release.

For each InferencePool version the renderer supports, a release is installed on the test
cluster and the Gateway API Inference Extension's own EPP binary of the matching era
(built by testenv from the Go module proxy) is started locally with the args of the
rendered EPP container, as the rendered ServiceAccount. It must report SERVING, see the
release's ready decode pods, answer a gateway's ext-proc request with one of those pods'
``IP:port``, and follow the decode Deployment down to 0 pods and back.
"""

from __future__ import annotations

import copy
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from lightkube.models.meta_v1 import ObjectMeta
from lightkube.models.rbac_v1 import PolicyRule, RoleRef, Subject
from lightkube.resources.core_v1 import Pod, ServiceAccount
from lightkube.resources.rbac_authorization_v1 import (
    ClusterRole,
    ClusterRoleBinding,
    Role,
)
from tests.cluster.eppclient import EppProcess, run_epp, service_account_kubeconfig, token_for
from tests.clusterenv import REPO

import modelservice

pytestmark = pytest.mark.cluster

EXT_PROC = "envoy.service.ext_proc.v3.ExternalProcessor"
BINARY_RE = re.compile(r"^testenv binary: (?P<name>[\w.-]+)=(?P<path>\S+)$", re.M)

#: pool apiVersion -> the EPP binary testenv builds for it, the resources that era's
#: picker watches, and what else it needs in the values.
ERAS: dict[str, dict[str, Any]] = {
    "inference.networking.k8s.io/v1": {
        "binary": "epp-v1.0.1",
        "watches": ("inferencepools", "inferenceobjectives", "pods"),
        "values": {},
    },
    "inference.networking.x-k8s.io/v1alpha2": {
        "binary": "epp-v0.4.0",
        "watches": ("inferencepools", "inferencemodels", "pods"),
        # A v0.x picker answers every request for a model without an InferenceModel with
        # "error finding a model object in InferenceModel"; Critical skips its saturation
        # check, which pods without live metrics would fail.
        "values": {"routing": {"inferenceModel": {"create": True, "criticality": "Critical"}}},
    },
}


#: The API server's refusal as the picker logs it (JSON-escaped in its zap log).
FORBIDDEN = r'cannot (?:list|watch|get) resource \\?"{}\\?"'


@pytest.fixture(scope="session")
def epp_binaries() -> dict[str, Path]:
    """The EPP binaries testenv builds (cached; CI builds them before the tests)."""
    proc = subprocess.run(
        [sys.executable, str(REPO / "testenv" / "run"), "--build-only"],
        capture_output=True,
        text=True,
        timeout=3600,
        check=False,
    )
    found = {m["name"]: Path(m["path"]) for m in BINARY_RE.finditer(proc.stdout)}
    if proc.returncode != 0 or not all(e["binary"] in found for e in ERAS.values()):
        pytest.fail(
            f"testenv/run --build-only did not build the EPPs (exit {proc.returncode}):\n"
            f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}",
            pytrace=False,
        )
    return found


@pytest.fixture(scope="session")
def metrics_reader(cluster: Any) -> Iterator[dict[str, str]]:
    """A token allowed to read /metrics, and the ClusterRole an EPP's ServiceAccount needs
    to check such tokens (the picker's metrics endpoint authenticates and authorizes every
    scrape with TokenReview and SubjectAccessReview, cluster-scoped APIs that no Role can
    grant: see the README)."""
    client = cluster.client
    ns = "default"
    name = f"epp-metrics-{uuid.uuid4().hex[:6]}"
    reviewer = f"{name}-reviewer"
    made: list[Any] = [
        ServiceAccount(metadata=ObjectMeta(name=name, namespace=ns)),
        ClusterRole(
            metadata=ObjectMeta(name=name),
            rules=[PolicyRule(nonResourceURLs=["/metrics"], verbs=["get"])],
        ),
        ClusterRoleBinding(
            metadata=ObjectMeta(name=name),
            roleRef=RoleRef(apiGroup="rbac.authorization.k8s.io", kind="ClusterRole", name=name),
            subjects=[Subject(kind="ServiceAccount", name=name, namespace=ns)],
        ),
        ClusterRole(
            metadata=ObjectMeta(name=reviewer),
            rules=[
                PolicyRule(
                    apiGroups=["authentication.k8s.io"],
                    resources=["tokenreviews"],
                    verbs=["create"],
                ),
                PolicyRule(
                    apiGroups=["authorization.k8s.io"],
                    resources=["subjectaccessreviews"],
                    verbs=["create"],
                ),
            ],
        ),
    ]
    for obj in made:
        client.create(obj)
    try:
        yield {"token": token_for(client, name, ns), "reviewer": reviewer}
    finally:
        for obj in reversed(made):
            client.delete(type(obj), obj.metadata.name, namespace=obj.metadata.namespace)


@pytest.fixture
def allow_auth_reviews(cluster: Any, metrics_reader: dict[str, str]) -> Iterator[Any]:
    """Bind the reviewer ClusterRole to an EPP ServiceAccount (removed afterwards)."""
    made: list[str] = []

    def bind(sa: str, namespace: str) -> None:
        name = f"{namespace}-{sa}"[:63]
        cluster.client.create(
            ClusterRoleBinding(
                metadata=ObjectMeta(name=name),
                roleRef=RoleRef(
                    apiGroup="rbac.authorization.k8s.io",
                    kind="ClusterRole",
                    name=metrics_reader["reviewer"],
                ),
                subjects=[Subject(kind="ServiceAccount", name=sa, namespace=namespace)],
            )
        )
        made.append(name)

    yield bind
    for name in made:
        cluster.client.delete(ClusterRoleBinding, name)


def release_values(pool_api: str, decode_replicas: int) -> dict[str, Any]:
    values: dict[str, Any] = {
        "modelArtifacts": {"uri": "hf://facebook/opt-125m"},
        "routing": {"modelName": "facebook/opt-125m", "inferencePool": {"apiVersion": pool_api}},
        "decode": {
            "replicas": decode_replicas,
            "containers": [
                {
                    "name": "vllm",
                    "image": "ghcr.io/llm-d/llm-d-inference-sim:0.0.4",
                    "modelCommand": "imageDefault",
                }
            ],
        },
        "prefill": {"create": False},
    }
    extra = ERAS[pool_api]["values"]
    values["routing"].update(copy.deepcopy(extra.get("routing", {})))
    return values


def decode_endpoints(cluster: Any, namespace: str, port: int) -> dict[str, str]:
    """Ready decode pods: name -> ``IP:port`` of the pool's target port."""
    out = {}
    for pod in cluster.client.list(Pod, namespace=namespace, labels={"llm-d.ai/role": "decode"}):
        conds = {c.type: c.status for c in (pod.status.conditions or [])}
        if conds.get("Ready") == "True" and pod.status.podIP and not pod.metadata.deletionTimestamp:
            out[pod.metadata.name] = f"{pod.status.podIP}:{port}"
    return out


def eventually(check: Any, timeout: float = 60, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}; last: {last!r}")


def pick(epp: EppProcess, model: str) -> Any:
    # A new prompt each time: a prefix-cache scorer would otherwise keep choosing one pod.
    return epp.ext_proc(model, f"say something {uuid.uuid4().hex}")


@pytest.mark.parametrize("pool_api", list(ERAS))
def test_real_epp_picks_a_decode_pod(
    pool_api: str,
    cluster: Any,
    namespace: str,
    epp_binaries: dict[str, Path],
    metrics_reader: dict[str, str],
    allow_auth_reviews: Any,
    tmp_path: Path,
) -> None:
    rel = modelservice.Release("picker", namespace=namespace, kubeconfig=cluster.kubeconfig)
    values = release_values(pool_api, decode_replicas=2)
    rel.install(values, wait=True, timeout=120)
    objects = modelservice.render(values, release="picker", namespace=namespace)
    sa = next(
        o
        for o in objects
        if o["kind"] == "ServiceAccount" and o["metadata"]["name"].endswith("-epp")
    )
    sa_name = sa["metadata"]["name"]
    token = metrics_reader["token"]
    kubeconfig = service_account_kubeconfig(
        cluster.client, cluster.kubeconfig, sa_name, namespace, tmp_path / "epp.kubeconfig"
    )
    probe_service = next(
        o for o in objects if o["kind"] == "Deployment" and o["metadata"]["name"] == sa_name
    )["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["grpc"]["service"]
    model = values["routing"]["modelName"]
    target_port = 8000  # routing.servicePort: the pool's target port

    with run_epp(epp_binaries[ERAS[pool_api]["binary"]], objects, kubeconfig, tmp_path) as epp:
        status = epp.wait_health(probe_service)
        assert status == "SERVING", f"health {status}; log tail:\n{epp.tail()}"
        # Its metrics check each scraper's token with TokenReview/SubjectAccessReview, which
        # no Role can grant (the README says so): refused until a ClusterRole allows them.
        assert epp.metrics_status(token) == 500
        allow_auth_reviews(sa_name, namespace)
        eventually(lambda: epp.metrics_status(token) == 200, what="metrics readable")

        # It sees exactly the release's ready decode pods.
        pods = decode_endpoints(cluster, namespace, target_port)
        assert len(pods) == 2
        seen = eventually(lambda: epp.pods_seen(token) == set(pods), what="the pods in metrics")
        assert seen

        # A gateway's request gets one of those pods as its destination.
        epp.wait_ext_proc()
        answer = pick(epp, model)
        assert answer.status is None, f"refused ({answer.status}): {answer.message}"
        assert answer.destination in pods.values(), (answer, pods)
        assert answer.header == answer.destination
        assert epp.relay is not None and epp.relay.peer_cert, "ext-proc was not served over TLS"
        chosen = {pick(epp, model).destination for _ in range(30)}
        assert chosen <= set(pods.values())
        # A model the release does not serve: a v0.x picker needs an InferenceModel for
        # every model name; a v1 one treats it as any other (InferenceObjectives only set
        # priorities).
        stranger = pick(epp, "no-such-model")
        if pool_api.endswith("/v1alpha2"):
            assert stranger.destination is None
            assert "error finding a model object in InferenceModel" in stranger.message
        else:
            assert stranger.destination in pods.values(), stranger

        # Scale decode to 0: the picker has no pod left and says so.
        rel.upgrade(release_values(pool_api, decode_replicas=0), wait=True, timeout=120)
        eventually(lambda: not decode_endpoints(cluster, namespace, target_port), what="no pods")
        eventually(lambda: epp.pods_seen(token) == set(), what="empty datastore")
        refusal = pick(epp, model)
        assert refusal.destination is None
        assert refusal.status in (429, 503), refusal
        assert epp.health(probe_service) == "SERVING"

        # And back: the new pods are picked.
        rel.upgrade(release_values(pool_api, decode_replicas=1), wait=True, timeout=120)
        pods = eventually(lambda: decode_endpoints(cluster, namespace, target_port), what="a pod")
        eventually(lambda: epp.pods_seen(token) == set(pods), what="the new pod")
        answer = pick(epp, model)
        assert answer.destination == next(iter(pods.values())), answer

        # The rendered Role was enough for everything it watches, and it is still running.
        refused = re.findall(FORBIDDEN.format(r'[^"\\]+'), epp.log_text())
        assert not refused, refused
        assert epp.proc.poll() is None
    (tmp_path / "answer.txt").write_text(repr(answer.raw))


@pytest.mark.parametrize(
    ("pool_api", "resource"),
    [(api, res) for api, era in ERAS.items() for res in era["watches"]],
)
def test_real_epp_needs_each_rendered_rule(
    pool_api: str,
    resource: str,
    cluster: Any,
    namespace: str,
    epp_binaries: dict[str, Path],
    tmp_path: Path,
) -> None:
    """Each rule of the rendered Role is one the picker uses: without it the API server
    refuses the picker's watch (the other test shows the whole Role is enough: no refusal)."""
    values = release_values(pool_api, decode_replicas=1)
    rel = modelservice.Release("picker", namespace=namespace, kubeconfig=cluster.kubeconfig)
    rel.install(values, wait=True, timeout=120)
    objects = modelservice.render(values, release="picker", namespace=namespace)
    role = next(o for o in objects if o["kind"] == "Role")
    rules = copy.deepcopy(role["rules"])
    for rule in rules:
        rule["resources"] = [r for r in rule["resources"] if r != resource]
    rules = [r for r in rules if r["resources"]]
    assert rules != role["rules"], f"the rendered Role has no rule for {resource}"
    client = cluster.client
    client.patch(Role, role["metadata"]["name"], {"rules": rules}, namespace=namespace)
    kubeconfig = service_account_kubeconfig(
        client, cluster.kubeconfig, role["metadata"]["name"], namespace, tmp_path / "kc"
    )
    with run_epp(epp_binaries[ERAS[pool_api]["binary"]], objects, kubeconfig, tmp_path) as epp:
        eventually(
            lambda: re.search(FORBIDDEN.format(resource), epp.log_text()),
            timeout=60,
            what=f"the API server refusing {resource} to the picker",
        )
        if resource in ("inferencepools", "pods"):
            # Without its pool, or the pods of it, the picker never gets ready.
            assert epp.health(EXT_PROC) == "NOT_SERVING"


def test_status_says_what_the_picker_lacks(cluster: Any, namespace: str) -> None:
    """``status`` checks the EPP's pool, its RBAC and the pool's ready pods by name."""
    pool_api = "inference.networking.k8s.io/v1"
    rel = modelservice.Release("picker", namespace=namespace, kubeconfig=cluster.kubeconfig)
    rel.install(release_values(pool_api, decode_replicas=2), wait=True, timeout=120)

    def epp_status() -> Any:
        st = rel.status()
        return next(
            o
            for o in st.objects
            if o.readiness.name.endswith("-epp") and o.readiness.kind == "Deployment"
        )

    healthy = epp_status()
    assert healthy.problem == ""
    assert healthy.note == "picks from InferencePool picker-llm-d-modelservice, 2 ready pods"

    client = cluster.client
    role = next(
        o
        for o in modelservice.render(
            release_values(pool_api, decode_replicas=2), release="picker", namespace=namespace
        )
        if o["kind"] == "Role"
    )
    rules = [r for r in role["rules"] if "inferenceobjectives" not in r["resources"]]
    client.patch(Role, role["metadata"]["name"], {"rules": rules}, namespace=namespace)
    assert "may not list InferenceObjectives (inferenceobjectives)" in epp_status().problem

    rel.upgrade(release_values(pool_api, decode_replicas=0), wait=True, timeout=120)
    eventually(
        lambda: "selects no ready pod" in epp_status().problem, what="the empty pool reported"
    )
    assert "may not list" not in epp_status().problem  # the upgrade re-applied the Role
