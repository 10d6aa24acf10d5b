"""Speed of the gotemplate engine: values-file templates, toYaml, a whole upstream chart.

Usage::

    .venv/bin/python benchmarks/bench_gotemplate.py [--quick]

Prints the median time per call of each operation. The renderer may call ``render`` or
``tpl_value`` once per string of a values file, so the per-string figures are the ones
to watch; parsing is cached, so they measure evaluation.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tarfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from modelservice import gotemplate as gt  # noqa: E402
from modelservice.gotemplate._values import Int  # noqa: E402
from modelservice.values.layering import coalesce  # noqa: E402

CHART = ROOT.parent / "shared" / "reference" / "charts" / "llm-d-modelservice-v0.4.12.tgz"
CASE = ROOT.parent / "shared" / "conformance" / "versions" / "v0.4.12-example-pd"

CONTEXT: dict[str, Any] = {
    "Values": {
        "routing": {"servicePort": 8000, "proxy": {"targetPort": 8200}},
        "labels": {"app": "llama", "tier": "inference"},
        "str": "hello",
    },
    "Release": {"Name": "llama", "Namespace": "llm-d", "Service": "Helm"},
}
POD = {
    "containers": [
        {
            "name": f"vllm-{i}",
            "image": "ghcr.io/llm-d/llm-d:v0.2.0",
            "args": ["--port", "8000", "--model", "meta-llama/Llama-3.1-8B"],
            "env": [
                {"name": "PORT", "value": "8000"},
                {"name": "HF_TOKEN", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}},
            ],
            "resources": {"limits": {"nvidia.com/gpu": "4", "memory": "64Gi"}},
        }
        for i in range(10)
    ]
}


def per_call(fn: Callable[[], object], seconds: float) -> float:
    """Median seconds per call over batches filling ``seconds``."""
    fn()
    n = 1
    while True:
        t = time.perf_counter()
        for _ in range(n):
            fn()
        if time.perf_counter() - t > seconds / 20:
            break
        n *= 2
    samples = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        t = time.perf_counter()
        for _ in range(n):
            fn()
        samples.append((time.perf_counter() - t) / n)
    return statistics.median(samples)


def chart_render() -> Callable[[], object]:
    """One whole render of the upstream 0.4.12 chart (templates parsed once)."""
    files: dict[str, str] = {}
    with tarfile.open(CHART) as tar:
        for m in tar.getmembers():
            f = tar.extractfile(m) if m.isfile() else None
            if f is not None and "/templates/" in m.name:
                files[m.name] = f.read().decode()
    t = gt.Templates()
    for name in sorted(files, key=lambda n: (n.count("/"), n), reverse=True):
        t.add(files[name], name)
    with tarfile.open(CHART) as tar:
        member = tar.extractfile("llm-d-modelservice/values.yaml")
        assert member is not None
        defaults = gt.from_yaml(member.read().decode())
    user = gt.from_yaml((CASE / "values.yaml").read_text())
    values = coalesce(defaults, user)
    tops = [n for n in files if "/charts/" not in n and not n.rsplit("/", 1)[1].startswith("_")]

    def run() -> None:
        root: dict[str, Any] = {
            "Values": values,
            "Release": {"Name": "r", "Namespace": "ns", "Revision": Int(1), "Service": "Helm"},
            "Chart": {"Name": "llm-d-modelservice", "Version": "v0.4.12", "AppVersion": "x"},
            "Capabilities": gt.capabilities("v1.35.0"),
        }
        for name in tops:
            root["Template"] = {"Name": name, "BasePath": "llm-d-modelservice/templates"}
            t.execute(name, root)

    return run


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--quick", action="store_true", help="shorter runs")
    args = ap.parse_args()
    s = 0.3 if args.quick else 1.5
    rows: list[tuple[str, float]] = [
        ("render: text without actions", per_call(lambda: gt.render("plain text", CONTEXT), s)),
        (
            "render: {{ .Release.Name }}",
            per_call(lambda: gt.render("{{ .Release.Name }}", CONTEXT), s),
        ),
        (
            "render: URL with three actions",
            per_call(
                lambda: gt.render(
                    "http://{{ .Release.Name }}.{{ .Release.Namespace }}.svc:"
                    "{{ .Values.routing.servicePort }}",
                    CONTEXT,
                ),
                s,
            ),
        ),
        (
            "render: pipeline default|upper|quote",
            per_call(
                lambda: gt.render("{{ .Values.x | default .Values.str | upper | quote }}", CONTEXT),
                s,
            ),
        ),
        ("tpl_value: string without template", per_call(lambda: gt.tpl_value("x", CONTEXT), s)),
        (
            "tpl_value: map holding templates",
            per_call(lambda: gt.tpl_value({"n": "{{ .Release.Name }}", "p": 1}, CONTEXT), s),
        ),
        ("to_yaml: small map", per_call(lambda: gt.to_yaml({"b": 1, "a": "x", "l": [1, 2]}), s)),
        ("to_yaml: pod spec, 10 containers", per_call(lambda: gt.to_yaml(POD), s)),
    ]
    if CHART.is_file() and CASE.is_dir():
        rows.append(("whole chart 0.4.12 (example-pd)", per_call(chart_render(), s)))
    width = max(len(r[0]) for r in rows)
    for label, sec in rows:
        print(f"{label.ljust(width)}  {sec * 1e6:10.1f} µs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
