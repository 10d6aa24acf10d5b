"""One release's rendering context for an upstream chart version, and its failures."""

from __future__ import annotations

from modelservice.charts.behaviour import Behaviour, behaviour
from modelservice.charts.versions import ChartVersion
from modelservice.datatree import copy_tree
from modelservice.errors import ModelServiceError, Problem, ValuesError
from modelservice.naming import CHART_NAME
from modelservice.renderer.upstream.gosem import default, get, go_str, truthy

TYPE_CHECKING = False  # typing's, without importing typing at run time (see _record)
if TYPE_CHECKING:
    from typing import Any

    Obj = dict[str, Any]
else:
    Obj = dict

ROLES = ("decode", "prefill")


class ChartFailure(ValuesError):
    """What ``helm template`` refuses for this release (the chart's ``fail``/``required``,
    a template error, or YAML the chart writes invalid), worded for the user."""


def fail(path: str, message: str) -> ChartFailure:
    return ChartFailure(Problem(path, message))


class Ctx:
    """The values of one release and what every template helper derives from them."""

    __slots__ = ("_tpl", "b", "chart", "fullname", "namespace", "release", "values")

    def __init__(self, values: Obj, *, release: str, namespace: str, chart: ChartVersion) -> None:
        self.values = values
        self.release = release
        self.namespace = namespace
        self.chart = chart
        self.b: Behaviour = behaviour(chart)
        self.fullname = _fullname(values, release)
        self._tpl: Obj | None = None

    def v(self, *path: str) -> Any:
        """``.Values.a.b``."""
        return get(self.values, *path)

    def role(self, name: str) -> Obj:
        node = self.values.get(name)
        return node if isinstance(node, dict) else {}

    def common_labels(self) -> Obj:
        """The chart's ``labels`` helper."""
        labels: Obj = {"helm.sh/chart": self.chart.label}
        if self.chart.app_version:
            labels["app.kubernetes.io/version"] = self.chart.app_version
        labels["app.kubernetes.io/managed-by"] = "Helm"
        return labels

    def pd_labels(self) -> Obj:
        """The labels that select model-server pods (``pdlabels``)."""
        if self.b.pd_labels == "fixed":
            from modelservice.renderer.upstream.gosem import printed

            return {"llm-d.ai/inferenceServing": "true", "llm-d.ai/model": printed(self.fullname)}
        labels = self.v("modelArtifacts", "labels")
        if not isinstance(labels, dict):
            raise fail(
                "modelArtifacts.labels",
                "must be a map of labels: this chart version selects model-server pods by "
                f"them (got {go_str(labels) or 'nothing'})",
            )
        return copy_tree(labels)

    def role_labels(self, role: str) -> Obj:
        return {**self.pd_labels(), "llm-d.ai/role": role}

    def role_name(self, role: str) -> str:
        return f"{self.fullname}-{role}"

    def sa_name(self) -> str:
        override = self.v("serviceAccountOverride")
        if self.b.sa_override and truthy(override):
            return go_str(override)
        return self.fullname

    @property
    def chart_context(self) -> Obj:
        """The root context templates in values see (``.Values``, ``.Release``, ``.Chart``)."""
        if self._tpl is None:
            from modelservice import gotemplate

            self._tpl = {
                "Values": self.values,
                "Release": {
                    "Name": self.release,
                    "Namespace": self.namespace,
                    "Service": "Helm",
                    "IsInstall": True,
                    "IsUpgrade": False,
                    "Revision": gotemplate.Int(1),
                },
                "Chart": {
                    "Name": CHART_NAME,
                    "Version": self.chart.chart_version,
                    "AppVersion": self.chart.app_version,
                },
                "Capabilities": gotemplate.capabilities("v1.35.0"),
                "Template": {"Name": "", "BasePath": f"{CHART_NAME}/templates"},
            }
        context: Obj = self._tpl
        return context


def _trunc(text: str, n: int) -> str:
    """``trunc N | trimSuffix "-"`` (one dash, as Go's TrimSuffix)."""
    out = text[:n]
    return out[:-1] if out.endswith("-") else out


def _fullname(values: Obj, release: str) -> str:
    override = values.get("fullnameOverride")
    if truthy(override):
        return _trunc(go_str(override), 55)
    name = go_str(default(CHART_NAME, values.get("nameOverride")))
    if name in release:
        return _trunc(release, 55)
    return _trunc(f"{release}-{name}", 55)


__all__ = ["ROLES", "ChartFailure", "Ctx", "ModelServiceError", "Obj", "fail"]
