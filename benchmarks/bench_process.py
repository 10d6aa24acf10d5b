"""Whole-process figures of ``modelservice template``: wall time, start-up split, peak RSS.

Every timed child is started with :class:`subprocess.Popen` and reaped with :func:`os.wait4`,
which returns the CPU time of that one child, so runs never mix. Peak memory is measured
separately (see :func:`bench_rss`), because ``ru_maxrss`` of a child of this process includes
this process's own high-water mark.
"""

from __future__ import annotations

import os
import resource
import subprocess
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from _common import (
    CHART_0_0_9,
    CONSOLE_SCRIPT,
    FACEBOOK_VALUES,
    FETCH_HELM,
    PYTHON,
    TEMPLATE_ARGS,
    Figure,
    median,
    percentile,
    section,
)

WALL_BUDGET_MS = 60.0
RSS_BUDGET_MB = 60.0
GNU_TIME = "/usr/bin/time"


@dataclass(frozen=True)
class Run:
    wall_s: float
    cpu_s: float  # user + system
    returncode: int
    stderr: str


def _clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONPROFILEIMPORTTIME", "PYTHONTRACEMALLOC", "MODELSERVICE_DEBUG")
    }
    if extra:
        env.update(extra)
    return env


def run_once(argv: Sequence[str], env: Mapping[str, str] | None = None) -> Run:
    """Start ``argv`` with stdout to /dev/null, wait for it alone, return its usage."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        list(argv),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=dict(env) if env is not None else _clean_env(),
    )
    assert proc.stderr is not None
    err = proc.stderr.read()  # drain first: a full pipe would block the child
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.stderr.close()
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Run(
        wall_s=wall,
        cpu_s=usage.ru_utime + usage.ru_stime,
        returncode=proc.returncode,
        stderr=err.decode("utf-8", "replace"),
    )


def time_runs(argv: Sequence[str], runs: int, warmup: int) -> list[Run]:
    for _ in range(warmup):
        run_once(argv)
    out = [run_once(argv) for _ in range(runs)]
    bad = [r for r in out if r.returncode != 0]
    if bad:
        raise RuntimeError(f"{' '.join(argv)} exited {bad[0].returncode}:\n{bad[0].stderr[-2000:]}")
    return out


def _ms(xs: Sequence[float]) -> list[float]:
    return [x * 1000.0 for x in xs]


def _report_runs(label: str, runs: Sequence[Run]) -> dict[str, float]:
    wall = _ms([r.wall_s for r in runs])
    cpu = _ms([r.cpu_s for r in runs])
    stats = {
        "median_ms": median(wall),
        "min_ms": min(wall),
        "p90_ms": percentile(wall, 90),
        "max_ms": max(wall),
        "cpu_median_ms": median(cpu),
        "runs": float(len(runs)),
    }
    print(
        f"  {label:<48} median {stats['median_ms']:7.1f} ms  min {stats['min_ms']:7.1f}"
        f"  p90 {stats['p90_ms']:7.1f}  max {stats['max_ms']:7.1f}"
        f"  (cpu {stats['cpu_median_ms']:.1f} ms, n={len(runs)})",
        flush=True,
    )
    return stats


# -- -X importtime ------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportLine:
    name: str
    depth: int
    self_us: int
    cumulative_us: int


def parse_importtime(stderr: str) -> list[ImportLine]:
    """Parse ``-X importtime`` lines: ``import time: self | cumulative | <indent>name``."""
    out: list[ImportLine] = []
    for line in stderr.splitlines():
        if not line.startswith("import time:"):
            continue
        parts = line[len("import time:") :].split("|")
        if len(parts) != 3:
            continue
        try:
            self_us = int(parts[0].strip())
            cum_us = int(parts[1].strip())
        except ValueError:
            continue  # the header line
        raw = parts[2].rstrip()
        # One space after the bar, then two spaces per nesting level.
        indent = len(raw) - len(raw.lstrip(" ")) - 1
        out.append(ImportLine(raw.strip(), max(indent, 0) // 2, self_us, cum_us))
    return out


def _median_importtime(argv: Sequence[str], runs: int) -> tuple[dict[str, ImportLine], list[str]]:
    """Median self/cumulative time per module over ``runs`` runs, and the first run's order."""
    per_module: dict[str, list[ImportLine]] = defaultdict(list)
    order: list[str] = []
    for i in range(runs):
        r = run_once(argv, _clean_env({"PYTHONPROFILEIMPORTTIME": "1"}))
        if r.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} exited {r.returncode}:\n{r.stderr[-2000:]}")
        for ln in parse_importtime(r.stderr):
            per_module[ln.name].append(ln)
            if i == 0:
                order.append(ln.name)
    merged = {
        name: ImportLine(
            name,
            lines[0].depth,
            int(median([x.self_us for x in lines])),
            int(median([x.cumulative_us for x in lines])),
        )
        for name, lines in per_module.items()
    }
    return merged, order


