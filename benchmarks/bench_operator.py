"""The operator at scale: N ModelServices (the simulator, one replica) on the local cluster.

A cluster sized so that every pod fits (``testenv/run --node-pods``) is started, the
operator runs as its own process (``modelservice operator run``), and N ModelServices are
created as fast as the API server takes them. Figures:

- seconds from the first create until every ModelService reports ``Ready=True``
  (target: 60 s for 1,000);
- the operator's peak RSS (target: under 200 MiB), its RSS when half and when all of them
  were Ready, and the slope between (KiB per ModelService: memory must not grow linearly
  with their number at the rate it did);
- API requests per no-op reconcile over a full resync once everything is Ready (target 0).

Usage::

    .venv/bin/python benchmarks/bench_operator.py [--count 1000]

The count defaults to ``MODELSERVICE_BENCH_OPERATOR_COUNT``, else :data:`DEFAULT_COUNT`
(``make bench`` runs that smaller scale; the issue's target is for 1,000).

This is a benchmark, not a test: nothing is asserted. The default test suite runs a small
scale test (``MODELSERVICE_OPERATOR_SCALE``, tests/operator/test_operator.py).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from _common import PYTHON, ROOT, Figure, section
from _testenv import testenv

sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))
from tests.operator.test_operator import light_spec  # the scale test's ModelService

DEFAULT_COUNT = 200
READY_TARGET_S = 60.0
"""For 1,000 ModelServices; a smaller run is held to its share (60 s x count / 1000)."""
RSS_TARGET_MIB = 200.0


class Memory:
    """Samples a process's RSS (VmRSS) and high-water mark (VmHWM) from /proc."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak_kib = 0
        self.rss_kib = 0

    def sample(self) -> None:
        try:
            text = Path(f"/proc/{self.pid}/status").read_text()
        except OSError:
            return
        for line in text.splitlines():
            if line.startswith("VmHWM:"):
                self.peak_kib = max(self.peak_kib, int(line.split()[1]))
            elif line.startswith("VmRSS:"):
                self.rss_kib = int(line.split()[1])


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process and its waited-for children so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    return sum(int(x) for x in fields[11:15]) / ticks


def _tree(pid: int) -> list[int]:
    """A process and its descendants."""
    children: dict[int, list[int]] = {}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            ppid = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(d.name))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += children.get(p, [])
    return out


def _ready(ms: dict[str, Any]) -> bool:
    for cond in (ms.get("status") or {}).get("conditions") or []:
        if cond.get("type") == "Ready":
            return bool(cond.get("status") == "True")
    return False


def _pod_ready(pod: dict[str, Any]) -> bool:
    for cond in (pod.get("status") or {}).get("conditions") or []:
        if cond.get("type") == "Ready":
            return bool(cond.get("status") == "True")
    return False


