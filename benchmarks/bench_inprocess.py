"""In-process figures: throughput of load_values + render, its parts, and scaling."""

from __future__ import annotations

import copy
import functools
import gc
import inspect
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml
from _common import FACEBOOK_VALUES, Figure, section

import modelservice
from modelservice.output.yaml import dump_all

#: Validated releases per second (load_values + render): the target we hold to.
THROUGHPUT_BUDGET = 5000.0
RELEASE = "facebook"
NAMESPACE = "llm-d"


@contextmanager
def one_core() -> Iterator[str]:
    """Pin this process to one CPU for the duration (Linux); restore the affinity after."""
    getter = getattr(os, "sched_getaffinity", None)
    setter = getattr(os, "sched_setaffinity", None)
    if getter is None or setter is None:
        yield "not pinned (no sched_setaffinity)"
        return
    before: set[int] = getter(0)
    cpu = min(before)
    try:
        setter(0, {cpu})
    except OSError:
        yield "not pinned (sched_setaffinity refused)"
        return
    try:
        yield f"pinned to CPU {cpu}"
    finally:
        setter(0, before)


def throughput(fn: Callable[[], object], seconds: float, warmup: int = 20) -> tuple[float, int]:
    """Calls per second of ``fn`` over a loop of about ``seconds``, after ``warmup`` calls."""
    for _ in range(warmup):
        fn()
    n = 0
    batch = 1
    t0 = time.perf_counter()
    deadline = t0 + seconds
    now = t0
    while now < deadline:
        for _ in range(batch):
            fn()
        n += batch
        now = time.perf_counter()
        if now - t0 < seconds / 20:
            batch *= 2  # keep the clock reads rare for fast functions
    return n / (now - t0), n


def bench_throughput(seconds: float) -> list[Figure]:
    files = [str(FACEBOOK_VALUES)]
    preloaded = modelservice.load_values(files=files)
    rendered = modelservice.render_release(preloaded, release=RELEASE, namespace=NAMESPACE)

    def full() -> object:
        values = modelservice.load_values(files=files)
        return modelservice.render(values, release=RELEASE, namespace=NAMESPACE)

    def load_only() -> object:
        return modelservice.load_values(files=files)

    def render_only() -> object:
        return modelservice.render(preloaded, release=RELEASE, namespace=NAMESPACE)

    def render_dump() -> object:
        r = modelservice.render_release(preloaded, release=RELEASE, namespace=NAMESPACE)
        return dump_all(r.objects, r.sources)

    def dump_only() -> object:
        return dump_all(rendered.objects, rendered.sources)

    cases: list[tuple[str, Callable[[], object], bool]] = [
        ("load_values + render", full, True),
        ("load_values only", load_only, False),
        ("render only (pre-loaded Values)", render_only, False),
        ("render + dump_all (YAML text)", render_dump, False),
        ("dump_all only (pre-rendered)", dump_only, False),
    ]
    with one_core() as pin:
        section(f"2. In-process throughput, ~{seconds:g} s per case, {pin}")
        figures: list[Figure] = []
        # Settle first (caches, allocator, CPU frequency after the process benchmarks), so
        # the first case is not penalised relative to the others.
        throughput(full, min(seconds / 2, 0.5))
        for label, fn, budgeted in cases:
            gc.collect()
            rate, n = throughput(fn, seconds)
            print(
                f"  {label:<34} {rate:9,.0f} /s   {1e6 / rate:8.1f} µs per call  (n={n})",
                flush=True,
            )
            figures.append(
                Figure(
                    label,
                    rate,
                    "/s",
                    THROUGHPUT_BUDGET if budgeted else None,
                    higher_is_better=True,
                    note=f"{1e6 / rate:.0f} µs/call",
                    details={"calls": n, "pinning": pin},
                )
            )
    print(f"  ({len(rendered.objects)} objects per release)")
    return figures


def _values_with_containers(base: dict[str, Any], n: int) -> dict[str, Any]:
    values = copy.deepcopy(base)
    first = values["decode"]["containers"][0]
    values["decode"]["containers"] = [dict(copy.deepcopy(first), name=f"c{i}") for i in range(n)]
    return values


def _accepts_user_values() -> bool:
    from modelservice.values.layering import load_values

    return "user_values" in inspect.signature(load_values).parameters


def bench_scaling(seconds: float, sizes: tuple[int, ...] = (1, 10, 100)) -> list[Figure]:
    section(f"3. Scaling with decode containers (load_values + render, ~{seconds:g} s each)")
    base = yaml.safe_load(FACEBOOK_VALUES.read_text("utf-8"))
    via_dict = _accepts_user_values()
    print(f"  values passed via {'load_values(user_values=[dict])' if via_dict else 'temp YAML'}")
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory() as tmp, one_core() as pin:
        for n in sizes:
            values = _values_with_containers(base, n)
            load: Callable[[], Any]
            if via_dict:
                load = functools.partial(modelservice.load_values, user_values=[values])
            else:
                path = Path(tmp) / f"values-{n}.yaml"
                path.write_text(yaml.safe_dump(values), "utf-8")
                load = functools.partial(modelservice.load_values, files=[str(path)])

            def once(load: Callable[[], Any] = load) -> object:
                return modelservice.render(load(), release=RELEASE, namespace=NAMESPACE)

            objs = once()
            assert isinstance(objs, list)
            got = max(
                (
                    len(o["spec"]["template"]["spec"]["containers"])
                    for o in objs
                    if o.get("kind") == "Deployment"
                ),
                default=0,
            )
            gc.collect()
            rate, calls = throughput(once, seconds, warmup=3)
            us = 1e6 / rate
            print(
                f"  {n:>4} containers: {us:10.1f} µs per release  {us / n:8.1f} µs per container"
                f"  (largest Deployment has {got} containers, n={calls})",
                flush=True,
            )
            figures.append(
                Figure(
                    f"release with {n} decode containers",
                    us,
                    "µs",
                    note=f"{us / n:.1f} µs/container",
                    details={
                        "containers": n,
                        "us_per_container": us / n,
                        "calls": calls,
                        "pinning": pin,
                    },
                )
            )
    if len(figures) >= 2:
        a, b = figures[0], figures[-1]
        na, nb = sizes[0], sizes[-1]
        slope = (b.value - a.value) / (nb - na)
        print(
            f"  marginal cost: {slope:.1f} µs per extra container"
            f" (fixed part ≈ {a.value - slope * na:.0f} µs)"
        )
    return figures
