"""Run every benchmark of modelservice and print the figures against their budgets.

Usage::

    .venv/bin/python benchmarks/run.py            # full run, several minutes
    .venv/bin/python benchmarks/run.py --quick    # about 15 s, no cluster
    .venv/bin/python benchmarks/run.py --no-cluster
    .venv/bin/python benchmarks/run.py --operator-count 1000
    .venv/bin/python benchmarks/run.py --json bench.json

The full run also starts the local test cluster (``testenv/run``; a cold build takes
minutes) for the lifecycle commands against helm (:mod:`bench_cluster`) and the operator
at scale (:mod:`bench_operator`, 200 ModelServices unless ``--operator-count`` or
``$MODELSERVICE_BENCH_OPERATOR_COUNT`` says otherwise).

The figures are measurements, not tests: the exit status is 0 even when a figure is over
its budget, and non-zero only when a benchmark crashes.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import CONSOLE_SCRIPT, FACEBOOK_VALUES, PYTHON, Figure, fmt_value


def _table(figures: list[Figure]) -> None:
    print("\n== Summary ==")
    rows = [
        (
            f.name,
            fmt_value(f.value, f.unit),
            "-"
            if f.budget is None
            else ("≥ " if f.higher_is_better else "≤ ") + fmt_value(f.budget, f.unit),
            "-" if f.ratio is None else f"{f.ratio:.2f}",
            f.status,
            f.note,
        )
        for f in figures
    ]
    head = ("figure", "measured", "budget", "ratio", "status", "note")
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    line = "  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True))
    print(line)
    print("-" * len(line))
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="a short run (about 15 s)")
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON")
    parser.add_argument("--runs", type=int, help="process runs per variant (default 30)")
    parser.add_argument(
        "--no-cluster",
        action="store_true",
        help="leave out the benchmarks on the local test cluster (lifecycle, operator)",
    )
    parser.add_argument(
        "--rounds", type=int, default=5, help="lifecycle rounds against helm (default 5)"
    )
    parser.add_argument(
        "--operator-count",
        type=int,
        help="ModelServices of the operator benchmark (default "
        "$MODELSERVICE_BENCH_OPERATOR_COUNT or 200)",
    )
    args = parser.parse_args(argv)

    if args.quick:
        runs, warmup, importtime_runs, rss_runs, seconds, scale_seconds = 10, 1, 2, 2, 0.6, 0.4
    else:
        runs, warmup, importtime_runs, rss_runs, seconds, scale_seconds = 30, 3, 5, 5, 2.0, 1.0
    if args.runs:
        runs = args.runs

    for needed in (FACEBOOK_VALUES, Path(CONSOLE_SCRIPT), Path(PYTHON)):
        if not needed.exists():
            print(f"missing: {needed}", file=sys.stderr)
            return 2

    # Measure what users run: byte-compiled modules (a normal install compiles them; an
    # editable one under PYTHONDONTWRITEBYTECODE would recompile at every start).
    import compileall

    compileall.compile_dir(str(Path(__file__).resolve().parents[1] / "src"), quiet=1)

    # Imported here so that a broken install is reported by the check above first.
    from bench_inprocess import bench_scaling, bench_throughput
    from bench_process import bench_chart_version, bench_rss, bench_vs_helm, bench_wall

    print(
        f"modelservice benchmarks{' (quick)' if args.quick else ''}: "
        f"Python {platform.python_version()} on {platform.machine()}, "
        f"interpreter {PYTHON}"
    )
    cpus = os.cpu_count() or 1
    load1 = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    print(f"{cpus} CPUs, load average {load1:.2f}")
    if load1 > cpus:
        print("note: the machine is busy (load > CPUs); wall times will be inflated")
    t0 = time.perf_counter()
    figures: list[Figure] = []
    figures += bench_wall(runs, warmup, importtime_runs)
    figures += bench_throughput(seconds)
    figures += bench_scaling(scale_seconds)
    figures += bench_rss(rss_runs)
    figures += bench_vs_helm(runs, warmup)
    figures += bench_chart_version(runs, warmup)
    if not (args.quick or args.no_cluster):
        import tempfile

        from bench_cluster import bench_cluster
        from bench_operator import bench_operator, default_count

        with tempfile.TemporaryDirectory(prefix="modelservice-bench-") as tmp:
            figures += bench_cluster(args.rounds, Path(tmp))
        with tempfile.TemporaryDirectory(prefix="modelservice-opbench-") as tmp:
            count = args.operator_count or default_count()
            figures += bench_operator(count, Path(tmp), node_pods=250)
    elapsed = time.perf_counter() - t0

    _table(figures)
    over = [f.name for f in figures if f.status == "OVER"]
    print(f"\n{len(figures)} figures, {len(over)} over budget; benchmarks took {elapsed:.1f} s")

    if args.json:
        payload = {
            "quick": args.quick,
            "python": platform.python_version(),
            "machine": platform.machine(),
            "cpus": cpus,
            "load_average_1m": load1,
            "elapsed_s": elapsed,
            "figures": [f.as_json() for f in figures],
        }
        Path(args.json).write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
