"""``recommend``: ranked deployment options for a use case, from llm-d-planner's data.

A use case and a user count become a request rate, token lengths and SLO targets (the
planner's templates, or the caller's own targets); every (model, GPU, GPUs per replica)
benchmark that meets the targets becomes an option with the replicas the rate needs, its
cost and its scores; the caller's filters apply and the options are ranked in one of the
planner's four views. With a cluster, GPU types are those its nodes' product labels name,
and each option is packed onto the nodes as ``plan --cluster`` would.

When the data do not cover what was asked, the error says which part is missing (no
benchmark for that model, GPU or token lengths) rather than showing something else.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from modelservice.errors import ModelServiceError, Problem, ValuesError
from modelservice.planning.recommend.source import (
    HOURS_PER_MONTH,
    VIEWS,
    DeploymentOption,
    PlannerData,
    Spec,
    load,
)

if TYPE_CHECKING:
    from modelservice.cluster.client import Cluster
    from modelservice.planning.packing import Node

__all__ = [
    "LEVELS",
    "DataInfo",
    "DeploymentOption",
    "NoRecommendation",
    "Recommendation",
    "RequestError",
    "recommend",
    "write_values",
]

LEVELS = ("low", "medium", "high")
_ASPECTS = ("quality", "cost", "latency")
_FIT_RELEASE = "recommend"


class NoRecommendation(ModelServiceError):
    """The data hold no option for what was asked; the message says which part."""


class RequestError(ValuesError):
    """The request itself (use case, users, filters) is not acceptable."""

    subject = "the request"


class DataInfo(NamedTuple):
    """Which data the figures come from."""

    package: str
    version: str
    source: str
    confidence: str
    description: str


class Recommendation(NamedTuple):
    """The ranked options for one request, and what they were computed from."""

    spec: Spec
    view: str
    options: tuple[DeploymentOption, ...]
    data: DataInfo
    evaluated: int
    """Configurations that met the SLO targets, before filters and the cost ceiling."""
    kept: int
    """Of those, how many the GPU, model and cluster filters kept."""
    gpus: tuple[str, ...] = ()
    """The GPU types asked for (catalog names), empty for any."""
    models: tuple[str, ...] = ()
    max_cost_per_month: float | None = None
    cluster_gpus: tuple[str, ...] | None = None
    """With a cluster: the GPU types its nodes' labels name."""
    nodes: int | None = None
    warnings: tuple[str, ...] = ()

    def option(self, rank: int) -> DeploymentOption:
        """The option ranked ``rank`` (from 1)."""
        for o in self.options:
            if o.rank == rank:
                return o
        raise RequestError(
            Problem("--pick", f"there is no option {rank}; choose 1 to {len(self.options)}")
        )

    def values(self, rank: int) -> dict[str, Any]:
        """The user values of option ``rank`` (see :mod:`.values`)."""
        from modelservice.planning.recommend.values import option_values

        return option_values(self.option(rank))

    def values_yaml(self, rank: int) -> str:
        """The values file of option ``rank``, with a header saying where each number
        came from."""
        from modelservice.planning.recommend.values import values_document

        return values_document(self, self.option(rank))

    def filters_text(self) -> str:
        parts = []
        if self.gpus:
            parts.append("GPU " + "/".join(self.gpus))
        if self.cluster_gpus is not None:
            parts.append("cluster GPUs " + "/".join(self.cluster_gpus))
        if self.models:
            parts.append("model " + ", ".join(self.models))
        if self.max_cost_per_month is not None:
            parts.append(f"at most ${self.max_cost_per_month:,.2f}/month")
        return "; ".join(parts)

    def as_dict(self) -> dict[str, Any]:
        s = self.spec
        return {
            "useCase": s.use_case,
            "users": s.users,
            "workload": {
                "requestsPerSecond": s.requests_per_second,
                "promptTokens": s.prompt_tokens,
                "outputTokens": s.output_tokens,
            },
            "slo": {
                "percentile": s.percentile,
                "ttftMs": s.ttft_ms,
                "itlMs": s.itl_ms,
                "e2eMs": s.e2e_ms,
            },
            "priorities": s.priorities,
            "weights": s.weights,
            "view": self.view,
            "filters": {
                "gpus": list(self.gpus),
                "models": list(self.models),
                "maxCostPerMonth": self.max_cost_per_month,
                "clusterGpus": None if self.cluster_gpus is None else list(self.cluster_gpus),
            },
            "evaluated": self.evaluated,
            "afterFilters": self.kept,
            "options": [o.as_dict() for o in self.options],
            "data": dict(self.data._asdict()),
            "warnings": list(self.warnings),
        }

    def format(self) -> str:
        return format_recommendation(self)


