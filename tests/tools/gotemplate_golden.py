#!/usr/bin/env python3
"""Record what real Helm renders for the gotemplate engine's test cases (golden data).

Builds a throwaway chart holding the cases, the upstream chart's helpers and bitnami
common's templates (both from ../shared/reference/charts), runs the real ``helm
template`` (``tests/tools/fetch_helm.py`` fetches it), and writes
``tests/unit/data/gotemplate_golden.json``: for every case its template text and either
Helm's output or Helm's error message. The unit tests compare the engine with that file
and need no helm at run time.

Successful cases run together, each through ``tpl`` (so each sees a fresh copy of the
chart's templates, as a value passed to ``common.tplvalues.render`` does); a case whose
batch fails is run on its own as a chart file, to record Helm's own error message.

    python3 tests/tools/gotemplate_golden.py         # rewrite the golden file
    python3 tests/tools/gotemplate_golden.py --check # exit 1 if it would change

Stdlib only.
"""

from __future__ import annotations

import argparse
import base64
import json
import re
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gotemplate_cases import (
    CHART_VERSION,
    FILE_CASES,
    SET_VALUES,
    TPL_CASES,
    TPLVALUES,
    VALUES,
    YAML_VALUES,
)

T = TypeVar("T")
R = TypeVar("R")
ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "unit" / "data" / "gotemplate_golden.json"
CHART_TGZ = (
    ROOT.parent / "shared" / "reference" / "charts" / f"llm-d-modelservice-v{CHART_VERSION}.tgz"
)
CHART = "gtchart"


def helm_path() -> str:
    out = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "tools" / "fetch_helm.py")],
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip().splitlines()[-1]


def partials() -> dict[str, str]:
    """The upstream chart's helpers and common's templates, by their path in our chart."""
    out: dict[str, str] = {}
    with tarfile.open(CHART_TGZ) as tar:
        for m in tar.getmembers():
            name = m.name
            if not m.isfile() or not name.endswith(".tpl"):
                continue
            f = tar.extractfile(m)
            assert f is not None
            text = f.read().decode()
            if "/charts/common/templates/" in name:
                rel = "templates/common/" + name.split("/charts/common/templates/", 1)[1]
            elif name.startswith("llm-d-modelservice/templates/"):
                rel = "templates/" + name.split("/templates/", 1)[1]
            else:
                continue
            out[rel] = text
    return out


def write_chart(root: Path, templates: dict[str, str], cases: dict[str, str]) -> None:
    (root / "templates").mkdir(parents=True)
    (root / "Chart.yaml").write_text(
        f'apiVersion: v2\nname: {CHART}\nversion: 1.2.3\nappVersion: "4.5"\n'
    )
    values = dict(VALUES)
    values["y"] = YAML_VALUES
    values["tv"] = TPLVALUES
    # JSON is YAML: Helm reads this as it reads any values file.
    (root / "values.yaml").write_text(yaml_safe_json(values))
    for rel, text in templates.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    if cases:
        (root / "cases").mkdir()
        for cid, text in cases.items():
            (root / "cases" / f"{cid}.tpl").write_text(text)


def yaml_safe_json(value: object) -> str:
    """JSON that go-yaml accepts: it refuses raw characters YAML calls non-printable
    (DEL, C1 controls), which JSON allows; those are written as escapes."""
    text = json.dumps(value, indent=1, ensure_ascii=False)

    def esc(m: re.Match[str]) -> str:
        return f"\\u{ord(m.group(0)):04x}"

    return re.sub("[\x7f-\x9f\u2028\u2029\ufeff]", esc, text)


BATCH = """{{- range $path, $_ := .Files.Glob "cases/*.tpl" }}
{{ base $path }}: {{ tpl ($.Files.Get $path) $ | b64enc | quote }}
{{- end }}
"""


def set_args() -> list[str]:
    return ["--set", ",".join(f"{k}={v}" for k, v in SET_VALUES.items())]


def run_helm(helm: str, chart: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [helm, "template", "rel", str(chart), "-n", "ns", *set_args()],
        capture_output=True,
        text=True,
        timeout=120,
    )


def helm_error(stderr: str) -> str:
    text = stderr.strip()
    text = re.sub(r"\n+Use --debug flag to render out invalid YAML$", "", text)
    if text.startswith("Error: "):
        text = text[len("Error: ") :]
    return text


