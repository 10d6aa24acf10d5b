"""Shared helpers of the benchmarks: paths, statistics and the result record."""

from __future__ import annotations

import statistics
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
FACEBOOK_VALUES = SHARED / "conformance" / "cases" / "example-facebook" / "values.yaml"
VENV_BIN = ROOT / ".venv" / "bin"
# The venv's interpreter when it exists (the console script runs on it), else our own.
PYTHON = str(VENV_BIN / "python") if (VENV_BIN / "python").exists() else sys.executable
CONSOLE_SCRIPT = str(VENV_BIN / "modelservice")
TEMPLATE_ARGS = ["template", "facebook", "-f", str(FACEBOOK_VALUES)]
CHART_0_0_9 = SHARED / "reference" / "charts" / "llm-d-modelservice-0.0.9.tgz"
FETCH_HELM = ROOT / "tests" / "tools" / "fetch_helm.py"


@dataclass
class Figure:
    """One measured figure, its budget, and whether it stays within it.

    ``higher_is_better`` figures (throughputs) pass when ``value >= budget``; the others
    (times, memory) when ``value <= budget``. ``ratio`` is always ``value / budget``.
    """

    name: str
    value: float
    unit: str
    budget: float | None = None
    higher_is_better: bool = False
    note: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        if self.budget is None or self.budget == 0:
            return None
        return self.value / self.budget

    @property
    def status(self) -> str:
        if self.budget is None:
            return "-"
        ok = self.value >= self.budget if self.higher_is_better else self.value <= self.budget
        return "OK" if ok else "OVER"

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["ratio"] = self.ratio
        data["status"] = self.status
        return data


def median(xs: Sequence[float]) -> float:
    return statistics.median(xs)


def percentile(xs: Sequence[float], p: float) -> float:
    """The ``p``-th percentile (0..100), linearly interpolated between order statistics."""
    s = sorted(xs)
    if not s:
        raise ValueError("percentile of no data")
    k = (len(s) - 1) * p / 100.0
    lo = int(k)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def fmt_value(value: float, unit: str) -> str:
    if unit in ("ms", "MB", "µs", "µs/ctr"):
        return f"{value:,.2f} {unit}"
    if unit == "/s":
        return f"{value:,.0f} {unit}"
    return f"{value:,.3g} {unit}"


def section(title: str) -> None:
    print(f"\n== {title} ==", flush=True)
