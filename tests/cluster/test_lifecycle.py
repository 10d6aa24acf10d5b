"""Release lifecycle against the real API server of testenv/: install, upgrade, prune,
rollback, diff, drift repair, atomic failure, locking, crash recovery, and Helm interop."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from tests.clusterenv import token_kubeconfig

import modelservice
from modelservice.cluster.records import Record

pytestmark = pytest.mark.cluster

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
CASES = SHARED / "conformance" / "cases"
FACEBOOK = CASES / "example-facebook" / "values.yaml"
DEFAULTS = CASES / "chart-defaults" / "values.yaml"


def cli(kubeconfig: str, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KUBECONFIG": kubeconfig, "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "modelservice.cli.main", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def release(cluster: Any, name: str, namespace: str) -> modelservice.Release:
    return modelservice.Release(name, namespace=namespace, kubeconfig=cluster.kubeconfig)


def values(*files: Path, sets: tuple[str, ...] = ()) -> modelservice.Values:
    return modelservice.load_values(files=list(files), sets=list(sets))


def kinds_names(rel: modelservice.Release) -> set[tuple[str, str]]:
    """(kind, name) of the release's objects that exist on the cluster."""
    found = set()
    for kind, api in (
        ("Deployment", "apps/v1"),
        ("Service", "v1"),
        ("ServiceAccount", "v1"),
        ("Role", "rbac.authorization.k8s.io/v1"),
        ("RoleBinding", "rbac.authorization.k8s.io/v1"),
        ("HTTPRoute", "gateway.networking.k8s.io/v1"),
        ("InferencePool", "inference.networking.x-k8s.io/v1alpha2"),
        ("LeaderWorkerSet", "leaderworkerset.x-k8s.io/v1"),
    ):
        for obj in rel.cluster.list(api, kind, namespace=rel.namespace):
            labels = obj["metadata"].get("labels") or {}
            ann = obj["metadata"].get("annotations") or {}
            if ann.get("meta.helm.sh/release-name") == rel.name or labels.get("name") == rel.name:
                found.add((kind, obj["metadata"]["name"]))
    return found


def all_pods_ready(rel: modelservice.Release) -> tuple[int, int]:
    pods = rel.cluster.list("v1", "Pod", namespace=rel.namespace)
    ready = sum(
        1
        for p in pods
        if any(
            c.get("type") == "Ready" and c.get("status") == "True"
            for c in (p.get("status") or {}).get("conditions") or []
        )
    )
    return ready, len(pods)


# ---------------------------------------------------------------- install, helm interop