def importtime_report(runs: int, top: int = 10) -> dict[str, object]:
    """Where the start-up of ``modelservice template`` goes, per ``-X importtime``."""
    base, _ = _median_importtime([PYTHON, "-c", "pass"], runs)
    tmpl, order = _median_importtime([CONSOLE_SCRIPT, *TEMPLATE_ARGS], runs)

    startup_mods = set(base)
    extra = [tmpl[n] for n in order if n not in startup_mods]
    roots = [ln for ln in extra if ln.depth == 0]
    import_us = sum(ln.cumulative_us for ln in roots)
    startup_us = sum(ln.cumulative_us for ln in base.values() if ln.depth == 0)

    print(
        f"  -X importtime (median of {runs} runs, console script; the overhead of"
        " -X importtime inflates these a little):"
    )
    print(f"    imports of a bare `python -c pass`:        {startup_us / 1000:7.1f} ms")
    print(f"    imports added by `template` (top level):   {import_us / 1000:7.1f} ms")

    top_cum = sorted(extra, key=lambda ln: ln.cumulative_us, reverse=True)[:top]
    print(f"    {top} largest cumulative imports (depth = nesting level, 0 = imported by")
    print("    the entry point itself):")
    print(f"      {'cumulative':>10} {'self':>8}  depth  module")
    for ln in top_cum:
        print(
            f"      {ln.cumulative_us / 1000:8.2f}ms {ln.self_us / 1000:6.2f}ms"
            f"  {ln.depth:>5}  {ln.name}"
        )

    # Self time per top-level package: which distributions the time is spent in.
    by_pkg: dict[str, int] = defaultdict(int)
    for ln in extra:
        by_pkg[ln.name.split(".")[0]] += ln.self_us
    pkg_rank = sorted(by_pkg.items(), key=lambda kv: kv[1], reverse=True)[:8]
    print(
        "    self time by top-level package: "
        + ", ".join(f"{k} {v / 1000:.1f}ms" for k, v in pkg_rank)
    )

    own = sorted(
        (ln for ln in extra if ln.name.startswith("modelservice")),
        key=lambda ln: ln.self_us,
        reverse=True,
    )[:6]
    print(
        "    largest self times inside modelservice: "
        + ", ".join(f"{ln.name} {ln.self_us / 1000:.1f}ms" for ln in own)
    )
    print(
        f"    modules imported by `template` beyond bare start-up: {len(extra)}",
        flush=True,
    )
    return {
        "startup_imports_ms": startup_us / 1000,
        "template_imports_ms": import_us / 1000,
        "modules_added": len(extra),
        "top_cumulative": [
            {
                "module": ln.name,
                "depth": ln.depth,
                "cumulative_ms": ln.cumulative_us / 1000,
                "self_ms": ln.self_us / 1000,
            }
            for ln in top_cum
        ],
        "self_by_package_ms": {k: v / 1000 for k, v in pkg_rank},
        "modelservice_self_ms": {ln.name: ln.self_us / 1000 for ln in own},
    }


# -- the figures ---------------------------------------------------------------------------