# --------------------------------------------------------------------------- input


def _check_inputs(
    data: PlannerData,
    use_case: str,
    users: int,
    priorities: Mapping[str, str],
    view: str,
    top: int,
    numbers: Mapping[str, float | None],
) -> list[Problem]:
    problems = []
    cases = data.use_cases()
    if use_case not in cases:
        problems.append(
            Problem("--use-case", f"unknown use case {use_case!r}; one of: {', '.join(cases)}")
        )
    if isinstance(users, bool) or not isinstance(users, int) or users < 1:
        problems.append(Problem("--users", f"must be a whole number of at least 1, got {users!r}"))
    for aspect, level in priorities.items():
        if aspect not in _ASPECTS:
            problems.append(
                Problem("priorities", f"unknown aspect {aspect!r}; one of: {', '.join(_ASPECTS)}")
            )
        elif level not in LEVELS:
            problems.append(
                Problem(
                    f"--{aspect}-priority", f"must be one of {', '.join(LEVELS)}, got {level!r}"
                )
            )
    if view not in VIEWS:
        problems.append(Problem("--view", f"unknown view {view!r}; one of: {', '.join(VIEWS)}"))
    if isinstance(top, bool) or not isinstance(top, int) or top < 1:
        problems.append(Problem("--top", f"must be a whole number of at least 1, got {top!r}"))
    for flag, value in numbers.items():
        if value is not None and (isinstance(value, bool) or not value > 0):
            problems.append(Problem(flag, f"must be a positive number, got {value!r}"))
    return problems


def _parse_gpus(
    data: PlannerData, gpus: Sequence[str], problems: list[Problem]
) -> list[tuple[str, int | None]]:
    """``TYPE`` or ``TYPE:MAX`` (at most MAX GPUs per replica), TYPE a catalog name, alias
    or node label; the planner's shorthands (``A100``) may stand for several types."""
    out: list[tuple[str, int | None]] = []
    known = ", ".join(g.name for g in data.gpu_types())
    for text in gpus:
        name, _, limit = text.partition(":")
        max_count: int | None = None
        if limit:
            if not limit.isdigit() or int(limit) < 1:
                problems.append(
                    Problem("--gpu", f"{text!r}: the count after ':' must be a whole number >= 1")
                )
                continue
            max_count = int(limit)
        found = data.resolve_gpus(name.strip())
        if not found:
            problems.append(
                Problem("--gpu", f"unknown GPU {name!r}; llm-d-planner's catalog has: {known}")
            )
        out += [(g.name, max_count) for g in found]
    return out


def _cluster_gpus(data: PlannerData, nodes: Sequence[Node]) -> tuple[list[str], list[str]]:
    """The catalog GPU types the nodes' product labels name, and warnings for labels the
    catalog does not know."""
    from modelservice.planning.recommend.values import GPU_LABEL_KEY

    found: set[str] = set()
    unknown: dict[str, int] = {}
    for node in nodes:
        label = node.labels.get(GPU_LABEL_KEY)
        if not label:
            continue
        gpu = data.gpu(label)
        if gpu is None:
            unknown[label] = unknown.get(label, 0) + 1
        else:
            found.add(gpu.name)
    warnings = [
        f"{n} node{'s' if n != 1 else ''} labelled {GPU_LABEL_KEY}={label}: not a GPU in "
        "llm-d-planner's catalog, left out"
        for label, n in sorted(unknown.items())
    ]
    return sorted(found), warnings


