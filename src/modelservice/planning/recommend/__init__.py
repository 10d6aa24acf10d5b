"""Deployment options from llm-d-planner's benchmark data, and values files for them.

``recommend`` ranks (model, GPU type, tensor parallelism, replicas) options for a use case
and a user count; ``predict`` tells what a release's decode pods should serve. Both read
llm-d-planner's bundled data through :mod:`.source`, the only module that imports it (the
``planner`` extra), and only when called. Names are imported on first use: ``plan`` asks
for a prediction on every run and must not pay for the rest.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from modelservice.planning.recommend.options import (
        DataInfo,
        DeploymentOption,
        NoRecommendation,
        Recommendation,
        RequestError,
        recommend,
        write_values,
    )
    from modelservice.planning.recommend.predict import Capacity, Prediction, predict
    from modelservice.planning.recommend.source import PlannerUnavailable

__all__ = [
    "Capacity",
    "DataInfo",
    "DeploymentOption",
    "NoRecommendation",
    "PlannerUnavailable",
    "Prediction",
    "Recommendation",
    "RequestError",
    "predict",
    "recommend",
    "write_values",
]

_LAZY = {
    **dict.fromkeys(
        ("DataInfo", "NoRecommendation", "DeploymentOption", "Recommendation", "RequestError",
         "recommend", "write_values"),
        "options",
    ),
    **dict.fromkeys(("Capacity", "Prediction", "predict"), "predict"),
    "PlannerUnavailable": "source",
}  # fmt: skip


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
