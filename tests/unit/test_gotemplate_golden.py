"""The gotemplate engine against real Helm: every case recorded by
``tests/tools/gotemplate_golden.py`` (template, values, and Helm's output or error).

Cases ran in Helm through ``tpl`` with the chart's root context; errors were recorded
by rendering the case as the chart file ``templates/case.yaml``. The chart's partials
(the upstream chart's helpers and bitnami common) come from the same packaged chart
the tool used, in ../shared.
"""

from __future__ import annotations

import copy
import functools
import json
import tarfile
from pathlib import Path
from typing import Any

import pytest

from modelservice import gotemplate as gt
from modelservice.gotemplate._values import Int

from .helpers import SHARED

DATA = json.loads((Path(__file__).parent / "data" / "gotemplate_golden.json").read_text())
CASES: dict[str, dict[str, str]] = DATA["cases"]
CHART = "gtchart"


@functools.cache
def partials() -> tuple[tuple[str, str], ...]:
    """The chart's partial templates, named as Helm names them (chart/path)."""
    out = []
    with tarfile.open(SHARED / "reference" / "charts" / DATA["chart_partials"]) as tar:
        for m in tar.getmembers():
            if not m.isfile() or not m.name.endswith(".tpl"):
                continue
            f = tar.extractfile(m)
            assert f is not None
            if "/charts/common/templates/" in m.name:
                rel = "templates/common/" + m.name.split("/charts/common/templates/", 1)[1]
            elif m.name.startswith("llm-d-modelservice/templates/"):
                rel = "templates/" + m.name.split("/templates/", 1)[1]
            else:
                continue
            out.append((f"{CHART}/{rel}", f.read().decode()))
    return tuple(out)


@functools.cache
def helpers() -> gt.Templates:
    t = gt.Templates()
    for name, text in partials():
        t.add(text, name)
    return t


def context(template_name: str) -> dict[str, Any]:
    """The root context Helm gave each case: values file (float64 numbers), --set (int64)."""
    values = copy.deepcopy(DATA["values"])
    values["y"] = copy.deepcopy(DATA["yaml_values"])
    values["tv"] = copy.deepcopy(DATA["tplvalues"])
    for k, v in DATA["set"].items():
        values[k] = gt.Int64(v)
    return {
        "Values": values,
        "Release": {
            "Name": "rel",
            "Namespace": "ns",
            "IsUpgrade": False,
            "IsInstall": True,
            "Revision": Int(1),
            "Service": "Helm",
        },
        "Chart": {"Name": CHART, "Version": "1.2.3", "AppVersion": "4.5", "APIVersion": "v2"},
        "Capabilities": gt.capabilities("v1.35.0", ["v1", "apps/v1", "batch/v1"]),
        "Template": {"Name": template_name, "BasePath": f"{CHART}/templates"},
    }


def render_case(case: dict[str, str]) -> str:
    return helpers().render(case["template"], context(f"{CHART}/templates/all.yaml"))


def run_file(text: str) -> str:
    name = f"{CHART}/templates/case.yaml"
    t = gt.Templates()
    for n, body in partials():
        t.add(body, n)
    t.add(text, name)
    return t.execute(name, context(name))


def helm_file_output(raw: str) -> str:
    """What ``helm template`` prints for a rendered file: documents split on ``---``,
    empty ones dropped, each trimmed, each after its Source header."""
    import re

    docs = [d.strip() for d in re.split(r"(?:^|\s*\n)---\s*", raw)]
    docs = [d for d in docs if d]
    return "".join(
        d + "\n" + ("---\n# Source: gtchart/templates/case.yaml\n" if i < len(docs) - 1 else "")
        for i, d in enumerate(docs)
    )


OUTPUT_CASES = sorted(k for k, v in CASES.items() if "output" in v)
ERROR_CASES = sorted(k for k, v in CASES.items() if "error" in v)
FILE_OUTPUT_CASES = sorted(k for k, v in CASES.items() if "file_output" in v)


def test_golden_data_is_substantial() -> None:
    # The point of the file is breadth: several hundred cases, outputs and errors.
    assert len(OUTPUT_CASES) >= 400
    assert len(ERROR_CASES) >= 80
    assert DATA["helm"].startswith("v4.")


@pytest.mark.parametrize("cid", OUTPUT_CASES)
def test_output_matches_helm(cid: str) -> None:
    case = CASES[cid]
    assert render_case(case) == case["output"]


@pytest.mark.parametrize("cid", ERROR_CASES)
def test_error_matches_helm(cid: str) -> None:
    case = CASES[cid]
    with pytest.raises(gt.TemplateError) as info:
        run_file(case["template"])
    assert info.value.helm_message() == case["error"]


@pytest.mark.parametrize("cid", FILE_OUTPUT_CASES)
def test_file_output_matches_helm(cid: str) -> None:
    case = CASES[cid]
    assert helm_file_output(run_file(case["template"])) == case["file_output"]


@pytest.mark.parametrize(
    ("cid", "value"),
    [
        ("scope.000", "{{ .servicePort }}-{{ $.Release.Name }}-{{ .proxy.targetPort }}"),
        ("scope.001", {"port": "{{ .servicePort }}", "name": "{{ $.Release.Name }}"}),
    ],
)
def test_tpl_value_with_scope_matches_helm(cid: str, value: object) -> None:
    # The same value given to common.tplvalues.render with "scope" .Values.routing.
    ctx = context(f"{CHART}/templates/all.yaml")
    got = helpers().tpl_value(value, ctx, scope=ctx["Values"]["routing"])
    assert got == CASES[cid]["output"]
