"""The bridge to llm-d-planner: the only module that imports it.

llm-d-planner (PyPI ``llm-d-planner``, our ``planner`` extra) ships benchmark data, a GPU
catalog (memory, hourly price, node label, aliases), a model catalog and SLO templates per
use case, and ranks (model, GPU, tensor parallel, replicas) options against them. We use
only the parts that work offline from the data in its wheel: its specification service
(use case and users to a request rate, token lengths and SLO targets), its capacity
finder (which benchmark rows meet the targets, how many replicas, what they cost, how they
score) and its ranking.

We assemble those pieces here instead of calling its ``Planner.generate_recommendations``
facade, because the facade would (a) read whatever cluster the kubeconfig names, through
another client, to filter GPU types; (b) for preferred models, fetch model configurations
from the Hugging Face hub to estimate them; (c) return only the top options of each view,
before our model and cluster filters could apply. Its other network paths (LLM intent
extraction, model-catalog sync, quality-data refresh) are never called either; quality
data refresh is explicitly off.

Everything the rest of the package sees is converted to the plain types below, so that
mypy checks our side and a change in llm-d-planner's internals breaks here, loudly.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from modelservice.errors import ModelServiceError

__all__ = [
    "DISTRIBUTION",
    "SUPPORTED",
    "VIEWS",
    "DeploymentOption",
    "GpuType",
    "ModelEntry",
    "PlannerData",
    "PlannerUnavailable",
    "Ranking",
    "Spec",
    "load",
]

DISTRIBUTION = "llm-d-planner"
#: The versions this bridge was written and tested against (keep in step with pyproject).
SUPPORTED = ">=0.3.3,<0.4"
_MIN, _BELOW = (0, 3, 3), (0, 4)

#: Our view names and llm-d-planner's keys for them.
VIEWS = {
    "balanced": "balanced",
    "best-quality": "best_quality",
    "lowest-cost": "lowest_cost",
    "lowest-latency": "lowest_latency",
}
HOURS_PER_MONTH = 730  # llm-d-planner's own month (about 30.4 days)


class PlannerUnavailable(ModelServiceError):
    """llm-d-planner is not installed, or not in a version this bridge supports."""


class GpuType(NamedTuple):
    """One GPU of llm-d-planner's catalog."""

    name: str
    """The catalog's name (``H100``, ``A100-80``): what its benchmark rows say."""
    label: str
    """The value of the node's GPU product label (``NVIDIA-H100-80GB-HBM3``)."""
    aliases: tuple[str, ...]
    memory_gb: int
    cost_per_hour: float
    """Base price of one GPU for one hour, USD."""


class ModelEntry(NamedTuple):
    """One model of llm-d-planner's catalog."""

    id: str
    """The Hugging Face id as the catalog spells it (lowercase)."""
    name: str
    size: str
    """Parameter count as written (``8B``, ``8x7B``)."""


class Spec(NamedTuple):
    """What a use case and a user count mean, by llm-d-planner's templates."""

    use_case: str
    users: int
    requests_per_second: float
    """Peak request rate the deployment must serve."""
    prompt_tokens: int
    output_tokens: int
    ttft_ms: int
    itl_ms: int
    e2e_ms: int
    percentile: str
    weights: dict[str, int]
    """Balanced-score weights (quality, price, latency) from the priorities."""
    priorities: dict[str, str]