# --------------------------------------------------------------------------- coverage


def _coverage_problem(
    data: PlannerData,
    spec: Spec,
    gpus: Sequence[str],
    models: Sequence[str],
    from_cluster: bool,
) -> str | None:
    """What part of the request the data do not cover at all (whatever the targets)."""
    profile = (spec.prompt_tokens, spec.output_tokens)
    if profile not in data.profiles():
        have = ", ".join(f"{p}/{o}" for p, o in data.profiles())
        return (
            f"no benchmark for {spec.prompt_tokens} prompt / {spec.output_tokens} output tokens "
            f"in llm-d-planner's data; it has these prompt/output lengths: {have}"
        )
    in_data = set(data.models_in_data())
    missing = [m for m in models if m.lower() not in in_data]
    if missing:
        return (
            f"no benchmark for model{'s' if len(missing) > 1 else ''} {', '.join(missing)} in "
            f"llm-d-planner's data (estimating a model without benchmarks would need "
            f"llm-d-planner's Hugging Face hub look-ups, which modelservice does not make); "
            f"'modelservice recommend --list models' lists the {len(in_data)} models it has"
        )
    gpus_with_data = set(data.gpus_in_data())
    if gpus and not set(gpus) & gpus_with_data:
        whose = "the cluster's GPU types" if from_cluster else "GPU"
        return (
            f"no benchmark on {whose} {', '.join(gpus)} in llm-d-planner's data; it has "
            f"benchmarks on: {', '.join(sorted(gpus_with_data))}"
        )
    wanted_models = {m.lower() for m in models}
    covered = any(
        (not wanted_models or m in wanted_models) and (not gpus or g in gpus) and (p, o) == profile
        for m, g, _, p, o in data.coverage
    )
    if not covered:
        what = (", ".join(models) if models else "any model") + (
            f" on {'/'.join(gpus)}" if gpus else ""
        )
        return (
            f"no benchmark for {what} with {spec.prompt_tokens} prompt / "
            f"{spec.output_tokens} output tokens in llm-d-planner's data"
        )
    return None


# --------------------------------------------------------------------------- recommend


