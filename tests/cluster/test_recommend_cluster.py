"""`recommend --cluster` on the test environment: its GPU nodes carry
nvidia.com/gpu.product=NVIDIA-H100-80GB-HBM3, so only H100 options are offered, and the
picked option's values (real vLLM pods asking for the option's GPUs on H100 nodes) install
and become Ready. kwok runs no containers and makes bound pods Ready itself, so the values
are installed exactly as written: no simulator image swapped in, GPU requests and node
affinity as the option says."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from lightkube.resources.core_v1 import Node, Pod

import modelservice

pytestmark = pytest.mark.cluster

H100_LABEL = "NVIDIA-H100-80GB-HBM3"
ASK = ("recommend", "--use-case", "chatbot_conversational", "--users", "1000", "--cluster")


def cli(kubeconfig: str, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KUBECONFIG": kubeconfig, "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "modelservice.cli.main", *args], env=env,
                          capture_output=True, text=True, timeout=timeout, check=False)  # fmt: skip


def test_recommend_cluster_offers_h100_and_the_pick_installs(
    cluster: Any, namespace: str, tmp_path: Path
) -> None:
    listed = cli(cluster.kubeconfig, *ASK, "-n", namespace, "-o", "json")
    assert listed.returncode == 0, listed.stderr
    rec = json.loads(listed.stdout)
    assert rec["filters"]["clusterGpus"] == ["H100"]
    assert rec["options"] and {o["gpu"] for o in rec["options"]} == {"H100"}
    assert {o["gpuLabel"] for o in rec["options"]} == {H100_LABEL}
    assert all(isinstance(o["fits"], bool) for o in rec["options"])
    # the same ranking as without a cluster, restricted to H100 (all of the data's best)
    offline = modelservice.recommend("chatbot_conversational", 1000, gpus=["H100"])
    assert [o["model"] for o in rec["options"]] == [o.model for o in offline.options]

    pick = next(o for o in rec["options"] if o["fits"])
    values_file = tmp_path / "values.yaml"
    picked = cli(cluster.kubeconfig, *ASK, "-n", namespace, "--pick", str(pick["rank"]),
                 "--output", str(values_file))  # fmt: skip
    assert picked.returncode == 0, picked.stderr
    values = yaml.safe_load(values_file.read_text("utf-8"))
    assert values["decode"]["replicas"] == pick["replicas"]
    assert values["decode"]["parallelism"]["tensor"] == pick["tensorParallel"]
    assert "llm-d-inference-sim" not in values["decode"]["containers"][0]["image"]

    planned = cli(cluster.kubeconfig, "plan", "rec", "-n", namespace, "-f", str(values_file),
                  "--cluster")  # fmt: skip
    assert planned.returncode == 0, planned.stdout + planned.stderr
    assert "fits: all" in planned.stdout
    assert "predicted capacity of" in planned.stdout and "(llm-d-planner" in planned.stdout

    installed = cli(cluster.kubeconfig, "install", "rec", "-n", namespace, "-f",
                    str(values_file), "--wait", "--timeout", "180s")  # fmt: skip
    assert installed.returncode == 0, installed.stdout + installed.stderr
    release = modelservice.Release("rec", namespace=namespace, kubeconfig=cluster.kubeconfig)
    assert release.history()[-1].status == "deployed"
    assert release.status().ready

    client = cluster.client
    gpu_nodes = {
        n.metadata.name
        for n in client.list(Node)
        if (n.metadata.labels or {}).get("nvidia.com/gpu.product") == H100_LABEL
    }
    decode = [
        p
        for p in client.list(Pod, namespace=namespace)
        if (p.metadata.labels or {}).get("llm-d.ai/role") == "decode"
    ]
    assert len(decode) == pick["replicas"]
    for pod in decode:
        assert pod.spec.nodeName in gpu_nodes
        assert pod.status.phase == "Running"
        assert any(c.type == "Ready" and c.status == "True" for c in pod.status.conditions)
        gpus = pod.spec.containers[0].resources.requests["nvidia.com/gpu"]
        assert int(gpus) == pick["gpusPerReplica"]