class DeploymentOption(NamedTuple):
    """One ranked deployment option."""

    rank: int
    model: str
    """Hugging Face model id, as the planner's data spell it."""
    model_name: str
    gpu: str
    """The GPU catalog's name (``H100``)."""
    gpu_label: str
    """The value of ``nvidia.com/gpu.product`` on nodes with that GPU."""
    gpu_memory_gb: int
    gpu_cost_per_hour: float
    tensor_parallel: int
    gpus_per_replica: int
    replicas: int
    ttft_ms: int
    itl_ms: int
    e2e_ms: int
    requests_per_second: float
    """Predicted throughput of all replicas."""
    requests_per_second_per_replica: float
    cost_per_hour: float
    cost_per_month: float
    slo_status: str
    """``compliant``, ``near_miss`` or ``exceeds``, as the planner scores it."""
    source: str
    confidence: str
    """``benchmarked`` (measured) or ``estimated``, as the data mark the figures."""
    scores: dict[str, float]
    fits: bool | None = None
    """With a cluster: whether all its pods can be scheduled now."""
    fit_reason: str | None = None

    @property
    def gpus_total(self) -> int:
        return self.gpus_per_replica * self.replicas

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "rank": self.rank,
            "model": self.model,
            "modelName": self.model_name,
            "gpu": self.gpu,
            "gpuLabel": self.gpu_label,
            "tensorParallel": self.tensor_parallel,
            "gpusPerReplica": self.gpus_per_replica,
            "replicas": self.replicas,
            "gpusTotal": self.gpus_total,
            "ttftMs": self.ttft_ms,
            "itlMs": self.itl_ms,
            "e2eMs": self.e2e_ms,
            "requestsPerSecond": round(self.requests_per_second, 3),
            "requestsPerSecondPerReplica": round(self.requests_per_second_per_replica, 3),
            "costPerHour": round(self.cost_per_hour, 2),
            "costPerMonth": round(self.cost_per_month, 2),
            "sloStatus": self.slo_status,
            "source": self.source,
            "confidence": self.confidence,
            "scores": self.scores,
        }
        if self.fits is not None:
            out["fits"] = self.fits
            out["fitReason"] = self.fit_reason
        return out


class Ranking(NamedTuple):
    options: tuple[DeploymentOption, ...]
    """Ranked 1, 2, ... in the view asked for."""
    evaluated: int
    """Configurations that met the SLO targets (before our filters and the cost ceiling)."""
    kept: int
    """Of those, the ones our filters kept (before the cost ceiling)."""
    cheapest_per_month: float | None
    """The cheapest kept configuration's monthly cost (to explain an empty result)."""


def _version_tuple(text: str) -> tuple[int, ...]:
    """``0.3.3`` as (0, 3, 3); a pre-release or local suffix is ignored."""
    import re

    found = re.match(r"\d+(\.\d+)*", text)
    return tuple(int(n) for n in found.group(0).split(".")) if found else ()