def bench_wall(runs: int, warmup: int, importtime_runs: int) -> list[Figure]:
    section(
        f"1. `modelservice template facebook` as a whole process ({runs} runs, "
        f"{warmup} warm-up, stdout to /dev/null)"
    )
    console = _report_runs(
        "console script  .venv/bin/modelservice",
        time_runs([CONSOLE_SCRIPT, *TEMPLATE_ARGS], runs, warmup),
    )
    module = _report_runs(
        "module          python -m modelservice.cli.main",
        time_runs([PYTHON, "-m", "modelservice.cli.main", *TEMPLATE_ARGS], runs, warmup),
    )
    bare = _report_runs(
        "interpreter     python -c pass", time_runs([PYTHON, "-c", "pass"], runs, warmup)
    )
    nosite = _report_runs(
        "interpreter     python -S -c pass (no site)",
        time_runs([PYTHON, "-S", "-c", "pass"], runs, warmup),
    )
    imp = _report_runs(
        "imports only    python -c 'import ...cli.main'",
        time_runs([PYTHON, "-c", "import modelservice.cli.main"], runs, warmup),
    )

    split: dict[str, dict[str, float]] = {}
    for stat in ("median_ms", "min_ms"):
        startup = bare[stat]
        split[stat] = {
            "interpreter": startup,
            "site": startup - nosite[stat],
            "import_cli_main": imp[stat] - startup,
            "rest": console[stat] - imp[stat],
        }
        sp = split[stat]
        print(
            f"  split of the console-script {stat[:-3]} {console[stat]:.1f} ms:"
            f" interpreter start-up {sp['interpreter']:.1f} ms (of which site {sp['site']:.1f})"
            f" + import modelservice.cli.main {sp['import_cli_main']:.1f} ms"
            f" + command (lazy imports, load, render, dump, exit) {sp['rest']:.1f} ms",
            flush=True,
        )
    it = importtime_report(importtime_runs)

    return [
        Figure(
            "template wall, console script (median)",
            console["median_ms"],
            "ms",
            WALL_BUDGET_MS,
            note=f"min {console['min_ms']:.1f} / p90 {console['p90_ms']:.1f} ms",
            details={
                **console,
                "split_ms": split,
                "importtime": it,
            },
        ),
        Figure(
            "template CPU user+sys, console script (median)",
            console["cpu_median_ms"],
            "ms",
            note="less sensitive to machine load than wall time",
        ),
        Figure(
            "template wall, python -m (median)",
            module["median_ms"],
            "ms",
            WALL_BUDGET_MS,
            note=f"min {module['min_ms']:.1f} / p90 {module['p90_ms']:.1f} ms",
            details=module,
        ),
        Figure(
            "python -c pass (same interpreter, median)",
            bare["median_ms"],
            "ms",
            note="floor of any CLI run",
            details={**bare, "no_site_median_ms": nosite["median_ms"]},
        ),
    ]


def _maxrss_gnu_time(argv: Sequence[str]) -> float | None:
    """Peak RSS in MB of one run under GNU ``/usr/bin/time -f %M``, or None if unavailable.

    ``/usr/bin/time`` is a small C program, so the figure is the child's own. (The ``ru_maxrss``
    that :func:`os.wait4` returns to *this* process is not: a child started with vfork/fork
    inherits the parent's RSS high-water mark across ``exec``.)
    """
    if not os.path.exists(GNU_TIME):
        return None
    out = subprocess.run(
        [GNU_TIME, "-f", "maxrss_kb=%M", *argv],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=_clean_env(),
        text=True,
        check=False,
    )
    for line in reversed(out.stderr.splitlines()):
        if line.startswith("maxrss_kb="):
            if out.returncode != 0:
                raise RuntimeError(f"{' '.join(argv)} exited {out.returncode}:\n{out.stderr}")
            return int(line.split("=", 1)[1]) / 1024
    return None


