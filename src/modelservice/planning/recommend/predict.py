"""What a release's decode pods should serve, by llm-d-planner's data (``plan``, ``sweep``).

For a values file whose decode role names a model, a GPU type (its ``acceleratorTypes``
label values) and a GPUs-per-replica count that the data hold benchmarks for: the highest
request rate one replica sustains within a use case's SLO targets, that times the replica
count, and the hourly cost of the decode GPUs. Without llm-d-planner, or for values that
request no GPUs, there is nothing to say; for values the data do not cover the reason is
given plainly, never a guess.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from modelservice.planning.recommend.source import PlannerData
    from modelservice.values.layering import Values
    from modelservice.values.model import ModelService

__all__ = [
    "Capacity",
    "Prediction",
    "check_use_case",
    "format_prediction",
    "predict",
    "prediction_for_values",
    "rate_text",
]


class Capacity(NamedTuple):
    """One use case's predicted capacity."""

    use_case: str
    prompt_tokens: int
    output_tokens: int
    ttft_ms: int
    itl_ms: int
    e2e_ms: int
    """The use case's SLO targets (the planner's defaults, medium latency priority)."""
    per_replica: float | None
    """Requests/s one decode replica sustains within the targets; None when none does."""
    total: float | None
    note: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "useCase": self.use_case,
            "promptTokens": self.prompt_tokens,
            "outputTokens": self.output_tokens,
            "slo": {"ttftMs": self.ttft_ms, "itlMs": self.itl_ms, "e2eMs": self.e2e_ms},
            "requestsPerSecondPerReplica": self.per_replica,
            "requestsPerSecond": self.total,
            "note": self.note,
        }


class Prediction(NamedTuple):
    """The planner's prediction for one release, or why there is none."""

    model: str
    gpu: str | None
    gpus_per_replica: int
    replicas: int
    version: str
    source: str | None = None
    confidence: str | None = None
    """Of the data, when they were read (a reason found without them leaves these None)."""
    capacities: tuple[Capacity, ...] = ()
    cost_per_hour: float | None = None
    reason: str | None = None
    """Why there is no prediction (the data do not cover these values)."""

    @property
    def gpus_total(self) -> int:
        return self.gpus_per_replica * self.replicas

    def capacity(self, use_case: str) -> Capacity | None:
        return next((c for c in self.capacities if c.use_case == use_case), None)

    def as_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "gpu": self.gpu,
            "gpusPerReplica": self.gpus_per_replica,
            "replicas": self.replicas,
            "costPerHour": None if self.cost_per_hour is None else round(self.cost_per_hour, 2),
            "capacities": [c.as_dict() for c in self.capacities],
            "reason": self.reason,
            "data": {
                "package": "llm-d-planner",
                "version": self.version,
                "source": self.source,
                "confidence": self.confidence,
            },
        }


def _model_id(ms: ModelService) -> str:
    if ms.model_uri.repo:
        return ms.model_uri.repo
    return ms.routing.model_name or ms.model_uri.raw


def _gpu_type(data: PlannerData, ms: ModelService) -> tuple[str | None, str | None]:
    """The catalog GPU the decode pods are pinned to, or why it cannot be told."""
    values = ms.decode.accelerator_label_values
    found = {g.name for g in (data.gpu(v) for v in values) if g is not None}
    if len(found) != 1:
        named = ", ".join(values)
        what = "several GPU types" if found else "no GPU type of llm-d-planner's catalog"
        return None, f"decode.acceleratorTypes ({named}) names {what}"
    return found.pop(), None


def check_use_case(use_case: str | None) -> PlannerData:
    """llm-d-planner's data, after checking that they know ``use_case`` (if given).

    Raises ``PlannerUnavailable`` without llm-d-planner and
    :class:`~.options.RequestError` for an unknown use case.
    """
    from modelservice.planning.recommend import source

    data = source.load()
    if use_case is not None and use_case not in data.use_cases():
        from modelservice.errors import Problem
        from modelservice.planning.recommend.options import RequestError

        raise RequestError(
            Problem(
                "--use-case",
                f"unknown use case {use_case!r}; one of: {', '.join(data.use_cases())}",
            )
        )
    return data