def installed_version() -> str | None:
    """The installed llm-d-planner's version, or None (nothing is imported)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:
        return None


def available() -> bool:
    """Whether a supported llm-d-planner is installed (nothing is imported)."""
    found = installed_version()
    return found is not None and _MIN <= _version_tuple(found) < _BELOW


def _check_version() -> str:
    found = installed_version()
    hint = "install it with: pip install 'llm-d-modelservice[planner]'"
    if found is None:
        raise PlannerUnavailable(f"this command needs llm-d-planner ({DISTRIBUTION}); {hint}")
    if not _MIN <= _version_tuple(found) < _BELOW:
        raise PlannerUnavailable(
            f"llm-d-planner {found} is installed; modelservice works with {DISTRIBUTION}"
            f"{SUPPORTED}; {hint}"
        )
    return found


class _MemoEngine:
    """llm-d-planner's quality engine, remembering each model's scorecard.

    Its name resolution costs about 0.1-0.2 s per call and the capacity finder calls it
    once per configuration, while the scorecard depends only on the model name.
    """

    def __init__(self, engine: Any) -> None:
        self._engine = engine
        self._seen: dict[tuple[str, bool], Any] = {}

    def get_scores(self, model_name: str, *, fuzzy: bool = False) -> Any:
        key = (model_name, fuzzy)
        if key not in self._seen:
            self._seen[key] = self._engine.get_scores(model_name, fuzzy=fuzzy)
        return self._seen[key]


class PlannerData:
    """llm-d-planner's bundled data and the pieces that read it, loaded once."""

    def __init__(self, version: str) -> None:
        import json
        import logging
        from importlib.resources import files
        from pathlib import Path

        from planner.knowledge_base.benchmarks import BenchmarkRepository
        from planner.knowledge_base.loader import extract_metadata
        from planner.knowledge_base.model_catalog import ModelCatalog
        from planner.specification.service import SpecificationService

        # Library code logs warnings (fallbacks, missing data) that we word ourselves;
        # without a handler Python would print them on stderr.
        for name in ("planner", "quality_scoring"):
            logging.getLogger(name).addHandler(logging.NullHandler())

        self.version = version
        data = Path(str(files("planner.data")))
        with open(data / "performance" / "benchmarks_BLIS.json", encoding="utf-8") as f:
            document = json.load(f)
        meta = extract_metadata(document)
        described = document.get("_metadata") or document.get("metadata") or {}
        self.source: str = meta["source"] or "local"
        self.confidence: str = meta["confidence_level"] or "estimated"
        self.description: str = str(described.get("description") or "")
        self._repo = BenchmarkRepository(db_path=":memory:")
        self._repo.load_benchmarks(
            document.get("benchmarks") or [], source=self.source, confidence_level=self.confidence
        )
        self._catalog = ModelCatalog()
        self._spec_service = SpecificationService()
        self._quality_weights = data / "configuration" / "quality_weights.json"
        self.coverage: frozenset[tuple[str, str, int, int, int]] = frozenset(
            (
                str(b.model_hf_repo).lower(),
                str(b.hardware),
                int(b.hardware_count),
                int(b.prompt_tokens),
                int(b.output_tokens),
            )
            for b in self._repo.get_all_benchmarks()
        )

    @functools.cached_property
    def _finder(self) -> Any:
        """The capacity finder, built on first use: its quality engine costs time that
        ``plan`` predictions do not need."""
        from planner.recommendation.config_finder import ConfigFinder
        from planner.recommendation.quality.scoring import (
            build_scoring_engine,
            load_quality_weights,
        )

        engine, _ = build_scoring_engine(auto_update=False)  # never refresh over the network
        return ConfigFinder(
            benchmark_repo=self._repo,
            catalog=self._catalog,
            engine=_MemoEngine(engine),
            quality_weights=load_quality_weights(self._quality_weights),
        )

    # ------------------------------------------------------------------ catalogs

    def use_cases(self) -> tuple[str, ...]:
        """The use cases llm-d-planner has templates for."""
        from typing import get_args

        from planner.shared.schemas import DeploymentIntent

        return tuple(get_args(DeploymentIntent.model_fields["use_case"].annotation))

    def gpu_types(self) -> list[GpuType]:
        return [_gpu(g) for g in self._catalog.get_all_gpu_types()]

    def gpu(self, name: str) -> GpuType | None:
        """A catalog GPU by its name, one of its aliases or its node label (any case)."""
        found = self._catalog.get_gpu_type(name)
        if found is None:
            for g in self._catalog.get_all_gpu_types():
                if str(g.node_selector_label).lower() == name.lower():
                    found = g
        return _gpu(found) if found is not None else None

    def resolve_gpus(self, name: str) -> list[GpuType]:
        """What a user's GPU name means: exact catalog matches first, then llm-d-planner's
        own shorthands (``A100`` is both A100 variants)."""
        exact = self.gpu(name)
        if exact is not None:
            return [exact]
        from planner.shared.utils import normalize_gpu_types

        names = normalize_gpu_types([name])
        return [g for g in (self.gpu(n) for n in names) if g is not None]

    def model(self, model_id: str) -> ModelEntry | None:
        for m in self._catalog.get_all_models():
            if str(m.model_id).lower() == model_id.lower():
                return ModelEntry(str(m.model_id), str(m.name), str(m.size_parameters))
        return None

    def profiles(self) -> list[tuple[int, int]]:
        """The (prompt, output) token lengths the benchmarks were run with."""
        return sorted({(p, o) for _, _, _, p, o in self.coverage})

    def models_in_data(self) -> list[str]:
        return sorted({m for m, *_ in self.coverage})

    def gpus_in_data(self) -> list[str]:
        return sorted({g for _, g, *_ in self.coverage})

    # ------------------------------------------------------------------ planning

    def spec(
        self,
        use_case: str,
        users: int,
        *,
        priorities: dict[str, str],
        gpu_preferences: Sequence[tuple[str, int | None]] = (),
        prompt_tokens: int | None = None,
        output_tokens: int | None = None,
        ttft_ms: int | None = None,
        itl_ms: int | None = None,
        e2e_ms: int | None = None,
    ) -> tuple[Spec, Any]:
        """Our :class:`Spec` and llm-d-planner's own specification (for :meth:`rank`)."""
        from planner.shared.schemas import DeploymentIntent, GpuPreference

        intent = DeploymentIntent(
            use_case=use_case,
            user_count=users,
            preferred_gpu_types=[
                GpuPreference(gpu_type=g, max_count=n) for g, n in gpu_preferences
            ],
            quality_priority=priorities["quality"],
            cost_priority=priorities["cost"],
            latency_priority=priorities["latency"],
        )
        spec = self._spec_service.generate(intent)
        slo_update = {
            k: v
            for k, v in (
                ("ttft_target_ms", ttft_ms),
                ("itl_target_ms", itl_ms),
                ("e2e_target_ms", e2e_ms),
            )
            if v is not None
        }
        work_update = {
            k: v
            for k, v in (("prompt_tokens", prompt_tokens), ("output_tokens", output_tokens))
            if v is not None
        }
        spec = spec.model_copy(
            update={
                "slo_targets": spec.slo_targets.model_copy(update=slo_update),
                "workload_profile": spec.workload_profile.model_copy(update=work_update),
            }
        )
        slo, work, pri = spec.slo_targets, spec.workload_profile, spec.priorities
        ours = Spec(
            use_case=use_case,
            users=users,
            requests_per_second=float(work.expected_qps),
            prompt_tokens=int(work.prompt_tokens),
            output_tokens=int(work.output_tokens),
            ttft_ms=int(slo.ttft_target_ms),
            itl_ms=int(slo.itl_target_ms),
            e2e_ms=int(slo.e2e_target_ms),
            percentile=str(slo.percentile),
            weights={
                "quality": int(pri.quality.weight),
                "price": int(pri.cost.weight),
                "latency": int(pri.latency.weight),
            },
            priorities=dict(priorities),
        )
        return ours, spec

    def rank(
        self,
        spec: Spec,
        planner_spec: Any,
        *,
        view: str,
        top: int,
        cluster_gpus: Sequence[str] = (),
        keep: Callable[[DeploymentOption], bool] = lambda o: True,
        max_cost_per_month: float | None = None,
    ) -> Ranking:
        """Every configuration meeting the targets, filtered by ``keep`` and ranked.

        ``cluster_gpus`` restricts GPU types as llm-d-planner's cluster detection would
        (intersected with the preferred types in ``planner_spec``). When a GPU filter
        leaves no benchmark, llm-d-planner falls back to every GPU; ``keep`` is where the
        caller drops those rows again.
        """
        from planner.recommendation.analyzer import Analyzer
        from planner.shared.schemas import TrafficProfile

        traffic = TrafficProfile(
            prompt_tokens=spec.prompt_tokens,
            output_tokens=spec.output_tokens,
            expected_qps=spec.requests_per_second,
        )
        configs, _warnings = self._finder.plan_all_capacities(
            traffic_profile=traffic,
            slo_targets=planner_spec.slo_targets,
            intent=planner_spec.intent,
            include_near_miss=True,
            weights=spec.weights,
            cluster_gpu_types=list(cluster_gpus) or None,
            preferred_models=None,  # a preferred model without data means a hub look-up
            enable_estimated=True,  # the bundled rows are marked estimated themselves
        )
        kept = [c for c in configs if keep(self._option(c))]
        costs = [float(c.cost_per_month_usd) for c in kept if c.cost_per_month_usd is not None]
        lists = Analyzer().generate_ranked_lists(
            configurations=kept,
            max_cost=max_cost_per_month,
            top_n=top,
            weights=spec.weights,
            use_case=spec.use_case,
        )
        return Ranking(
            tuple(self._option(c, rank) for rank, c in enumerate(lists[VIEWS[view]], 1)),
            len(configs),
            len(kept),
            min(costs) if costs else None,
        )

    def _option(self, rec: Any, rank: int = 0) -> DeploymentOption:
        """One of llm-d-planner's scored configurations, in our terms."""
        gpu = rec.gpu_config
        catalog_gpu = self.gpu(str(gpu.gpu_type))
        if catalog_gpu is None:  # the capacity finder prices rows through the catalog
            raise ModelServiceError(f"GPU {gpu.gpu_type!r} of a benchmark is not in the catalog")
        metrics = rec.benchmark_metrics or {}
        scores = rec.scores
        return DeploymentOption(
            rank=rank,
            model=str(rec.model_id),
            model_name=str(rec.model_name or rec.model_id),
            gpu=catalog_gpu.name,
            gpu_label=catalog_gpu.label,
            gpu_memory_gb=catalog_gpu.memory_gb,
            gpu_cost_per_hour=catalog_gpu.cost_per_hour,
            tensor_parallel=int(gpu.tensor_parallel),
            gpus_per_replica=int(gpu.gpu_count),
            replicas=int(gpu.replicas),
            ttft_ms=int(rec.predicted_ttft_p95_ms or 0),
            itl_ms=int(rec.predicted_itl_p95_ms or 0),
            e2e_ms=int(rec.predicted_e2e_p95_ms or 0),
            requests_per_second=float(rec.predicted_throughput_qps or 0.0),
            requests_per_second_per_replica=float(metrics.get("requests_per_second") or 0.0),
            cost_per_hour=float(rec.cost_per_hour_usd or 0.0),
            cost_per_month=float(rec.cost_per_month_usd or 0.0),
            slo_status=str(scores.slo_status if scores else "unknown"),
            source=str(metrics.get("source") or "unknown"),
            confidence=str(metrics.get("confidence_level") or "unknown"),
            scores={
                "quality": float(scores.quality_score),
                "price": float(scores.price_score),
                "latency": float(scores.latency_score),
                "balanced": float(scores.balanced_score),
            }
            if scores
            else {},
        )

    def best_rate(self, model: str, gpu: str, gpus_per_replica: int, spec: Spec) -> float | None:
        """The highest request rate one replica sustains within the targets, if any."""
        rows = self._repo.find_configurations_meeting_slo(
            prompt_tokens=spec.prompt_tokens,
            output_tokens=spec.output_tokens,
            ttft_p95_max_ms=spec.ttft_ms,
            itl_p95_max_ms=spec.itl_ms,
            e2e_p95_max_ms=spec.e2e_ms,
            percentile=spec.percentile,
            gpu_types=[gpu],
        )
        # one row per (model, GPU, count): the one with the highest rate within the targets
        for b in rows:
            same = str(b.model_hf_repo).lower() == model.lower()
            if same and b.hardware_count == gpus_per_replica:
                return float(b.requests_per_second)
        return None


def _gpu(g: Any) -> GpuType:
    return GpuType(
        str(g.gpu_type),
        str(g.node_selector_label),
        tuple(str(a) for a in g.aliases),
        int(g.memory_gb),
        float(g.cost_per_hour_usd),
    )


@functools.cache
def load() -> PlannerData:
    """llm-d-planner's data, loaded on first use and kept for the process."""
    return PlannerData(_check_version())