@pytest.mark.parametrize("values_file", [DEFAULTS, FACEBOOK], ids=["chart-defaults", "facebook"])
def test_install_wait_then_helm_sees_and_uninstalls(
    cluster: Any, namespace: str, values_file: Path, helm: Path
) -> None:
    rel = release(cluster, "ms", namespace)
    started = time.monotonic()
    rec = rel.install(values(values_file), wait=True, timeout=120)
    took = time.monotonic() - started
    assert rec.status == "deployed" and rec.version == 1
    ready, total = all_pods_ready(rel)
    assert total >= 3 and ready == total, f"{ready}/{total} pods ready"
    case = values_file.parent.name
    print(f"\ninstall --wait of {case}: {took:.1f}s, {rel.cluster.requests} API requests")

    env = {**os.environ, "KUBECONFIG": cluster.kubeconfig}
    out = subprocess.run(
        [str(helm), "list", "-n", namespace, "-o", "json"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    listed = json.loads(out)
    assert [(r["name"], r["revision"], r["status"]) for r in listed] == [("ms", "1", "deployed")]
    assert listed[0]["chart"] == "llm-d-modelservice-0.0.9"
    hist = json.loads(
        subprocess.run(
            [str(helm), "history", "ms", "-n", namespace, "-o", "json"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    assert [(h["revision"], h["status"]) for h in hist] == [(1, "deployed")]

    assert kinds_names(rel), "objects exist before helm uninstall"
    subprocess.run(
        [str(helm), "uninstall", "ms", "-n", namespace, "--wait", "--timeout", "120s"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert kinds_names(rel) == set()
    assert rel.history() == []


def test_install_request_budget(cluster: Any, namespace: str) -> None:
    """One apply per object plus the record writes (and a few reads)."""
    rel = release(cluster, "budget", namespace)
    objects = modelservice.render(values(FACEBOOK), release="budget", namespace=namespace)
    rel.cluster.requests = 0
    rel.install(values(FACEBOOK))
    requests = rel.cluster.requests
    print(f"\nAPI requests for install of example-facebook: {requests} for {len(objects)} objects")
    # per object an ownership read (Helm's rule) and an apply; record create and 1 update,
    # namespace check, history lists, discovery GETs
    assert requests <= 2 * len(objects) + 4 + 8


def test_install_refuses_existing_and_missing_namespace(cluster: Any, namespace: str) -> None:
    rel = release(cluster, "dup", namespace)
    rel.install(values(DEFAULTS))
    with pytest.raises(modelservice.ReleaseError, match="already exists"):
        rel.install(values(DEFAULTS))
    other = release(cluster, "dup", namespace + "-missing")
    with pytest.raises(modelservice.ClusterError, match=r"does not exist.*create_namespace"):
        other.install(values(DEFAULTS))


def test_dry_run_server_validates_and_stores_nothing(cluster: Any, namespace: str) -> None:
    proc = cli(
        cluster.kubeconfig,
        "install",
        "dry",
        "-n",
        namespace,
        "-f",
        str(FACEBOOK),
        "--dry-run=server",
    )
    assert proc.returncode == 0, proc.stderr
    assert "accepted all 10 objects" in proc.stdout and "nothing was stored" in proc.stdout
    fresh = cli(
        cluster.kubeconfig,
        "install",
        "dry",
        "-n",
        namespace + "-new",
        "-f",
        str(FACEBOOK),
        "--dry-run=server",
        "--create-namespace",
    )
    assert fresh.returncode == 0, fresh.stderr
    assert "can only be checked once the namespace exists" in fresh.stdout
    rel = release(cluster, "dry", namespace)
    assert rel.history() == [] and kinds_names(rel) == set()


# ---------------------------------------------------------------- upgrade, prune, rollback


def test_upgrade_prunes_and_rollback_restores(cluster: Any, namespace: str) -> None:
    rel = release(cluster, "pd", namespace)
    rel.install(values(FACEBOOK), wait=True, timeout=120)
    before = kinds_names(rel)
    assert ("Deployment", "pd-llm-d-modelservice-prefill") in before
    assert ("HTTPRoute", "pd-llm-d-modelservice") in before

    rel.upgrade(
        values(FACEBOOK, sets=("prefill.create=false", "routing.httpRoute.create=false")),
        wait=True,
        timeout=120,
    )
    after = kinds_names(rel)
    assert before - after == {
        ("Deployment", "pd-llm-d-modelservice-prefill"),
        ("HTTPRoute", "pd-llm-d-modelservice"),
    }

    proc = cli(cluster.kubeconfig, "rollback", "pd", "1", "-n", namespace, "--wait")
    assert proc.returncode == 0, proc.stderr
    assert kinds_names(rel) == before
    hist = [(r.version, r.status) for r in rel.history()]
    assert hist == [(1, "superseded"), (2, "superseded"), (3, "deployed")]
    proc = cli(cluster.kubeconfig, "history", "pd", "-n", namespace)
    assert proc.returncode == 0 and "Rollback to 1" in proc.stdout


def test_diff_shows_exactly_the_change(cluster: Any, namespace: str) -> None:
    rel = release(cluster, "df", namespace)
    rel.install(values(FACEBOOK))
    started = time.monotonic()
    same = cli(cluster.kubeconfig, "diff", "df", "-n", namespace, "-f", str(FACEBOOK))
    print(f"\ndiff (no change) took {time.monotonic() - started:.2f}s as a process")
    assert same.returncode == 0, same.stdout + same.stderr
    changed = cli(
        cluster.kubeconfig,
        "diff",
        "df",
        "-n",
        namespace,
        "-f",
        str(FACEBOOK),
        "--set",
        "decode.replicas=3",
    )
    assert changed.returncode == 2, changed.stderr
    plus = [
        line
        for line in changed.stdout.splitlines()
        if line.startswith("+") and not line.startswith("+++")
    ]
    minus = [
        line
        for line in changed.stdout.splitlines()
        if line.startswith("-") and not line.startswith("---")
    ]
    assert plus == ["+  replicas: 3"] and minus == ["-  replicas: 1"], changed.stdout
    assert "Deployment/df-llm-d-modelservice-decode (update)" in changed.stdout
    diffs = {
        (d.kind, d.name): d.action for d in rel.diff(values(FACEBOOK, sets=("decode.replicas=3",)))
    }
    assert [k for k, a in diffs.items() if a != "unchanged"] == [
        ("Deployment", "df-llm-d-modelservice-decode")
    ]


def test_status_reports_readiness(cluster: Any, namespace: str) -> None:
    rel = release(cluster, "st", namespace)
    rel.install(values(FACEBOOK), wait=True, timeout=120)
    started = time.monotonic()
    proc = cli(cluster.kubeconfig, "status", "st", "-n", namespace)
    print(f"\nstatus took {time.monotonic() - started:.2f}s as a process")
    assert proc.returncode == 0, proc.stderr
    assert "STATUS: deployed" in proc.stdout
    line = next(
        x
        for x in proc.stdout.splitlines()
        if x.startswith("Deployment/st-llm-d-modelservice-decode")
    )
    assert " yes " in line and "1/1" in line
    st = rel.status()
    assert st.ready and st.record.version == 1


MULTINODE = {
    "multinode": True,
    "modelArtifacts": {"uri": "hf://deepseek-ai/DeepSeek-V2-Lite"},
    "routing": {"modelName": "deepseek-ai/DeepSeek-V2-Lite"},
    "decode": {
        "replicas": 2,
        "parallelism": {"data": 4, "dataLocal": 2},
        "acceleratorTypes": {
            "labelKey": "nvidia.com/gpu.product",
            "labelValues": ["NVIDIA-H100-80GB-HBM3"],
        },
        "containers": [
            {
                "name": "vllm",
                "image": "ghcr.io/llm-d/llm-d:0.2.0",
                "modelCommand": "vllmServe",
                "mountModelVolume": True,
            }
        ],
    },
    "prefill": {
        "replicas": 1,
        "parallelism": {"data": 2, "dataLocal": 1},
        "containers": [
            {
                "name": "vllm",
                "image": "ghcr.io/llm-d/llm-d:0.2.0",
                "modelCommand": "imageDefault",
                "mountModelVolume": True,
            }
        ],
    },
}


def test_multinode_leaderworkersets_become_ready(cluster: Any, namespace: str) -> None:
    rel = release(cluster, "lws", namespace)
    rel.install(MULTINODE, wait=True, timeout=180)
    lws = rel.cluster.list("leaderworkerset.x-k8s.io/v1", "LeaderWorkerSet", namespace=namespace)
    assert {o["metadata"]["name"] for o in lws} == {
        "lws-llm-d-modelservice-decode",
        "lws-llm-d-modelservice-prefill",
    }
    ready, total = all_pods_ready(rel)
    # decode: 2 groups of 2 pods; prefill: 1 group of 2 pods; and the EPP
    assert total == 2 * 2 + 2 + 1 and ready == total
    pods = rel.cluster.list(
        "v1",
        "Pod",
        namespace=namespace,
        labels={"leaderworkerset.sigs.k8s.io/name": "lws-llm-d-modelservice-decode"},
    )
    leaders = [
        p
        for p in pods
        if p["metadata"]["labels"].get("leaderworkerset.sigs.k8s.io/worker-index") == "0"
    ]
    assert len(leaders) == 2
    assert all(p["spec"]["initContainers"][0]["name"] == "routing-proxy" for p in leaders)


def test_manual_scale_is_restored_by_upgrade(cluster: Any, namespace: str) -> None:
    rel = release(cluster, "drift", namespace)
    rel.install(values(FACEBOOK))
    name = "drift-llm-d-modelservice-decode"
    from lightkube.resources.apps_v1 import Deployment

    cluster.client.patch(
        Deployment,
        name,
        {"spec": {"replicas": 4}},
        namespace=namespace,
        field_manager="kubectl-edit",
    )
    assert rel.cluster.get("apps/v1", "Deployment", name, namespace)["spec"]["replicas"] == 4
    rel.upgrade(values(FACEBOOK))
    assert rel.cluster.get("apps/v1", "Deployment", name, namespace)["spec"]["replicas"] == 1


# ---------------------------------------------------------------- failures


def test_atomic_upgrade_failure_keeps_previous_revision(cluster: Any, namespace: str) -> None:
    rel = release(cluster, "atom", namespace)
    rel.install(values(FACEBOOK), wait=True, timeout=120)
    # 16 GPUs per pod fit no simulated node: the pods stay Pending, the wait times out.
    bad = values(FACEBOOK, sets=("decode.parallelism.tensor=16",))
    with pytest.raises(modelservice.ReleaseError, match=r"(?s)timed out.*unschedulable") as err:
        rel.upgrade(bad, wait=True, timeout=15, atomic=True)
    assert "rolled back" in str(err.value)
    hist = [(r.version, r.status) for r in rel.history()]
    assert hist == [(1, "deployed"), (2, "failed")]
    dep = rel.cluster.get("apps/v1", "Deployment", "atom-llm-d-modelservice-decode", namespace)
    limits = dep["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]
    assert limits["nvidia.com/gpu"] == "1"
    rel.wait([dep], timeout=60)


def test_atomic_upgrade_rejected_object_keeps_previous_revision(
    cluster: Any, namespace: str
) -> None:
    rel = release(cluster, "rej", namespace)
    rel.install(values(FACEBOOK))
    # A label value longer than 63 characters passes our schema but not the API server.
    proc = cli(
        cluster.kubeconfig,
        "upgrade",
        "rej",
        "-n",
        namespace,
        "-f",
        str(FACEBOOK),
        "--set",
        "prefill.podLabels.team=" + "x" * 70,
        "--atomic",
        "--timeout",
        "30s",
    )
    assert proc.returncode == 1
    assert "rejected" in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
    assert "rolled back" in proc.stderr
    assert [(r.version, r.status) for r in rel.history()] == [(1, "deployed"), (2, "failed")]
    dep = rel.cluster.get("apps/v1", "Deployment", "rej-llm-d-modelservice-prefill", namespace)
    assert "team" not in dep["spec"]["template"]["metadata"]["labels"]


def test_missing_crd_is_explained(cluster: Any, namespace: str) -> None:
    rel = release(cluster, "nocrd", namespace)
    with pytest.raises(modelservice.ClusterError, match="not served by this cluster"):
        rel.install(
            {
                "extraObjects": [
                    {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}
                ]
            }
        )
    assert rel.history() == [] and kinds_names(rel) == set()


def test_concurrent_upgrades_one_wins(cluster: Any, namespace: str) -> None:
    """While one upgrade holds the release (its pods cannot schedule, so it is still
    waiting), a second one is refused and says why; the first ends as it would alone.
    (Racing two upgrades started together proves nothing once an upgrade takes less time
    than starting a process: they run one after the other.)"""
    rel = release(cluster, "race", namespace)
    rel.install(values(FACEBOOK))
    env = {**os.environ, "KUBECONFIG": cluster.kubeconfig}
    holder = subprocess.Popen(
        [sys.executable, "-m", "modelservice.cli.main", "upgrade", "race", "-n", namespace,
         "-f", str(FACEBOOK), "--set", "decode.replicas=2",
         "--set", "decode.nodeSelector.pool=nowhere", "--wait", "--timeout", "8s"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and holder.poll() is None:
        hist = rel.history()
        if hist and hist[-1].status == "pending-upgrade":
            break
        time.sleep(0.05)
    assert [r.status for r in rel.history()] == ["deployed", "pending-upgrade"]
    loser = cli(cluster.kubeconfig, "upgrade", "race", "-n", namespace, "-f", str(FACEBOOK),
                "--set", "decode.replicas=3", "--wait")  # fmt: skip
    assert loser.returncode == 1, loser.stdout + loser.stderr
    assert "another" in loser.stderr and "Traceback" not in loser.stderr, loser.stderr
    _, err = holder.communicate(timeout=120)
    assert holder.returncode == 1 and "Traceback" not in err, err  # its pods never schedule
    # as Helm: a failed upgrade leaves the revision before it deployed
    assert [r.status for r in rel.history()] == ["deployed", "failed"]


def test_sigkill_mid_install_then_forced_recovery(cluster: Any, namespace: str) -> None:
    env = {**os.environ, "KUBECONFIG": cluster.kubeconfig}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "modelservice.cli.main",
            "install",
            "crash",
            "-n",
            namespace,
            "-f",
            str(FACEBOOK),
            "--wait",
            "--timeout",
            "6s",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    rel = release(cluster, "crash", namespace)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        hist = rel.history()
        if hist and hist[-1].status == "pending-install":
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert [r.status for r in rel.history()] == ["pending-install"]

    locked = cli(
        cluster.kubeconfig, "upgrade", "crash", "-n", namespace, "-f", str(FACEBOOK), "--install"
    )
    assert locked.returncode == 1 and "locked" in locked.stderr
    # --force takes the lock over only after the dead holder's own deadline (6s), whatever
    # the taker's --timeout
    early = cli(cluster.kubeconfig, "upgrade", "crash", "-n", namespace, "-f", str(FACEBOOK),
                "--install", "--force", "--timeout", "1s")  # fmt: skip
    assert early.returncode == 1 and "once its deadline has passed" in early.stderr
    deadline = (rel.history()[-1].lock_deadline or 0) - time.time()
    time.sleep(max(0.0, deadline) + 0.5)
    ok = cli(
        cluster.kubeconfig,
        "upgrade",
        "crash",
        "-n",
        namespace,
        "-f",
        str(FACEBOOK),
        "--install",
        "--force",
        "--timeout",
        "1s",
    )
    assert ok.returncode == 0, ok.stderr
    assert [(r.version, r.status) for r in rel.history()] == [(1, "superseded"), (2, "deployed")]


def test_records_decode_like_helm(cluster: Any, namespace: str) -> None:
    rel = release(cluster, "rec", namespace)
    rel.install(values(DEFAULTS, sets=("decode.replicas=2",)))
    secret = rel.cluster.get("v1", "Secret", "sh.helm.release.v1.rec.v1", namespace)
    assert secret is not None and secret["type"] == "helm.sh/release.v1"
    labels = secret["metadata"]["labels"]
    assert {k: labels.get(k) for k in ("name", "owner", "status", "version")} == {
        "name": "rec",
        "owner": "helm",
        "status": "deployed",
        "version": "1",
    }
    rec = Record.from_secret(secret)
    assert rec is not None and rec.config == {"decode": {"replicas": 2}}
    assert "kind: Deployment" in rec.manifest


# ---------------------------------------------------------------- more lifecycle rules


def test_history_max_and_keep_policy(cluster: Any, namespace: str) -> None:
    keep_cm = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "kept", "annotations": {"helm.sh/resource-policy": "keep"}},
        "data": {"a": "1"},
    }
    plain_cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "dropped"}}
    rel = release(cluster, "hist", namespace)
    rel.install({"extraObjects": [keep_cm, plain_cm]})
    for n in range(2, 6):
        rel.upgrade({"decode": {"replicas": n}}, history_max=2)
    assert [(r.version, r.status) for r in rel.history()] == [(4, "superseded"), (5, "deployed")]
    # the upgrades no longer render either ConfigMap: the kept one stays, the other goes
    assert rel.cluster.get("v1", "ConfigMap", "kept", namespace) is not None
    assert rel.cluster.get("v1", "ConfigMap", "dropped", namespace) is None


def test_field_conflict_names_the_owner(cluster: Any, namespace: str) -> None:
    rel = release(cluster, "own", namespace)
    rel.install(values(FACEBOOK))
    name = "own-llm-d-modelservice-decode"
    from lightkube.resources.apps_v1 import Deployment

    cluster.client.patch(
        Deployment, name, {"spec": {"replicas": 3}}, namespace=namespace, field_manager="autoscaler"
    )
    proc = cli(
        cluster.kubeconfig,
        "upgrade",
        "own",
        "-n",
        namespace,
        "-f",
        str(FACEBOOK),
        "--no-force-conflicts",
    )
    assert proc.returncode == 1
    assert "owned by another field manager" in proc.stderr and "autoscaler" in proc.stderr
    assert "--force-conflicts" in proc.stderr
    assert rel.cluster.get("apps/v1", "Deployment", name, namespace)["spec"]["replicas"] == 3


def test_rbac_forbidden_names_verb_and_resource(
    cluster: Any, namespace: str, tmp_path: Path
) -> None:
    """A user without rights gets told which verb on which resource was refused."""
    restricted = token_kubeconfig(cluster, namespace, "nobody", tmp_path / "nobody.kubeconfig")
    proc = cli(restricted, "install", "nope", "-n", namespace, "-f", str(DEFAULTS))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "forbidden" in proc.stderr and "RBAC" in proc.stderr, proc.stderr
    assert "cannot" in proc.stderr, proc.stderr  # the server names the verb and resource


def test_unreachable_api_server_is_explained(tmp_path: Path, cluster: Any) -> None:
    import yaml

    config = yaml.safe_load(Path(cluster.kubeconfig).read_text())
    for c in config["clusters"]:
        c["cluster"]["server"] = "https://127.0.0.1:1"
    dead = tmp_path / "dead.kubeconfig"
    dead.write_text(yaml.safe_dump(config))
    proc = cli(str(dead), "status", "x", "-n", "default", timeout=60)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "cannot reach the Kubernetes API server at https://127.0.0.1:1" in proc.stderr


def test_helm_rollback_of_ours_and_ours_of_helms(
    cluster: Any, namespace: str, helm: Path, tmp_path: Path
) -> None:
    """Interop both ways: helm rolls back a release of ours, and we read and remove one of
    helm's."""
    env = {**os.environ, "KUBECONFIG": cluster.kubeconfig}
    rel = release(cluster, "ours", namespace)
    rel.install(values(DEFAULTS))
    rel.upgrade(values(DEFAULTS, sets=("decode.replicas=3",)))
    subprocess.run(
        [str(helm), "rollback", "ours", "1", "-n", namespace],
        env=env,
        check=True,
        capture_output=True,
    )
    dep = rel.cluster.get("apps/v1", "Deployment", "ours-llm-d-modelservice-decode", namespace)
    assert dep["spec"]["replicas"] == 1
    assert [(r.version, r.status) for r in rel.history()][-1] == (3, "deployed")
    rel.upgrade(values(DEFAULTS, sets=("decode.replicas=2",)))  # and we carry on after helm
    assert rel.history()[-1].version == 4

    chart = tmp_path / "tiny"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text(
        "apiVersion: v2\nname: tiny\nversion: 1.2.3\nappVersion: '9'\n"
    )
    (chart / "templates" / "cm.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\n"
        "metadata:\n  name: {{ .Release.Name }}-cm\ndata:\n  a: b\n"
    )
    subprocess.run(
        [str(helm), "install", "theirs", str(chart), "-n", namespace],
        env=env,
        check=True,
        capture_output=True,
    )
    listed = cli(cluster.kubeconfig, "list", "-n", namespace)
    line = next(x for x in listed.stdout.splitlines() if x.startswith("theirs "))
    assert "tiny-1.2.3" in line and "deployed" in line
    status = cli(cluster.kubeconfig, "status", "theirs", "-n", namespace)
    assert "ConfigMap/theirs-cm" in status.stdout and "yes" in status.stdout
    gone = cli(cluster.kubeconfig, "uninstall", "theirs", "-n", namespace)
    assert gone.returncode == 0, gone.stderr
    assert rel.cluster.get("v1", "ConfigMap", "theirs-cm", namespace) is None
    out = subprocess.run(
        [str(helm), "list", "-n", namespace, "-q"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert out.split() == ["ours"]