def recommend(
    use_case: str,
    users: int,
    *,
    gpus: Sequence[str] = (),
    models: Sequence[str] = (),
    priorities: Mapping[str, str] | None = None,
    max_cost_per_month: float | None = None,
    ttft_ms: int | None = None,
    itl_ms: int | None = None,
    e2e_ms: int | None = None,
    prompt_tokens: int | None = None,
    output_tokens: int | None = None,
    view: str = "balanced",
    top: int = 10,
    cluster: Cluster | None = None,
    nodes: Sequence[Node] | None = None,
    namespace: str = "default",
) -> Recommendation:
    """Ranked deployment options for ``users`` users of ``use_case``, from llm-d-planner's
    bundled data (the ``planner`` extra).

    ``gpus``: GPU types to consider (catalog names, aliases or node labels; ``H100:4``
    caps the GPUs per replica); ``models``: Hugging Face ids to consider; ``priorities``:
    ``{"quality"|"cost"|"latency": "low"|"medium"|"high"}``; ``max_cost_per_month``: a
    cost ceiling in USD; the SLO targets (ms, at the planner's percentile, p95) and token
    lengths replace the use case's; ``view``: ``balanced``, ``best-quality``,
    ``lowest-cost`` or ``lowest-latency``. With ``cluster`` (or ``nodes``), only GPU types
    its nodes' ``nvidia.com/gpu.product`` labels name are considered and each option is
    marked with whether its pods fit now.

    Raises :class:`RequestError` (a ``ValuesError``) for invalid input,
    :class:`NoRecommendation` when the data hold nothing for the request, and
    ``PlannerUnavailable`` without llm-d-planner.
    """
    data = load()
    levels = {a: "medium" for a in _ASPECTS}
    levels.update(priorities or {})
    numbers = {
        "--max-monthly-cost": max_cost_per_month,
        "--ttft": ttft_ms,
        "--itl": itl_ms,
        "--e2e": e2e_ms,
        "--prompt-tokens": prompt_tokens,
        "--output-tokens": output_tokens,
    }
    problems = _check_inputs(data, use_case, users, levels, view, top, numbers)
    preferences = _parse_gpus(data, gpus, problems)
    if problems:
        raise RequestError(problems)
    warnings: list[str] = []
    cluster_gpus: list[str] | None = None
    if cluster is not None and nodes is None:
        from modelservice.planning.plan import read_nodes

        nodes = read_nodes(cluster)
    if nodes is not None:
        cluster_gpus, warnings = _cluster_gpus(data, nodes)
        if not cluster_gpus:
            raise NoRecommendation(
                "no node of the cluster has an nvidia.com/gpu.product label naming a GPU in "
                f"llm-d-planner's catalog ({len(nodes)} nodes read)"
                + ("; " + "; ".join(warnings) if warnings else "")
            )
    asked = sorted({g for g, _ in preferences})
    allowed = asked
    if cluster_gpus is not None:
        allowed = sorted(set(asked) & set(cluster_gpus)) if asked else cluster_gpus
        if not allowed:
            raise NoRecommendation(
                f"the cluster's GPU types ({', '.join(cluster_gpus)}) and the GPUs asked for "
                f"({', '.join(asked)}) have none in common"
            )
    spec, planner_spec = data.spec(
        use_case,
        users,
        priorities=levels,
        gpu_preferences=preferences,
        prompt_tokens=prompt_tokens,
        output_tokens=output_tokens,
        ttft_ms=ttft_ms,
        itl_ms=itl_ms,
        e2e_ms=e2e_ms,
    )
    gap = _coverage_problem(data, spec, allowed, models, cluster_gpus is not None and not asked)
    if gap:
        raise NoRecommendation(gap)
    wanted = {m.lower() for m in models}
    limits = {g: n for g, n in preferences if n is not None}

    def keep(c: DeploymentOption) -> bool:
        if allowed and c.gpu not in allowed:
            return False  # the planner's fallback to other GPUs: not what was asked
        if c.gpu in limits and c.gpus_per_replica > limits[c.gpu]:
            return False
        return not wanted or c.model.lower() in wanted

    ranking = data.rank(
        spec,
        planner_spec,
        view=view,
        top=top,
        cluster_gpus=cluster_gpus or (),
        keep=keep,
        max_cost_per_month=max_cost_per_month,
    )
    rec = Recommendation(
        spec=spec,
        view=view,
        options=(),
        data=DataInfo(
            "llm-d-planner", data.version, data.source, data.confidence, data.description
        ),
        evaluated=ranking.evaluated,
        kept=ranking.kept,
        gpus=tuple(asked),
        models=tuple(models),
        max_cost_per_month=max_cost_per_month,
        cluster_gpus=None if cluster_gpus is None else tuple(cluster_gpus),
        nodes=None if nodes is None else len(nodes),
        warnings=tuple(warnings),
    )
    if not ranking.options:
        raise NoRecommendation(_empty_reason(rec, ranking.cheapest_per_month))
    options = ranking.options
    if nodes is not None:
        options = tuple(_mark_fit(o, nodes, namespace) for o in options)
    return rec._replace(options=options)


def _empty_reason(rec: Recommendation, cheapest: float | None) -> str:
    s = rec.spec
    targets = (
        f"{s.percentile} TTFT <= {s.ttft_ms} ms, ITL <= {s.itl_ms} ms, E2E <= {s.e2e_ms} ms "
        f"at {s.prompt_tokens} prompt / {s.output_tokens} output tokens"
    )
    filters = rec.filters_text()
    if rec.kept and rec.max_cost_per_month is not None and cheapest is not None:
        return (
            f"no option costs at most ${rec.max_cost_per_month:,.2f}/month; the cheapest that "
            f"meets the SLO targets ({targets}) costs ${cheapest:,.2f}/month"
        )
    return (
        f"no benchmark in llm-d-planner's data meets the SLO targets ({targets})"
        + (f" with {filters}" if filters else "")
        + "; relax the targets (--ttft, --itl, --e2e) or the filters"
    )


