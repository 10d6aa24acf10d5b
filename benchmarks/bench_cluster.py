"""The lifecycle commands against the real helm binary, on the same local cluster and values.

Each round installs a release with ``examples/simulator.yaml`` twice, once with helm (the
upstream chart 0.0.9, whose objects are the same) and once with modelservice, each in a
namespace of its own, then runs on both ``status``, ``list``, ``history``, ``upgrade
--wait`` (``decode.replicas=3``), ``rollback --wait`` to revision 1 and ``uninstall
--wait``. The two tools alternate which goes first from round to round. Every command is
a whole process: wall time, its CPU time (user + system, all threads: Go's runtime runs on
several) and its API requests, counted in the API server's audit log by user agent (the
same count for both tools). A warm-up round is not counted (both tools then have their
discovery caches; helm refreshes its own at every install anyway).

Usage::

    .venv/bin/python benchmarks/bench_cluster.py [--rounds N]

Set ``MODELSERVICE_BENCH_KUBECONFIG`` to use a running cluster (requests are counted when
``MODELSERVICE_BENCH_AUDIT_LOG`` names its audit log). ``MODELSERVICE_BENCH_CLI`` replaces
the command measured (default: the venv's ``modelservice``), e.g. ``python -m modelservice``
with ``PYTHONPATH`` naming another checkout's ``src``, to measure a before and an after.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from _common import CHART_0_0_9, CONSOLE_SCRIPT, ROOT, Figure, median, section
from _testenv import AuditCounter, fetch_helm, testenv

VALUES = ROOT / "examples" / "simulator.yaml"
CHART = CHART_0_0_9
TARGET = 1.0
#: Our user agent, and lightkube's default one (httpx's), which versions before ours sent.
OUR_AGENTS = ("modelservice/", "python-httpx")
STEPS = ("install --wait", "status", "list", "history", "upgrade --wait", "rollback --wait",
         "uninstall --wait")  # fmt: skip


@dataclass
class Sample:
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    requests: list[int] = field(default_factory=list)


def _commands(tool: str, helm: str, release: str, ns: str) -> dict[str, list[str]]:
    timeout = ["--timeout", "180s"]
    if tool == "helm":
        chart = str(CHART)
        return {
            "install --wait": [helm, "install", release, chart, "-n", ns, "-f", str(VALUES),
                               "--wait", *timeout],
            "status": [helm, "status", release, "-n", ns],
            "list": [helm, "list", "-n", ns],
            "history": [helm, "history", release, "-n", ns],
            "upgrade --wait": [helm, "upgrade", release, chart, "-n", ns, "-f", str(VALUES),
                               "--set", "decode.replicas=3", "--wait", *timeout],
            "rollback --wait": [helm, "rollback", release, "1", "-n", ns, "--wait", *timeout],
            "uninstall --wait": [helm, "uninstall", release, "-n", ns, "--wait", *timeout],
        }  # fmt: skip
    ms = os.environ.get("MODELSERVICE_BENCH_CLI", CONSOLE_SCRIPT).split()
    return {
        "install --wait": [*ms, "install", release, "-n", ns, "-f", str(VALUES), "--wait",
                           *timeout],
        "status": [*ms, "status", release, "-n", ns],
        "list": [*ms, "list", "-n", ns],
        "history": [*ms, "history", release, "-n", ns],
        "upgrade --wait": [*ms, "upgrade", release, "-n", ns, "-f", str(VALUES),
                           "--set", "decode.replicas=3", "--wait", *timeout],
        "rollback --wait": [*ms, "rollback", release, "1", "-n", ns, "--wait", *timeout],
        "uninstall --wait": [*ms, "uninstall", release, "-n", ns, "--wait", *timeout],
    }  # fmt: skip


def _run(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of one command (its own rusage, from wait4)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env
    )
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(argv)} failed:\n{err.decode(errors='replace')[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime


def _namespace(kubeconfig: str, name: str) -> None:
    sys.path.insert(0, str(ROOT / "src"))
    import modelservice

    modelservice.Cluster(kubeconfig=kubeconfig).ensure_namespace(name, create=True)


def bench_cluster(rounds: int, workdir: Path) -> list[Figure]:
    helm, helm_version = fetch_helm()
    section(f"7. Lifecycle commands against helm {helm_version}, examples/simulator.yaml")
    with testenv(workdir) as env:
        base = dict(os.environ, KUBECONFIG=env.kubeconfig, NO_COLOR="1")
        # helm's caches and config in the work directory, not the user's
        for var in ("HELM_CACHE_HOME", "HELM_CONFIG_HOME", "HELM_DATA_HOME"):
            base[var] = str(workdir / var.lower())
        audit = AuditCounter(env.audit_log)
        results: dict[tuple[str, str], Sample] = {}
        load_before = os.getloadavg()[0]
        for r in range(rounds + 1):
            order = ("helm", "modelservice") if r % 2 else ("modelservice", "helm")
            plans = {}
            for tool in order:
                ns = f"bench-{tool[:2]}-{r}-{os.getpid()}"
                _namespace(env.kubeconfig, ns)
                plans[tool] = _commands(tool, helm, "sim", ns)
            for step in STEPS:
                for tool in order:
                    audit.mark()
                    wall, cpu = _run(plans[tool][step], base)
                    n = audit.count(("Helm/",) if tool == "helm" else OUR_AGENTS)
                    if r == 0:
                        continue  # warm-up
                    s = results.setdefault((tool, step), Sample())
                    s.wall.append(wall)
                    s.cpu.append(cpu)
                    if n is not None:
                        s.requests.append(n)
        load_after = os.getloadavg()[0]
    print(
        f"  {rounds} rounds (+1 warm-up), load average {load_before:.1f} before, "
        f"{load_after:.1f} after, {os.cpu_count()} CPUs; medians, [min-max]"
    )
    print(
        f"  {'command':<18} {'helm wall':>16} {'ours wall':>16} {'ratio':>6}  "
        f"{'helm cpu':>9} {'ours cpu':>9}  {'requests helm/ours':>18}"
    )
    figures: list[Figure] = []
    for step in STEPS:
        h, m = results[("helm", step)], results[("modelservice", step)]
        ratio = median(m.wall) / median(h.wall)
        reqs = (
            f"{median(h.requests):.0f}/{median(m.requests):.0f}"
            if h.requests and m.requests
            else "-"
        )
        print(
            f"  {step:<18} {median(h.wall) * 1000:7.0f} ms [{min(h.wall) * 1000:.0f}-"
            f"{max(h.wall) * 1000:.0f}] {median(m.wall) * 1000:7.0f} ms [{min(m.wall) * 1000:.0f}-"
            f"{max(m.wall) * 1000:.0f}] {ratio:5.2f}x  {median(h.cpu) * 1000:6.0f} ms "
            f"{median(m.cpu) * 1000:6.0f} ms  {reqs:>18}",
            flush=True,
        )
        figures.append(
            Figure(
                f"{step}: wall vs helm",
                ratio,
                "x",
                TARGET,
                note=f"helm {median(h.wall) * 1000:.0f} ms, ours {median(m.wall) * 1000:.0f} ms; "
                f"cpu {median(h.cpu) * 1000:.0f}/{median(m.cpu) * 1000:.0f} ms; requests {reqs}",
                details={
                    "helm_version": helm_version,
                    "helm_wall_s": h.wall,
                    "ours_wall_s": m.wall,
                    "helm_cpu_s": h.cpu,
                    "ours_cpu_s": m.cpu,
                    "helm_requests": h.requests,
                    "ours_requests": m.requests,
                    "load_average": [load_before, load_after],
                },
            )
        )
    return figures


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--rounds", type=int, default=5, help="counted rounds (default 5)")
    args = ap.parse_args()
    import compileall

    # byte-compiled, as run.py measures (and as an install is)
    compileall.compile_dir(str(ROOT / "src"), quiet=1)
    with tempfile.TemporaryDirectory(prefix="modelservice-bench-") as tmp:
        figures = bench_cluster(args.rounds, Path(tmp))
    for f in figures:
        print(f"{f.name}: {f.value:.2f} (target <= {f.budget}) {f.status}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