def predict(values_model: ModelService, *, use_case: str | None = None) -> Prediction | None:
    """The prediction for a release's decode pods; None when there is nothing to say
    (llm-d-planner not installed, or no GPUs requested).

    ``use_case`` limits the capacities to one use case (all of them by default); an
    unknown one raises :class:`~.options.RequestError`.
    """
    ms = values_model
    decode = ms.decode
    if not decode.create or decode.accelerator_resource is None:
        return None
    from modelservice.planning.recommend import source

    if decode.parallelism.accelerators_per_pod < 1 or not source.available():
        return None
    model = _model_id(ms)
    per_replica = decode.parallelism.tensor
    base = Prediction(model, None, per_replica, decode.replicas, source.installed_version() or "")
    # Reasons that need no data first: loading llm-d-planner costs about a second.
    why = None
    if not decode.accelerator_label_values:
        why = (
            "the values do not say which GPU type (decode.acceleratorTypes), so llm-d-planner's "
            "data cannot be matched"
        )
    elif ms.prefill.create:
        why = (
            "the release splits prefill and decode; llm-d-planner's benchmarks measure "
            "aggregated serving (decode pods only)"
        )
    elif ms.multinode or decode.parallelism.data > 1:
        why = "llm-d-planner's benchmarks have no data parallelism (decode.parallelism.data 1)"
    if why is not None and use_case is None:
        return base._replace(reason=why)
    data = check_use_case(use_case)
    base = base._replace(source=data.source, confidence=data.confidence)
    if why is not None:
        return base._replace(reason=why)
    gpu, why = _gpu_type(data, ms)
    if why is not None or gpu is None:
        return base._replace(reason=why)
    catalog_gpu = data.gpu(gpu)
    cost = None if catalog_gpu is None else catalog_gpu.cost_per_hour * base.gpus_total
    base = base._replace(gpu=gpu, cost_per_hour=cost)  # the price needs no benchmark
    rows = {(p, o) for m, g, n, p, o in data.coverage
            if m == model.lower() and g == gpu and n == per_replica}  # fmt: skip
    if not rows:
        return base._replace(
            reason=f"no benchmark for {model} on {per_replica} x {gpu} per replica in "
            "llm-d-planner's data"
        )
    cases = [use_case] if use_case else list(data.use_cases())
    medium = {"quality": "medium", "cost": "medium", "latency": "medium"}
    capacities = []
    for case in cases:
        spec, _ = data.spec(case, 1, priorities=medium)
        note = None
        rate: float | None = None
        if (spec.prompt_tokens, spec.output_tokens) not in rows:
            note = "no benchmark at these token lengths"
        else:
            rate = data.best_rate(model, gpu, per_replica, spec)
            if rate is None:
                note = "no benchmarked rate meets the SLO targets"
        capacities.append(
            Capacity(
                case,
                spec.prompt_tokens,
                spec.output_tokens,
                spec.ttft_ms,
                spec.itl_ms,
                spec.e2e_ms,
                rate,
                None if rate is None else rate * decode.replicas,
                note,
            )
        )
    return base._replace(capacities=tuple(capacities))


def rate_text(x: float | None) -> str:
    """A request rate for a table: two decimals at most, ``-`` for none."""
    return "-" if x is None else f"{round(x, 2):g}"


def format_prediction(p: Prediction) -> str:
    """The prediction as lines for people (after ``plan``'s table)."""
    from modelservice.planning.plan import table

    cost = (
        f"cost of the decode GPUs: {p.gpus_total} x {p.gpu} = ${p.cost_per_hour:,.2f}/h "
        "(the catalog's base price)\n"
        if p.cost_per_hour is not None
        else ""
    )
    if p.reason is not None:
        return f"predicted capacity: none ({p.reason})\n{cost}"
    head = (
        f"predicted capacity of {p.model} on {p.gpus_per_replica} x {p.gpu} per decode "
        f"replica, {p.replicas} replica{'s' if p.replicas != 1 else ''}\n"
        f"(llm-d-planner {p.version}, bundled data: source {p.source}, marked {p.confidence}):"
    )
    header = ["USE CASE", "TOKENS IN/OUT", "SLO P95 TTFT/ITL/E2E MS", "REQ/S/REPLICA", "REQ/S"]
    rows = [
        [
            c.use_case,
            f"{c.prompt_tokens}/{c.output_tokens}",
            f"{c.ttft_ms}/{c.itl_ms}/{c.e2e_ms}",
            rate_text(c.per_replica),
            rate_text(c.total) if c.note is None else f"- ({c.note})",
        ]
        for c in p.capacities
    ]
    return "\n".join([head, *table(header, rows)]) + "\n" + cost


def prediction_for_values(
    values: Values | Mapping[str, Any],
    *,
    release: str,
    namespace: str,
    use_case: str | None,
) -> Prediction | None:
    """:func:`predict` for values (loaded, or a user values document as a sweep treatment
    keeps it)."""
    from modelservice.pipeline import validate_values

    checked = validate_values(values, release=release, namespace=namespace)
    return predict(checked.model, use_case=use_case)