def _mark_fit(option: DeploymentOption, nodes: Sequence[Node], namespace: str) -> DeploymentOption:
    """Whether the option's pods (and the rest of its release) fit on the nodes now."""
    from modelservice.planning.plan import plan
    from modelservice.planning.recommend.values import option_values

    try:
        values = option_values(option)
    except ModelServiceError as exc:
        return option._replace(fits=False, fit_reason=str(exc))
    result = plan(values, release=_FIT_RELEASE, namespace=namespace, nodes=nodes)
    reasons = result.fit.reasons() if result.fit is not None else []
    return option._replace(fits=bool(result.fits), fit_reason="; ".join(reasons) or None)


def write_values(rec: Recommendation, rank: int, path: str | os.PathLike[str]) -> str:
    """Write option ``rank``'s values file (whole, or not at all); returns the path."""
    text = rec.values_yaml(rank)
    target = os.fspath(path)
    tmp = f"{target}.tmp"
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise ModelServiceError(f"cannot write {target}: {exc.strerror or exc}") from None
    return target


# --------------------------------------------------------------------------- text output


def _num(x: float) -> str:
    return f"{x:.1f}" if x < 100 else f"{x:,.0f}"


def format_recommendation(rec: Recommendation) -> str:
    from modelservice.planning.plan import table

    s = rec.spec
    w = s.weights
    out = [
        f"{s.use_case}, {s.users} users: {s.requests_per_second:g} requests/s at peak, "
        f"{s.prompt_tokens} prompt / {s.output_tokens} output tokens",
        f"SLO targets ({s.percentile}): TTFT {s.ttft_ms} ms, ITL {s.itl_ms} ms, E2E {s.e2e_ms} ms",
        f"view: {rec.view} (weights quality {w['quality']}, cost {w['price']}, "
        f"latency {w['latency']})"
        + (f"; filters: {rec.filters_text()}" if rec.filters_text() else ""),
        "",
    ]
    header = ["#", "MODEL", "GPU", "TP", "REPLICAS", "GPUS", "TTFT", "ITL", "E2E", "REQ/S",
              "$/HOUR", "$/MONTH", "SLO", "DATA"]  # fmt: skip
    fitted = any(o.fits is not None for o in rec.options)
    if fitted:
        header.append("FITS")
    rows = []
    for o in rec.options:
        row = [
            str(o.rank),
            o.model,
            o.gpu,
            str(o.tensor_parallel),
            str(o.replicas),
            str(o.gpus_total),
            str(o.ttft_ms),
            str(o.itl_ms),
            str(o.e2e_ms),
            _num(o.requests_per_second),
            f"{o.cost_per_hour:,.2f}",
            f"{o.cost_per_month:,.0f}",
            o.slo_status,
            f"{o.source} ({o.confidence})",
        ]
        if fitted:
            row.append("-" if o.fits is None else "yes" if o.fits else "no")
        rows.append(row)
    out += table(header, rows)
    out.append("")
    out.append(
        f"latencies: predicted {s.percentile}, ms; REQ/S: predicted throughput of all replicas; "
        f"cost: the catalog's GPU prices, {HOURS_PER_MONTH} h a month"
    )
    for o in rec.options:
        if o.fits is False:
            out.append(f"option {o.rank} does not fit now: {o.fit_reason}")
    if rec.cluster_gpus is not None:
        out.append(f"GPU types on the cluster's {rec.nodes} nodes: {', '.join(rec.cluster_gpus)}")
    d = rec.data
    out.append(
        f"{rec.evaluated} configurations meet the SLO targets, {rec.kept} after the filters; "
        f"one option per model is shown"
    )
    described = f' "{d.description}"' if d.description else ""
    out.append(
        f"data: {d.package} {d.version}, bundled{described} (source {d.source}, marked "
        f"{d.confidence})"
    )
    for w_ in rec.warnings:
        out.append(f"warning: {w_}")
    return "\n".join(out) + "\n"


def dumps(rec: Recommendation) -> str:
    return json.dumps(rec.as_dict(), indent=2)
