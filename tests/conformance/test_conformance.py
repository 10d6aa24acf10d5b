"""Every shared conformance case, rendered through the CLI and compared semantically.

``cases/`` is the seed's system (the default mode); ``versions/`` holds the real ``helm
template`` output of each later upstream chart release (``--chart-version``).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conformance.compare import compare

CONFORMANCE_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "conformance"
CASES_DIR = CONFORMANCE_DIR / "cases"
VERSIONS_DIR = CONFORMANCE_DIR / "versions"

#: Cases of the "Beyond the seed" issues whose keys are not implemented yet, or whose
#: expected output is known to be wrong (then the reason says why; strict: the day the case
#: is corrected it passes, and the mark must go).
PENDING: dict[str, str] = {
    "ext-inferencepool-v1": (
        "expected.yaml gives a v1 InferencePool a v1alpha2-era endpoint picker that cannot "
        "run against it (issue 17, shown with the real GAIE v1.0.1 EPP): camelCase flags "
        "(--poolName, --grpcPort, ...) that a v1 picker refuses, no --pool-group, no "
        "scheduler configuration (a v1 picker will not start without --config-file), the "
        "pre-v1 image ghcr.io/llm-d/llm-d-inference-scheduler:0.0.3 and its scorer env, and "
        "a Role without InferenceObjective. The renderer gives the v1 picker instead "
        "(kebab-case flags, the plugins ConfigMap, the v0.3.2 image, InferenceObjective "
        "read access)"
    ),
}


def _cases(root: Path = CASES_DIR) -> list[Any]:
    if not root.is_dir():
        pytest.fail(f"conformance cases not found at {root}")
    params = []
    for d in sorted(p for p in root.iterdir() if p.is_dir()):
        marks = []
        if d.name in PENDING:
            marks.append(pytest.mark.xfail(reason=PENDING[d.name], strict=True))
        params.append(pytest.param(d, id=d.name, marks=marks))
    return params


def run_case(case_dir: Path) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    case = yaml.safe_load((case_dir / "case.yaml").read_text())
    cmd = [
        sys.executable,
        "-m",
        "modelservice.cli.main",
        "template",
        case["release"],
        "--namespace",
        case["namespace"],
    ]
    for f in case.get("values", ["values.yaml"]):
        cmd += ["-f", str(case_dir / f)]
    for s in case.get("set", []):
        cmd += ["--set", s]
    if "chartVersion" in case:
        cmd += ["--chart-version", str(case["chartVersion"])]
    if case.get("skipSchemaValidation"):
        cmd.append("--skip-schema-validation")
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)
    return proc, case


@pytest.mark.parametrize("case_dir", _cases())
def test_case(case_dir: Path) -> None:
    check_case(case_dir)


@pytest.mark.parametrize("case_dir", _cases(VERSIONS_DIR))
def test_chart_version_case(case_dir: Path) -> None:
    check_case(case_dir)


def check_case(case_dir: Path) -> None:
    proc, case = run_case(case_dir)
    assert "Traceback" not in proc.stderr, proc.stderr
    if "error" in case:
        assert proc.returncode != 0, f"expected failure naming {case['error']}, got success"
        assert proc.stdout == "", "nothing may be written on failure"
        assert case["error"] in proc.stderr, (
            f"the error must name {case['error']!r}; stderr was:\n{proc.stderr}"
        )
        return
    assert proc.returncode == 0, proc.stderr
    expected = (case_dir / "expected.yaml").read_text()
    problems = compare(expected, proc.stdout)
    assert not problems, "\n".join(problems)