def _maxrss_helper(argv: Sequence[str]) -> float:
    """Peak RSS in MB via ``getrusage(RUSAGE_CHILDREN)`` in a fresh, minimal helper process.

    The helper's own RSS (a bare ``python -S``, a few MB) is a floor of this figure, since a
    child inherits its parent's high-water mark; the template process is well above it.
    """
    helper = (
        "import os, resource, sys\n"
        "pid = os.fork()\n"
        "if pid == 0:\n"
        "    fd = os.open(os.devnull, os.O_WRONLY); os.dup2(fd, 1)\n"
        "    os.execv(sys.argv[1], sys.argv[1:])\n"
        "_, status = os.waitpid(pid, 0)\n"
        "print(os.waitstatus_to_exitcode(status), "
        "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    )
    out = subprocess.run(
        [PYTHON, "-S", "-c", helper, *argv],
        capture_output=True,
        text=True,
        env=_clean_env(),
        check=True,
    )
    code, kb = out.stdout.split()
    if int(code) != 0:
        raise RuntimeError(f"{' '.join(argv)} exited {code}:\n{out.stderr}")
    return int(kb) / 1024


def bench_rss(runs: int) -> list[Figure]:
    section("4. Peak memory (max RSS) of the `template` process")
    template = [CONSOLE_SCRIPT, *TEMPLATE_ARGS]
    bare = [PYTHON, "-c", "pass"]
    gnu = [_maxrss_gnu_time(template) for _ in range(runs)]
    gnu_base = _maxrss_gnu_time(bare)
    helper = [_maxrss_helper(template) for _ in range(runs)]
    helper_base = _maxrss_helper(bare)
    helper_mb = max(helper)
    gnu_ok = [g for g in gnu if g is not None]
    if gnu_ok:
        peak_mb, method = max(gnu_ok), "/usr/bin/time -f %M"
        print(
            f"  template (console script): max RSS {peak_mb:.1f} MB  [{method}, max of {runs} runs]"
        )
        if gnu_base is not None:
            print(f"  python -c pass:            max RSS {gnu_base:.1f} MB  [{method}]")
    else:
        peak_mb, method = helper_mb, "getrusage(RUSAGE_CHILDREN)"
    print(
        f"  cross-check getrusage(RUSAGE_CHILDREN) in a fresh `python -S` helper:"
        f" template {helper_mb:.1f} MB, python -c pass {helper_base:.1f} MB"
        " (floored by the helper's own RSS)",
        flush=True,
    )
    base_mb = gnu_base if gnu_ok and gnu_base is not None else helper_base
    return [
        Figure(
            "template max RSS",
            peak_mb,
            "MB",
            RSS_BUDGET_MB,
            note=f"python -c pass {base_mb:.1f} MB",
            details={
                "method": method,
                "python_pass_mb": base_mb,
                "rusage_children_mb": helper_mb,
                "rusage_children_python_pass_mb": helper_base,
                "bench_process_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            },
        )
    ]


# -- against helm ----------------------------------------------------------------------------

HELM_RATIO_TARGET = 1.0


def helm_binary() -> str | None:
    """The real helm binary, fetched the way the interop tests fetch it (None if it cannot
    be had: then the ratio is not measured, and the run says so)."""
    import sys

    out = subprocess.run(
        [sys.executable, str(FETCH_HELM)], capture_output=True, text=True, check=False
    )
    return out.stdout.strip() if out.returncode == 0 and out.stdout.strip() else None


def bench_vs_helm(runs: int, warmup: int) -> list[Figure]:
    """``modelservice template`` against ``helm template`` of the 0.0.9 chart, same values,
    runs interleaved (helm, ours, helm, ours...) so that load on the machine hits both
    alike; the figure is the ratio of the medians, its target at most 1.0."""
    helm = helm_binary()
    if helm is None:
        section("5. `template` against `helm template`: helm not available, not measured")
        return []
    version = subprocess.run(
        [helm, "version", "--short"], capture_output=True, text=True, check=False
    ).stdout.strip()
    section(
        f"5. `modelservice template` against `helm template` (helm {version}, chart 0.0.9, "
        f"example-facebook values; {runs} interleaved pairs, {warmup} warm-up)"
    )
    ours_argv = [CONSOLE_SCRIPT, *TEMPLATE_ARGS]
    helm_argv = [helm, "template", "facebook", str(CHART_0_0_9), "-f", str(FACEBOOK_VALUES)]
    for _ in range(warmup):
        run_once(helm_argv)
        run_once(ours_argv)
    ours: list[Run] = []
    theirs: list[Run] = []
    for _ in range(runs):
        theirs.append(run_once(helm_argv))
        ours.append(run_once(ours_argv))
    bad = [r for r in ours + theirs if r.returncode != 0]
    if bad:
        raise RuntimeError(f"a template run failed:\n{bad[0].stderr[-2000:]}")
    o = _report_runs("modelservice template", ours)
    h = _report_runs(f"helm template ({version})", theirs)
    pairs = sorted(a.wall_s / b.wall_s for a, b in zip(ours, theirs, strict=True))
    ratio = o["median_ms"] / h["median_ms"]
    cpu_ratio = o["cpu_median_ms"] / h["cpu_median_ms"]
    print(
        f"  ratio of medians (wall) {ratio:.2f}x (target <= {HELM_RATIO_TARGET:.1f}x); "
        f"per-pair ratios: median {median(pairs):.2f}, p10 {percentile(pairs, 10):.2f}, "
        f"p90 {percentile(pairs, 90):.2f}; CPU (user+sys) ratio {cpu_ratio:.2f}x",
        flush=True,
    )
    return [
        Figure(
            "template wall / helm template wall (median ratio)",
            ratio,
            "x",
            HELM_RATIO_TARGET,
            note=f"helm {version}: {h['median_ms']:.1f} ms, ours {o['median_ms']:.1f} ms; "
            f"pairs p10-p90 {percentile(pairs, 10):.2f}-{percentile(pairs, 90):.2f}",
            details={"helm_version": version, "ours": o, "helm": h, "pair_ratios": pairs},
        ),
        Figure(
            "template CPU / helm template CPU (median ratio)",
            cpu_ratio,
            "x",
            note="user+sys of the process; helm's Go runtime uses several threads",
        ),
    ]


CHART_VERSION_TARGET = 1.10
"""``template --chart-version`` may cost at most 10% more than the default mode."""


def bench_chart_version(runs: int, warmup: int) -> list[Figure]:
    """``template --chart-version`` against the default mode on the same values, runs
    interleaved; one old release (no schema, no templates in values) and the newest one
    (its schema checked, its defaults holding templates that are evaluated)."""
    section(
        f"6. `template --chart-version` against the default mode (example-facebook values; "
        f"{runs} interleaved runs each)"
    )
    base = [CONSOLE_SCRIPT, *TEMPLATE_ARGS]
    variants = {
        "0.0.20": [*base, "--chart-version", "0.0.20"],
        "0.4.12": [*base, "--chart-version", "0.4.12", "--skip-schema-validation"],
    }
    for _ in range(warmup):
        run_once(base)
        for argv in variants.values():
            run_once(argv)
    default_runs: list[Run] = []
    version_runs: dict[str, list[Run]] = {v: [] for v in variants}
    for _ in range(runs):
        default_runs.append(run_once(base))
        for version, argv in variants.items():
            version_runs[version].append(run_once(argv))
    bad = [
        r for r in default_runs + [r for rs in version_runs.values() for r in rs] if r.returncode
    ]
    if bad:
        raise RuntimeError(f"a template run failed:\n{bad[0].stderr[-2000:]}")
    d = _report_runs("template (default mode)", default_runs)
    figures = []
    for version, rs in version_runs.items():
        v = _report_runs(f"template --chart-version {version}", rs)
        figures.append(
            Figure(
                f"template --chart-version {version} / default mode (CPU, median ratio)",
                v["cpu_median_ms"] / d["cpu_median_ms"],
                "x",
                CHART_VERSION_TARGET,
                note=f"wall {v['median_ms']:.1f} ms vs {d['median_ms']:.1f} ms",
            )
        )
    return figures
