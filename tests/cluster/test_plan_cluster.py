"""`plan --cluster` against the test environment: 4 fake nodes with 8 nvidia.com/gpu each
(label nvidia.com/gpu.product=NVIDIA-H100-80GB-HBM3) and 2 CPU-only nodes."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from typing import Any

import pytest

import modelservice
from modelservice.planning.plan import plan

pytestmark = pytest.mark.cluster

H100 = "NVIDIA-H100-80GB-HBM3"
VLLM = "vllm/vllm-openai:v0.9.1"


def cli(kubeconfig: str, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KUBECONFIG": kubeconfig, "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "modelservice.cli.main", *args], env=env,
                          capture_output=True, text=True, timeout=timeout, check=False)  # fmt: skip


# decode: 6 pods x 8 GPUs on H100 nodes; the cluster has 4 such nodes of 8 GPUs.
TOO_BIG = (
    "--set", f"decode.containers[0].image={VLLM}",
    "--set", "decode.containers[0].modelCommand=vllmServe",
    "--set", "decode.replicas=6,decode.parallelism.tensor=8",
    "--set", "decode.acceleratorTypes.labelKey=nvidia.com/gpu.product",
    "--set", f"decode.acceleratorTypes.labelValues={{{H100}}}",
    "--set", "prefill.create=false",
)  # fmt: skip


def test_plan_sim_fits_then_installs(cluster: Any, namespace: str) -> None:
    proc = cli(cluster.kubeconfig, "plan", "sim", "-n", namespace, "--preset", "sim", "--cluster")
    assert proc.returncode == 0, proc.stderr
    assert "fits: all 3 pods can be scheduled" in proc.stdout, proc.stdout

    as_json = cli(cluster.kubeconfig, "plan", "sim", "-n", namespace, "--preset", "sim",
                  "--cluster", "-o", "json")  # fmt: skip
    assert as_json.returncode == 0, as_json.stderr
    data = json.loads(as_json.stdout)
    assert data["cluster"]["fits"] is True and data["cluster"]["nodes"] >= 6
    assert {r["role"] for r in data["roles"]} == {"decode", "prefill", "epp"}

    installed = cli(cluster.kubeconfig, "install", "sim", "-n", namespace, "--preset", "sim",
                    "--wait", "--timeout", "120s")  # fmt: skip
    assert installed.returncode == 0, installed.stderr
    rel = modelservice.Release("sim", namespace=namespace, kubeconfig=cluster.kubeconfig)
    assert rel.history()[-1].status == "deployed"


def test_plan_too_many_gpus_does_not_fit(cluster: Any, namespace: str) -> None:
    proc = cli(cluster.kubeconfig, "plan", "big", "-n", namespace, *TOO_BIG, "--cluster")
    assert proc.returncode == 3, proc.stderr
    assert "does not fit" in proc.stdout
    # 2 of 6 when the GPU nodes are idle; more if other tests left GPU pods on them
    expected = (
        r"\d of 6 decode pods do not fit: decode needs 6 pods \u00d7 8 nvidia\.com/gpu on "
        rf"nodes labelled nvidia\.com/gpu\.product={H100}; 4 such nodes have "
    )
    assert re.search(expected, proc.stdout), proc.stdout
    assert "Traceback" not in proc.stderr


def test_plan_api_reads_nodes_and_existing_pods(cluster: Any, namespace: str) -> None:
    values = modelservice.load_values(presets=["sim"])
    cl = modelservice.Cluster(kubeconfig=cluster.kubeconfig, namespace=namespace)
    result = plan(values, release="api", namespace=namespace, cluster=cl)
    assert result.fits is True and result.nodes is not None and result.nodes >= 6
    # 4 GPU nodes x 8: 32 GPUs at most, whatever other tests run on them
    big = modelservice.load_values(sets=[s for s in TOO_BIG if s != "--set"])
    result = plan(big, release="big", namespace=namespace, cluster=cl)
    assert result.fits is False and result.fit is not None
    decode = next(r for r in result.fit.roles if r.role == "decode")
    assert decode.unplaced >= 2 and "nvidia.com/gpu" in (decode.reason or "")
