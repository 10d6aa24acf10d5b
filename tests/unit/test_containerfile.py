"""The operator image's Containerfile fits the Deployment `operator manifests` prints."""

from __future__ import annotations

import re

from modelservice.operator.manifests import manifests
from tests.unit.helpers import REPO_ROOT

CONTAINERFILE = REPO_ROOT / "Containerfile"


def _instructions() -> list[tuple[str, str]]:
    text = CONTAINERFILE.read_text().replace("\\\n", " ")
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
    return [(ln.split(None, 1)[0].upper(), ln.split(None, 1)[1]) for ln in lines]


def test_slim_python_base_with_the_operator_extra() -> None:
    steps = _instructions()
    bases = [arg for op, arg in steps if op == "FROM"]
    assert bases and all(re.match(r"python:3\.1[1-9]-slim\b", b) for b in bases)
    assert any(op == "RUN" and "[operator]" in arg for op, arg in steps)


def test_runs_as_a_numeric_non_root_user_as_the_deployment_requires() -> None:
    """runAsNonRoot can only verify a numeric user."""
    user = [arg for op, arg in _instructions() if op == "USER"][-1]
    uid = user.split(":")[0]
    assert uid.isdigit() and int(uid) != 0
    deployment = next(o for o in manifests(image="x") if o["kind"] == "Deployment")
    pod = deployment["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True


def test_entrypoint_is_the_deployments_command() -> None:
    entry = [arg for op, arg in _instructions() if op == "ENTRYPOINT"][-1]
    deployment = next(o for o in manifests(image="x") if o["kind"] == "Deployment")
    command = deployment["spec"]["template"]["spec"]["containers"][0]["command"]
    assert entry == '["' + '", "'.join(command) + '"]'


def test_readme_documents_the_image() -> None:
    assert "Containerfile" in (REPO_ROOT / "README.md").read_text()
