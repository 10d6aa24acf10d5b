"""Capacity plans: quantities, pod requests, node eligibility, first-fit packing, the CLI."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path
from typing import Any, ClassVar

import pytest

from modelservice import load_values
from modelservice.planning.packing import (
    Node,
    PodDemand,
    QuantityError,
    Taint,
    eligible,
    format_quantity,
    matches_affinity,
    node_from_object,
    pack,
    parse_quantity,
    pod_requests,
    to_units,
    tolerates,
)
from modelservice.planning.plan import plan
from tests.unit.helpers import REPO_ROOT, run_cli

CaptureFixture = pytest.CaptureFixture[str]
GPU = "nvidia.com/gpu"
GI = 2**30
H100 = "NVIDIA-H100-80GB-HBM3"
WIDE_EP = REPO_ROOT / "examples" / "wide-ep-lws.yaml"
PD = REPO_ROOT / "examples" / "pd-gpu-hf.yaml"


def run(argv: list[str], capsys: CaptureFixture) -> tuple[int, str, str]:
    return run_cli(argv, capsys)


def gpu_node(name: str, gpus: int = 8, product: str = H100, **kw: Any) -> Node:
    return Node(
        name,
        labels={"nvidia.com/gpu.product": product, **kw.pop("labels", {})},
        allocatable={GPU: gpus, "cpu": 64_000, "memory": 512 * GI, "pods": 110},
        **kw,
    )


def cpu_node(name: str) -> Node:
    return Node(name, allocatable={"cpu": 8_000, "memory": 32 * GI, "pods": 110})


def demand(role: str = "decode", gpus: int = 8, **kw: Any) -> PodDemand:
    requests = {"cpu": 1000, "memory": GI}
    if gpus:
        requests[GPU] = gpus
    return PodDemand(
        role,
        requests,
        kw.get("node_selector", {}),
        kw.get("affinity"),
        tuple(kw.get("tolerations", ())),
    )


def affinity(*exprs: dict[str, Any]) -> dict[str, Any]:
    return {
        "nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [{"matchExpressions": list(exprs)}]
            }
        }
    }


# --------------------------------------------------------------------------- quantities


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("500m", Fraction(1, 2)),
        ("2", Fraction(2)),
        (8, Fraction(8)),
        ("1.5", Fraction(3, 2)),
        ("16Gi", Fraction(16 * GI)),
        ("1k", Fraction(1000)),
        ("1e3", Fraction(1000)),
        ("100Mi", Fraction(100 * 2**20)),
        ("1Ti", Fraction(2**40)),
        (0.25, Fraction(1, 4)),
    ],
)
def test_parse_quantity(text: Any, value: Fraction) -> None:
    assert parse_quantity(text) == value


@pytest.mark.parametrize("bad", ["", "abc", "1Gb", "1 Gi", True])
def test_parse_quantity_rejects(bad: Any) -> None:
    with pytest.raises(QuantityError):
        parse_quantity(bad)


def test_units_and_formatting() -> None:
    assert to_units("cpu", "100m") == 100 and to_units("cpu", 8) == 8000
    assert to_units("cpu", "0.0001") == 1  # rounded up
    assert to_units("memory", "64Gi") == 64 * GI
    assert format_quantity("cpu", 8000) == "8" and format_quantity("cpu", 250) == "250m"
    assert format_quantity("memory", 64 * GI) == "64Gi"
    assert format_quantity("memory", 2**40) == "1Ti"
    assert format_quantity(GPU, 8) == "8"


def test_pod_requests_containers_sidecars_and_init() -> None:
    spec = {
        "containers": [
            {"resources": {"requests": {"cpu": "1", "memory": "1Gi"}}},
            {"resources": {"limits": {"cpu": "500m", GPU: "2"}}},  # requests default to limits
        ],
        "initContainers": [
            {"restartPolicy": "Always", "resources": {"requests": {"cpu": "250m"}}},
            {"resources": {"requests": {"memory": "8Gi", "cpu": "100m"}}},
        ],
    }
    assert pod_requests(spec) == {"cpu": 1750, "memory": 8 * GI, GPU: 2}
    assert pod_requests({"containers": [{}]}) == {}


# --------------------------------------------------------------------------- eligibility


def test_tolerations() -> None:
    taint = Taint(GPU, "present", "NoSchedule")
    assert tolerates([{"key": GPU, "operator": "Exists"}], taint)
    assert tolerates([{"operator": "Exists"}], taint)
    assert tolerates([{"key": GPU, "value": "present"}], taint)
    assert tolerates([{"key": GPU, "value": "present", "effect": "NoSchedule"}], taint)
    assert not tolerates([{"key": GPU, "value": "other"}], taint)
    assert not tolerates([{"key": GPU, "operator": "Exists", "effect": "NoExecute"}], taint)
    assert not tolerates([], taint)


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ({"key": "zone", "operator": "In", "values": ["a", "b"]}, True),
        ({"key": "zone", "operator": "In", "values": ["c"]}, False),
        ({"key": "zone", "operator": "NotIn", "values": ["c"]}, True),
        ({"key": "zone", "operator": "NotIn", "values": ["a"]}, False),
        ({"key": "missing", "operator": "NotIn", "values": ["a"]}, True),
        ({"key": "zone", "operator": "Exists"}, True),
        ({"key": "missing", "operator": "Exists"}, False),
        ({"key": "missing", "operator": "DoesNotExist"}, True),
        ({"key": "zone", "operator": "DoesNotExist"}, False),
        ({"key": "gen", "operator": "Gt", "values": ["3"]}, True),
        ({"key": "gen", "operator": "Lt", "values": ["3"]}, False),
    ],
)
def test_affinity_operators(expr: dict[str, Any], expected: bool) -> None:
    node = Node("n", labels={"zone": "a", "gen": "5"})
    assert matches_affinity(affinity(expr), node) is expected


def test_affinity_terms_are_ored_and_expressions_anded() -> None:
    node = Node("n", labels={"zone": "a", "tier": "x"})
    terms = {
        "nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [
                    {"matchExpressions": [{"key": "zone", "operator": "In", "values": ["b"]}]},
                    {
                        "matchExpressions": [
                            {"key": "zone", "operator": "In", "values": ["a"]},
                            {"key": "tier", "operator": "Exists"},
                        ]
                    },
                ]
            }
        }
    }
    assert matches_affinity(terms, node)
    terms["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"][1][
        "matchExpressions"
    ][1]["operator"] = "DoesNotExist"
    assert not matches_affinity(terms, node)
    assert matches_affinity(None, node) and matches_affinity({"podAffinity": {}}, node)


def test_eligibility_selector_taints_and_cordon() -> None:
    d = demand(node_selector={"pool": "gpu"})
    assert not eligible(d, gpu_node("a"))
    assert eligible(d, gpu_node("a", labels={"pool": "gpu"}))
    tainted = gpu_node("t", labels={"pool": "gpu"}, taints=(Taint(GPU, "", "NoSchedule"),))
    assert not eligible(d, tainted)
    assert eligible(d._replace(tolerations=({"key": GPU, "operator": "Exists"},)), tainted)
    soft = gpu_node("s", labels={"pool": "gpu"}, taints=(Taint("x", "", "PreferNoSchedule"),))
    assert eligible(d, soft)
    noexec = gpu_node("e", labels={"pool": "gpu"}, taints=(Taint("x", "y", "NoExecute"),))
    assert not eligible(d, noexec)
    assert not eligible(d, gpu_node("c", labels={"pool": "gpu"}, unschedulable=True))


# --------------------------------------------------------------------------- packing


def test_everything_fits() -> None:
    nodes = [gpu_node(f"g{i}") for i in range(4)] + [cpu_node("c0")]
    result = pack([(demand(gpus=8), 4), (demand("epp", gpus=0), 1)], nodes)
    assert result.fits and all(r.reason is None for r in result.roles)
    assert sorted(n for r, n in result.placements if r == "decode") == ["g0", "g1", "g2", "g3"]
    assert nodes[0].requested == {}  # the input nodes are untouched


def test_partial_fit_names_role_count_and_binding_constraint() -> None:
    nodes = [gpu_node("g0", product="H200"), gpu_node("g1", product="H200"), gpu_node("g2")]
    aff = affinity({"key": "nvidia.com/gpu.product", "operator": "In", "values": ["H200"]})
    result = pack([(demand(gpus=8, affinity=aff), 4)], nodes)
    assert not result.fits
    (fit,) = result.roles
    assert (fit.role, fit.pods, fit.placed, fit.unplaced) == ("decode", 4, 2, 2)
    assert fit.reason == (
        "2 of 4 decode pods do not fit: decode needs 4 pods \u00d7 8 nvidia.com/gpu on nodes "
        "labelled nvidia.com/gpu.product=H200; 2 such nodes have 8 free each"
    )


def test_pods_already_on_the_nodes_are_subtracted() -> None:
    node_obj = {
        "metadata": {"name": "g0", "labels": {"nvidia.com/gpu.product": H100}},
        "status": {"allocatable": {GPU: "8", "cpu": "64", "memory": "512Gi", "pods": "110"}},
    }
    running = {
        "spec": {
            "nodeName": "g0",
            "containers": [{"resources": {"limits": {GPU: "6"}}}],
        },
        "status": {"phase": "Running"},
    }
    done = {**running, "status": {"phase": "Succeeded"}}
    elsewhere = {**running, "spec": {**running["spec"], "nodeName": "g9"}}
    node = node_from_object(node_obj, [running, done, elsewhere])
    assert node.free(GPU) == 2 and node.free("pods") == 109
    result = pack([(demand(gpus=4), 1)], [node])
    assert not result.fits
    assert "1 such node has 2 free" in (result.roles[0].reason or "")
    assert pack([(demand(gpus=2), 1)], [node]).fits


def test_no_eligible_node_says_why() -> None:
    nodes = [
        gpu_node("g0", taints=(Taint("dedicated", "team-a", "NoSchedule"),)),
        gpu_node("g1", unschedulable=True),
        cpu_node("c0"),
    ]
    result = pack([(demand(gpus=8, node_selector={"nvidia.com/gpu.product": H100}), 1)], nodes)
    reason = result.roles[0].reason or ""
    assert "no node qualifies" in reason
    assert "taint dedicated=team-a:NoSchedule" in reason and "cordoned" in reason
    assert f"no label nvidia.com/gpu.product={H100}" in reason
    assert "no node qualifies (the cluster has no nodes)" in (
        pack([(demand(), 1)], []).roles[0].reason or ""
    )


def test_cpu_binding_constraint_and_resource_missing_on_node() -> None:
    result = pack([(demand("epp", gpus=0)._replace(requests={"cpu": 16_000}), 1)], [cpu_node("c")])
    assert "epp needs 1 pod \u00d7 16 cpu on any node; 1 such node has 8 free" in (
        result.roles[0].reason or ""
    )
    # a GPU pod on CPU-only nodes: the resource is absent, so 0 free
    result = pack([(demand(gpus=1), 2)], [cpu_node("c0"), cpu_node("c1")])
    assert "2 such nodes have 0 free each" in (result.roles[0].reason or "")


def test_pod_slots_are_counted() -> None:
    node = Node("n", allocatable={"cpu": 64_000, "pods": 2})
    result = pack([(demand(gpus=0)._replace(requests={"cpu": 100}), 3)], [node])
    assert result.roles[0].placed == 2 and "no pod slots left" in (result.roles[0].reason or "")


def test_biggest_pods_are_placed_first() -> None:
    # first-fit in the given order would put the small pod on the only big node
    nodes = [gpu_node("big", gpus=8), gpu_node("small", gpus=1)]
    result = pack([(demand("small", gpus=1), 1), (demand("big", gpus=8), 1)], nodes)
    assert result.fits


# --------------------------------------------------------------------------- plan


def test_plan_wide_ep_counts() -> None:
    p = plan(load_values([WIDE_EP]), release="ds", namespace="llm-d")
    roles = {r.role: r for r in p.roles}
    assert list(roles) == ["decode", "prefill", "epp"]
    d = roles["decode"]
    assert (d.kind, d.replicas, d.group_size, d.pods) == ("LeaderWorkerSet", 1, 2, 2)
    assert d.accelerator_resource == GPU and d.accelerators_per_pod == 8
    assert d.accelerators_total == 16
    assert d.per_pod["cpu"] == 64_000 and d.total["memory"] == 2 * 2**40
    assert p.accelerators() == {GPU: 24}
    assert d.constraints["affinity"]["nodeAffinity"]
    assert roles["epp"].accelerator_resource is None
    assert p.fit is None and p.fits is None


def test_plan_warnings_are_carried() -> None:
    p = plan(
        load_values([PD], ["decode.containers[0].resources.limits.nvidia\\.com/gpu=1"]),
        release="w",
    )
    assert any("fewer than the parallelism needs" in w for w in p.warnings)


def test_plan_against_nodes() -> None:
    nodes = [gpu_node(f"g{i}") for i in range(4)] + [cpu_node("c0"), cpu_node("c1")]
    fits = plan(load_values([PD]), release="pd", nodes=nodes)
    assert fits.fits is True and fits.nodes == 6
    big = plan(load_values([PD], ["decode.replicas=8", "decode.parallelism.tensor=8"]),
               release="pd", nodes=nodes)  # fmt: skip
    assert big.fits is False
    reason, prefill = big.fit.reasons() if big.fit else ["", ""]
    assert prefill.startswith("2 of 2 prefill pods do not fit")
    assert "4 such nodes have 8 free each, of which the release's other roles take 32" in prefill
    assert reason.startswith("4 of 8 decode pods do not fit: decode needs 8 pods \u00d7 8 ")
    assert f"nvidia.com/gpu.product={H100}; 4 such nodes have 8 free each" in reason


def test_plan_json_shape() -> None:
    data = plan(load_values(presets=["sim"]), release="s").as_dict()
    assert data["release"] == "s" and data["accelerators"] == {}
    decode = data["roles"][0]
    assert decode["role"] == "decode" and decode["cpuPerPod"] == "100m"
    assert decode["memoryPerPod"] == "128Mi" and decode["pods"] == 1


# --------------------------------------------------------------------------- CLI


class FakeCluster:
    """Stands in for modelservice.cluster.client.Cluster: fixed nodes, no pods."""

    nodes: ClassVar[list[dict[str, Any]]] = []
    seen: ClassVar[dict[str, Any]] = {}

    def __init__(self, **kw: Any) -> None:
        self.namespace = "default"
        FakeCluster.seen = kw

    def list(self, api_version: str, kind: str, **kw: Any) -> list[dict[str, Any]]:
        return list(self.nodes) if kind == "Node" else []


def _k8s_node(name: str, gpus: int) -> dict[str, Any]:
    alloc = {"cpu": "64", "memory": "512Gi", "pods": "110"}
    labels = {}
    if gpus:
        alloc[GPU] = str(gpus)
        labels["nvidia.com/gpu.product"] = H100
    return {"metadata": {"name": name, "labels": labels}, "status": {"allocatable": alloc}}


@pytest.fixture
def fake_cluster(monkeypatch: pytest.MonkeyPatch) -> type[FakeCluster]:
    import modelservice.cluster.client as client

    FakeCluster.nodes = [_k8s_node(f"g{i}", 8) for i in range(4)] + [_k8s_node("c", 0)]
    monkeypatch.setattr(client, "Cluster", FakeCluster)
    return FakeCluster


def test_cli_plan_table_without_cluster(capsys: CaptureFixture) -> None:
    code, out, _ = run(["plan", "pd", "-f", str(PD)], capsys)
    assert code == 0
    assert "ROLE" in out and "2 nvidia.com/gpu" in out and "accelerators in total: 8" in out
    assert f"nvidia.com/gpu.product In ({H100})" in out
    assert "fits" not in out


def test_cli_plan_cluster_fits_and_does_not(
    capsys: CaptureFixture, fake_cluster: type[FakeCluster]
) -> None:
    code, out, _ = run(["plan", "pd", "-f", str(PD), "--cluster"], capsys)
    assert code == 0 and "fits: all 5 pods" in out
    code, out, _ = run(
        ["plan", "pd", "-f", str(PD), "--kubeconfig", "/k", "--set", "decode.replicas=40"], capsys
    )
    assert code == 3 and "does not fit" in out and "decode needs 40 pods" in out
    assert fake_cluster.seen == {"kubeconfig": "/k", "context": None}
    code, out, _ = run(["plan", "pd", "-f", str(PD), "--cluster", "-o", "json",
                        "--set", "decode.replicas=40"], capsys)  # fmt: skip
    data = json.loads(out)
    assert code == 3 and data["cluster"]["fits"] is False
    decode = data["cluster"]["roles"][0]
    assert decode["role"] == "decode" and decode["unplaced"] == 40 - 16  # 2 GPUs each


def test_cli_plan_invalid_values(capsys: CaptureFixture, tmp_path: Path) -> None:
    code, _, err = run(["plan", "x", "--set", "decode.replicas=-1"], capsys)
    assert code == 1 and "decode.replicas" in err and "Traceback" not in err
