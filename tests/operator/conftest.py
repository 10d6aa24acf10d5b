"""Fixtures for the operator tests: the CRDs installed once, and an operator process per
test watching that test's namespace.

``cluster`` and ``namespace`` come from tests/clusterenv.py (the local simulated
cluster of testenv/; ``MODELSERVICE_TEST_KUBECONFIG`` points them at a running one).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

import modelservice
from modelservice.operator.crd import API_VERSION, KIND, crd
from modelservice.operator.manifests import peering_crds

T = TypeVar("T")


def wait_for(fn: Callable[[], T], timeout: float = 60, interval: float = 0.5, what: str = "") -> T:
    """fn()'s first truthy result; fails with the last value after ``timeout``."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while True:
        last = fn()
        if last:
            return last
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f}s waiting for {what or fn}: last {last!r}")
        time.sleep(interval)


@pytest.fixture(scope="session")
def crds(cluster: Any) -> None:
    """The ModelService CRD and kopf's peering CRDs, applied and Established."""
    api = modelservice.Cluster(kubeconfig=cluster.kubeconfig)
    for obj in [crd(), *peering_crds()]:
        api.apply(obj, force=True)

    def established() -> bool:
        for obj in [crd(), *peering_crds()]:
            live = api.get("apiextensions.k8s.io/v1", "CustomResourceDefinition",
                           obj["metadata"]["name"])  # fmt: skip
            status = (live or {}).get("status") or {}
            conds = {c["type"]: c["status"] for c in status.get("conditions") or []}
            if conds.get("Established") != "True":
                return False
        return True

    wait_for(established, 60, what="CRDs Established")


class Operator:
    """``modelservice operator run`` as a subprocess watching one namespace (all with
    ``namespace=""``)."""

    def __init__(self, kubeconfig: str, namespace: str, workdir: Path, *args: str) -> None:
        self.kubeconfig = kubeconfig
        self.namespace = namespace
        self.args = list(args)
        self.stats_file = workdir / f"stats-{uuid.uuid4().hex[:6]}.json"
        self.log_file = workdir / f"operator-{uuid.uuid4().hex[:6]}.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.peak_kib = 0

    def start(self) -> Operator:
        env = {**os.environ, "KUBECONFIG": self.kubeconfig, "NO_COLOR": "1"}
        scope = ["--namespace", self.namespace] if self.namespace else ["--all-namespaces"]
        cmd = [sys.executable, "-m", "modelservice.cli.main", "operator", "run", *scope,
               "--stats-file", str(self.stats_file), "--resync", "5", *self.args]  # fmt: skip
        log = self.log_file.open("ab")
        self.proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        return self

    def _sample_memory(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    self.peak_kib = max(self.peak_kib, int(line.split()[1]))
        except OSError:
            pass

    def peak_memory_mib(self) -> float:
        self._sample_memory()
        return self.peak_kib / 1024

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc is None:
            return
        self._sample_memory()
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def kill(self) -> None:
        self.stop(signal.SIGKILL)

    def stats(self) -> dict[str, Any]:
        try:
            return dict(json.loads(self.stats_file.read_text()))
        except (OSError, ValueError):
            return {}

    def log(self) -> str:
        try:
            return self.log_file.read_text(errors="replace")
        except OSError:
            return ""

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


@pytest.fixture
def operator_factory(
    cluster: Any, namespace: str, crds: None, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Callable[..., Operator]]:
    started: list[Operator] = []

    def make(*args: str, start: bool = True, kubeconfig: str | None = None) -> Operator:
        op = Operator(kubeconfig or cluster.kubeconfig, namespace, tmp_path, *args)
        started.append(op)
        return op.start() if start else op

    yield make
    failed = getattr(request.node, "rep_call", None)
    for op in started:
        op.stop()
        if failed is not None and failed.failed:
            sys.stderr.write(f"--- operator log ({op.log_file}):\n{op.log()[-6000:]}\n")


@pytest.fixture
def operator(operator_factory: Callable[..., Operator]) -> Operator:
    return operator_factory()


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    rep = outcome.get_result()  # type: ignore[attr-defined]
    setattr(item, f"rep_{rep.when}", rep)


@pytest.fixture
def api(cluster: Any, namespace: str) -> modelservice.Cluster:
    return modelservice.Cluster(kubeconfig=cluster.kubeconfig, namespace=namespace)


def model_service(name: str, namespace: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": API_VERSION, "kind": KIND,
            "metadata": {"name": name, "namespace": namespace}, "spec": spec}  # fmt: skip
