"""Shared helpers for the unit tests: rendering small values and finding objects."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from modelservice import Problem, ValuesError
from modelservice.pipeline import Rendered, render_release

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED = REPO_ROOT.parent / "shared"
CASES_DIR = SHARED / "conformance" / "cases"
CRDS_DIR = SHARED / "crds"

RELEASE = "rel"
FULL = "rel-llm-d-modelservice"

#: A real (non-simulator) vLLM image: the accelerator rules apply to it.
VLLM = "vllm/vllm-openai:v0.9.1"
SIM = "ghcr.io/llm-d/llm-d-inference-sim:0.0.4"


def rendered(
    values: Mapping[str, Any] | None = None, *, release: str = RELEASE, namespace: str = "default"
) -> Rendered:
    """Validate and render user values laid over the built-in defaults."""
    return render_release(values or {}, release=release, namespace=namespace)


def objects(values: Mapping[str, Any] | None = None, **kw: Any) -> list[dict[str, Any]]:
    return rendered(values, **kw).objects


def find(objs: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    hits = [o for o in objs if o["kind"] == kind and o["metadata"]["name"] == name]
    assert len(hits) == 1, f"{kind}/{name} not rendered exactly once; have {kinds(objs)}"
    return hits[0]


def kinds(objs: list[dict[str, Any]]) -> list[str]:
    return [f"{o['kind']}/{o['metadata']['name']}" for o in objs]


def workload(objs: list[dict[str, Any]], role: str, *, release: str = RELEASE) -> dict[str, Any]:
    """The Deployment or LeaderWorkerSet of a role."""
    name = f"{release}-llm-d-modelservice-{role}"
    hits = [
        o
        for o in objs
        if o["kind"] in ("Deployment", "LeaderWorkerSet") and o["metadata"]["name"] == name
    ]
    assert len(hits) == 1, f"workload {name} not rendered exactly once; have {kinds(objs)}"
    return hits[0]


def pod_spec(objs: list[dict[str, Any]], role: str, *, template: str = "") -> dict[str, Any]:
    """A role's pod spec; for a LeaderWorkerSet pass template='leaderTemplate' or
    'workerTemplate'."""
    w = workload(objs, role)
    if w["kind"] == "Deployment":
        spec: dict[str, Any] = w["spec"]["template"]["spec"]
        return spec
    spec = w["spec"]["leaderWorkerTemplate"][template or "workerTemplate"]["spec"]
    return spec


def containers(objs: list[dict[str, Any]], role: str, **kw: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = pod_spec(objs, role, **kw)["containers"]
    return out


def first(objs: list[dict[str, Any]], role: str, **kw: Any) -> dict[str, Any]:
    return containers(objs, role, **kw)[0]


def vllm(**fields: Any) -> dict[str, Any]:
    """A container entry with a real vLLM image (defaults: vllmServe, model volume)."""
    c: dict[str, Any] = {
        "name": "vllm",
        "image": VLLM,
        "modelCommand": "vllmServe",
        "mountModelVolume": True,
    }
    c.update(fields)
    return c


def values_error(
    values: Mapping[str, Any] | None, *, release: str = RELEASE, namespace: str = "default"
) -> ValuesError:
    """Render and return the ValuesError (failing the test if rendering succeeds)."""
    with pytest.raises(ValuesError) as info:
        render_release(values or {}, release=release, namespace=namespace)
    err = info.value
    assert err.problems, "a ValuesError must carry at least one problem"
    for p in err.problems:
        assert isinstance(p, Problem)
        assert p.message.strip(), f"empty message in {p!r}"
    return err


def paths(err: ValuesError) -> list[str]:
    return [p.path for p in err.problems]


def problem_at(err: ValuesError, path: str) -> Problem:
    hits = [p for p in err.problems if p.path == path]
    assert hits, f"no problem at {path!r}; problems: {[str(p) for p in err.problems]}"
    return hits[0]


def env_dict(container: dict[str, Any]) -> dict[str, Any]:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container["env"]}


def gpu(container: dict[str, Any]) -> tuple[Any, Any]:
    res = container.get("resources", {})
    return (
        res.get("limits", {}).get("nvidia.com/gpu"),
        res.get("requests", {}).get("nvidia.com/gpu"),
    )


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run the CLI in-process; (exit status, stdout, stderr)."""
    from modelservice.cli.main import main

    try:
        code = main(argv)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err