def bench_operator(
    count: int, workdir: Path, node_pods: int, *, trace: bool = False
) -> list[Figure]:
    import modelservice
    from modelservice.operator.crd import API_VERSION, KIND, crd
    from modelservice.operator.manifests import peering_crds

    section(f"8. Operator: {count} ModelServices (simulator, 1 replica)")
    nodes = 6
    if nodes * node_pods < count + 50:
        node_pods = (count + 50) // nodes + 1
    with testenv(workdir, extra=[f"--node-pods={node_pods}"], audit=False) as env:
        api = modelservice.Cluster(kubeconfig=env.kubeconfig)
        for obj in [crd(), *peering_crds()]:
            api.apply(obj, force=True)
        ns = f"opbench-{os.getpid()}"
        api.ensure_namespace(ns, create=True)
        time.sleep(2)  # the CRDs established
        stats_file = workdir / "stats.json"
        log = (workdir / "operator.log").open("wb")
        cmd = [PYTHON, "-m", "modelservice.cli.main", "operator", "run", "--namespace", ns,
               "--stats-file", str(stats_file), "--workers", "16", "--resync", "60"]  # fmt: skip
        proc = subprocess.Popen(
            cmd,
            env=dict(os.environ, KUBECONFIG=env.kubeconfig, NO_COLOR="1"),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        memory = Memory(proc.pid)
        print(f"  operator pid {proc.pid}", flush=True)
        stop = threading.Event()

        def sampler() -> None:
            while not stop.wait(0.25):
                memory.sample()

        threading.Thread(target=sampler, daemon=True).start()
        try:
            time.sleep(4)  # started and watching
            memory.sample()
            idle_kib = memory.rss_kib
            objs = [
                {"apiVersion": API_VERSION, "kind": KIND,
                 "metadata": {"name": f"s{i:04d}", "namespace": ns}, "spec": light_spec()}
                for i in range(count)
            ]  # fmt: skip
            cluster_pids = _tree(env.pid) if env.pid is not None else []
            cpu0 = _cpu_seconds(proc.pid), sum(_cpu_seconds(p) for p in cluster_pids)
            load0 = os.getloadavg()[0]
            started = time.monotonic()
            creator = modelservice.Cluster(kubeconfig=env.kubeconfig, namespace=ns)
            created_at: list[float] = []

            def create_all() -> None:
                # Several creates in flight at once, as many clients would make them.
                from concurrent.futures import ThreadPoolExecutor

                with ThreadPoolExecutor(16) as pool:
                    list(pool.map(creator.create, objs))
                created_at.append(time.monotonic() - started)

            threading.Thread(target=create_all, daemon=True).start()
            half_kib = 0
            half_s = 0.0
            ready_s: float | None = None
            deadline = started + max(300.0, count * 0.6)
            timeline: list[tuple[float, int, int, int, int]] = []
            while time.monotonic() < deadline:
                time.sleep(1.0)
                items = api.list(API_VERSION, KIND, namespace=ns)
                ready = sum(1 for ms in items if _ready(ms))
                memory.sample()
                if trace:
                    pods = api.list("v1", "Pod", namespace=ns)
                    deps = api.list("apps/v1", "Deployment", namespace=ns)
                    timeline.append(
                        (
                            time.monotonic() - started,
                            len(deps),
                            sum(1 for d in deps if (d.get("status") or {}).get("readyReplicas")),
                            sum(1 for p in pods if _pod_ready(p)),
                            ready,
                        )
                    )
                    t, deps_n, deps_ready, pods_ready, ms_ready = timeline[-1]
                    print(f"  t={t:5.1f}s deployments {deps_n} (ready {deps_ready}), pods ready "
                          f"{pods_ready}, Ready {ms_ready}", flush=True)  # fmt: skip
                if ready >= count // 2 and not half_kib:
                    half_kib, half_s = memory.rss_kib, time.monotonic() - started
                if ready == count:
                    ready_s = time.monotonic() - started
                    break
            all_kib = memory.rss_kib
            cpu1 = _cpu_seconds(proc.pid), sum(_cpu_seconds(p) for p in cluster_pids)
            load1 = os.getloadavg()[0]
            # A full resync once everything is Ready: every reconcile should be read-only.
            before = _stats(stats_file)
            want = before.get("by_trigger", {}).get("resync", 0) + count
            wait_until = time.monotonic() + 180
            while time.monotonic() < wait_until:
                after = _stats(stats_file)
                if after.get("by_trigger", {}).get("resync", 0) >= want:
                    break
                time.sleep(1.0)
            after = _stats(stats_file)
            memory.sample()
        finally:
            stop.set()
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
            log.close()
    noops = after.get("noop_reconciles", 0) - before.get("noop_reconciles", 0)
    noop_requests = after.get("noop_requests", 0) - before.get("noop_requests", 0)
    per_noop = noop_requests / noops if noops else float("nan")
    slope = (all_kib - half_kib) / max(1, count - count // 2)
    peak_mib = memory.peak_kib / 1024
    created = f"{created_at[0]:.1f} s" if created_at else "not finished"
    print(f"  node pods {node_pods} x {nodes} nodes; all {count} created in {created}")
    print(
        f"  CPU seconds until all Ready: operator {cpu1[0] - cpu0[0]:.1f}, test cluster "
        f"(API server, etcd, controllers, kwok, lws) {cpu1[1] - cpu0[1]:.1f}; "
        f"load average {load0:.1f} at the first create, {load1:.1f} at the end"
    )
    print(
        "  Ready: "
        + (f"all {count} after {ready_s:.1f} s" if ready_s is not None else "not all in time")
        + f" (half after {half_s:.1f} s)"
    )
    print(
        f"  operator RSS: idle {idle_kib / 1024:.0f} MiB, half Ready {half_kib / 1024:.0f} MiB, "
        f"all Ready {all_kib / 1024:.0f} MiB, peak {peak_mib:.0f} MiB; "
        f"{slope:.1f} KiB per ModelService from half to all"
    )
    print(
        f"  resync after: {noops} no-op reconciles, {noop_requests} requests "
        f"({per_noop:.2f} per no-op reconcile); reconciles in all {after.get('reconciles')}, "
        f"requests in all {after.get('requests')}",
        flush=True,
    )
    print(f"  reconciles by trigger: {after.get('by_trigger')}", flush=True)
    return [
        Figure(
            f"operator: {count} Ready after first create",
            ready_s if ready_s is not None else float("inf"),
            "s",
            READY_TARGET_S * count / 1000,
            note=f"created in {created}; budget {READY_TARGET_S:.0f} s per 1,000",
        ),
        Figure(
            "operator: peak RSS",
            peak_mib,
            "MiB",
            RSS_TARGET_MIB,
            note=f"idle {idle_kib / 1024:.0f} MiB; {slope:.1f} KiB per ModelService",
            details={"idle_kib": idle_kib, "half_kib": half_kib, "all_kib": all_kib},
        ),
        Figure(
            "operator: requests per no-op reconcile",
            per_noop,
            "/reconcile",
            0.0,
            note=f"{noops} no-op reconciles in a full resync",
        ),
    ]


def default_count() -> int:
    return int(os.environ.get("MODELSERVICE_BENCH_OPERATOR_COUNT") or DEFAULT_COUNT)


def _stats(path: Path) -> dict[str, Any]:
    try:
        return dict(json.loads(path.read_text()))
    except (OSError, ValueError):
        return {}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument(
        "--count",
        type=int,
        default=default_count(),
        help=f"ModelServices (default $MODELSERVICE_BENCH_OPERATOR_COUNT or {DEFAULT_COUNT})",
    )
    ap.add_argument("--node-pods", type=int, default=250, help="pods per fake node")
    ap.add_argument("--keep", metavar="DIR", help="keep the operator's log and stats in DIR")
    ap.add_argument(
        "--trace",
        action="store_true",
        help="print every second how many Deployments and pods are ready (more requests)",
    )
    args = ap.parse_args()
    if args.keep:
        Path(args.keep).mkdir(parents=True, exist_ok=True)
        figures = bench_operator(args.count, Path(args.keep), args.node_pods, trace=args.trace)
    else:
        with tempfile.TemporaryDirectory(prefix="modelservice-opbench-") as tmp:
            figures = bench_operator(args.count, Path(tmp), args.node_pods, trace=args.trace)
    for f in figures:
        print(f"{f.name}: {f.value:.2f} {f.unit} (target <= {f.budget}) {f.status}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
