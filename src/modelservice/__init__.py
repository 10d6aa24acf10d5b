"""llm-d-modelservice: deploy vLLM on Kubernetes the llm-d way, from one values file.

The public API::

    import modelservice

    values = modelservice.load_values(files=["values.yaml"], sets=["decode.replicas=2"])
    objects = modelservice.render(values, release="my-model", namespace="llm-d")

Everything else in the package is private. Attributes are imported on first use so that
``import modelservice`` (and the CLI's start-up) stays cheap.
"""

from __future__ import annotations

from modelservice.errors import ModelServiceError, Problem, SetSyntaxError, ValuesError

TYPE_CHECKING = False  # typing's, without importing typing at run time (see _record)
if TYPE_CHECKING:
    from typing import Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from modelservice._api import Rendered, load_values, render, render_release, validate_values
    from modelservice.cluster.client import Cluster, ClusterError
    from modelservice.cluster.release import Release, ReleaseError, list_releases
    from modelservice.planning.recommend.options import (
        DeploymentOption,
        NoRecommendation,
        Recommendation,
        recommend,
    )
    from modelservice.planning.sweep import SweepResult, sweep
    from modelservice.values.checks import Validated
    from modelservice.values.layering import Values
    from modelservice.values.model import ModelService

__all__ = [
    "Cluster",
    "ClusterError",
    "DeploymentOption",
    "ModelService",
    "ModelServiceError",
    "NoRecommendation",
    "Problem",
    "Recommendation",
    "Release",
    "ReleaseError",
    "Rendered",
    "SetSyntaxError",
    "SweepResult",
    "Validated",
    "Values",
    "ValuesError",
    "__version__",
    "list_releases",
    "load_values",
    "recommend",
    "render",
    "render_release",
    "sweep",
    "validate_values",
]

_LAZY = {
    "load_values": "modelservice._api",
    "Values": "modelservice.values.layering",
    "render": "modelservice._api",
    "render_release": "modelservice._api",
    "validate_values": "modelservice._api",
    "Rendered": "modelservice._api",
    "Validated": "modelservice.values.checks",
    "ModelService": "modelservice.values.model",
    "Cluster": "modelservice.cluster.client",
    "ClusterError": "modelservice.cluster.client",
    "Release": "modelservice.cluster.release",
    "ReleaseError": "modelservice.cluster.release",
    "list_releases": "modelservice.cluster.release",
    "sweep": "modelservice.planning.sweep",
    "recommend": "modelservice.planning.recommend.options",
    "Recommendation": "modelservice.planning.recommend.options",
    "DeploymentOption": "modelservice.planning.recommend.options",
    "NoRecommendation": "modelservice.planning.recommend.options",
    "SweepResult": "modelservice.planning.sweep",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'modelservice' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