def run_batch(helm: str, base: dict[str, str], cases: dict[str, str]) -> dict[str, str] | str:
    with tempfile.TemporaryDirectory() as tmp:
        chart = Path(tmp) / CHART
        write_chart(chart, {**base, "templates/all.yaml": BATCH}, cases)
        r = run_helm(helm, chart)
    if r.returncode != 0:
        return helm_error(r.stderr)
    out: dict[str, str] = {}
    for line in r.stdout.splitlines():
        m = re.match(r'^(\S+)\.tpl: "(.*)"$', line)
        if m:
            # Go strings are bytes: a cut through a UTF-8 sequence reads back as U+FFFD.
            out[m.group(1)] = base64.b64decode(m.group(2)).decode(errors="replace")
    return out


def run_file(helm: str, base: dict[str, str], text: str) -> tuple[str, str | None]:
    """Render ``text`` as the chart file templates/case.yaml: (output, error)."""
    with tempfile.TemporaryDirectory() as tmp:
        chart = Path(tmp) / CHART
        write_chart(chart, {**base, "templates/case.yaml": text}, {})
        r = run_helm(helm, chart)
    if r.returncode != 0:
        return "", helm_error(r.stderr)
    return r.stdout, None


def _parallel(fn: Callable[[T], R], items: list[T]) -> list[R]:
    with ThreadPoolExecutor(max_workers=3) as pool:
        return list(pool.map(fn, items))


def collect(helm: str) -> dict[str, object]:
    base = partials()
    tpl_cases = dict(TPL_CASES)
    for cid in YAML_VALUES:
        tpl_cases[f"yaml.{cid}"] = "{{ toYaml (index .Values.y " + json.dumps(cid) + ") }}"
    for cid in TPLVALUES:
        tpl_cases[f"tv.{cid}"] = (
            '{{ include "common.tplvalues.render" (dict "value" (index .Values.tv '
            + json.dumps(cid)
            + ') "context" $) }}'
        )
    results: dict[str, dict[str, str]] = {}
    items = list(tpl_cases.items())
    groups = [dict(items[i : i + 40]) for i in range(0, len(items), 40)]
    failed: dict[str, str] = {}
    for group, got in zip(
        groups, _parallel(lambda g: run_batch(helm, base, g), groups), strict=True
    ):
        if isinstance(got, dict):
            for cid, text in group.items():
                results[cid] = {"template": text, "output": got[cid]}
        else:
            failed.update(group)
    singles = [{cid: text} for cid, text in failed.items()]
    for one, got in zip(
        singles, _parallel(lambda g: run_batch(helm, base, g), singles), strict=True
    ):
        ((cid, text),) = one.items()
        if isinstance(got, dict):
            results[cid] = {"template": text, "output": got[cid]}
        else:
            _, err = run_file(helm, base, text)
            results[cid] = {"template": text, "error": err or "", "tpl_error": got}
    file_items = list(FILE_CASES.items())
    outs = _parallel(lambda kv: run_file(helm, base, kv[1]), file_items)
    for (cid, text), (out, err) in zip(file_items, outs, strict=True):
        if err is None:
            doc = out.split("# Source: gtchart/templates/case.yaml\n", 1)
            results[f"file.{cid}"] = {
                "template": text,
                "file_output": doc[1] if len(doc) > 1 else "",
            }
        else:
            results[f"file.{cid}"] = {"template": text, "error": err}
    version = subprocess.run([helm, "version", "--short"], capture_output=True, text=True)
    return {
        "helm": version.stdout.strip(),
        "chart_partials": f"llm-d-modelservice-v{CHART_VERSION}.tgz",
        "values": VALUES,
        "set": SET_VALUES,
        "yaml_values": YAML_VALUES,
        "tplvalues": TPLVALUES,
        "cases": dict(sorted(results.items())),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="fail if the golden file is stale")
    args = ap.parse_args()
    data = collect(helm_path())
    text = json.dumps(data, indent=1, ensure_ascii=False, sort_keys=False) + "\n"
    if args.check:
        if OUT.read_text() != text:
            print(f"{OUT} is out of date; rerun {Path(__file__).name}", file=sys.stderr)
            return 1
        return 0
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text)
    n = len(data["cases"])  # type: ignore[arg-type]
    print(f"wrote {n} cases to {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
