"""`recommend` and the planner's predictions, against llm-d-planner's bundled data.

Expected figures are recomputed here from the raw JSON files in the llm-d-planner wheel
(benchmarks, GPU catalog, use-case workloads), independently of the bridge, so that a
test fails when the bridge passes the wrong numbers through or the data change.
"""

from __future__ import annotations

import json
import math
import socket
from collections.abc import Iterator
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
import yaml

import modelservice
from modelservice.planning.packing import Node
from modelservice.planning.plan import plan
from modelservice.planning.recommend import source as planner_source
from modelservice.planning.recommend.options import (
    NoRecommendation,
    Recommendation,
    RequestError,
    recommend,
)
from modelservice.planning.recommend.predict import predict
from modelservice.planning.recommend.source import PlannerUnavailable
from tests.unit.helpers import FULL, RELEASE, REPO_ROOT, first, pod_spec, run_cli, workload
from tests.unit.test_k8s_schemas import assert_all_valid

CaptureFixture = pytest.CaptureFixture[str]
GPU = "nvidia.com/gpu"
GI = 2**30
H100_LABEL = "NVIDIA-H100-80GB-HBM3"
CHAT = "chatbot_conversational"


# --------------------------------------------------------------------------- raw data


def _data_file(*parts: str) -> dict[str, Any]:
    path = Path(str(files("planner.data"))).joinpath(*parts)
    doc: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return doc


@cache
def benchmarks() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = _data_file("performance", "benchmarks_BLIS.json")["benchmarks"]
    return rows


@cache
def gpu_prices() -> dict[str, float]:
    catalog = _data_file("configuration", "gpu_catalog.json")["gpu_types"]
    return {g["gpu_type"]: float(g["cost_per_hour_usd"]) for g in catalog}


@cache
def workloads() -> dict[str, Any]:
    doc: dict[str, Any] = _data_file("configuration", "usecase_slo_workload.json")
    return dict(doc["use_case_slo_workload"])


def peak_rps(use_case: str, users: int) -> float:
    """The planner's documented rule: active users x requests/min / 60 x peak multiplier."""
    w = workloads()[use_case]["workload"]
    concurrent = int(users * w["active_fraction"])
    return max(0.1, round(concurrent * w["requests_per_active_user_per_min"] / 60
                          * w["peak_multiplier"], 2))  # fmt: skip


def best_rate(model: str, gpu: str, count: int, rec_spec: Any) -> float | None:
    """The highest benchmarked request rate within the targets, straight from the JSON."""
    rates = [
        float(b["requests_per_second"])
        for b in benchmarks()
        if b["model_hf_repo"].lower() == model.lower()
        and b["hardware"] == gpu
        and b["hardware_count"] == count
        and b["prompt_tokens"] == rec_spec.prompt_tokens
        and b["output_tokens"] == rec_spec.output_tokens
        and b["ttft_p95"] <= rec_spec.ttft_ms
        and b["itl_p95"] <= rec_spec.itl_ms
        and b["e2e_p95"] <= rec_spec.e2e_ms
    ]
    return max(rates) if rates else None


def assert_consistent_with_data(rec: Recommendation) -> None:
    """Every option's figures follow from the raw data and the planner's rules."""
    s = rec.spec
    for o in rec.options:
        rate = best_rate(o.model, o.gpu, o.gpus_per_replica, s)
        assert rate is not None, f"option {o.rank} has no benchmark within the targets"
        assert o.requests_per_second_per_replica == pytest.approx(rate)
        assert o.replicas == max(1, math.ceil(s.requests_per_second * 1.2 / rate))
        assert o.requests_per_second == pytest.approx(rate * o.replicas)
        assert o.cost_per_hour == pytest.approx(gpu_prices()[o.gpu] * o.gpus_total)
        assert o.cost_per_month == pytest.approx(o.cost_per_hour * 730)
        assert o.tensor_parallel == o.gpus_per_replica
        assert (o.source, o.confidence) == ("BLIS", "estimated")
        assert o.ttft_ms <= s.ttft_ms and o.itl_ms <= s.itl_ms and o.e2e_ms <= s.e2e_ms


def gpu_node(name: str, gpus: int = 8, product: str = H100_LABEL) -> Node:
    return Node(
        name,
        labels={"nvidia.com/gpu.product": product},
        allocatable={GPU: gpus, "cpu": 64_000, "memory": 512 * GI, "pods": 110},
    )


def cpu_node(name: str) -> Node:
    return Node(name, allocatable={"cpu": 64_000, "memory": 512 * GI, "pods": 110})


@pytest.fixture(scope="module")
def chat() -> Recommendation:
    return recommend(CHAT, 1000)


# --------------------------------------------------------------------------- the use case


def test_use_case_becomes_the_planners_workload_and_targets(chat: Recommendation) -> None:
    s = chat.spec
    w = workloads()[CHAT]
    assert s.requests_per_second == pytest.approx(peak_rps(CHAT, 1000)) == 2.67
    assert (s.prompt_tokens, s.output_tokens) == (512, 256)
    # medium latency priority: the middle of the use case's range, rounded to 5 ms
    ttft = w["slo_targets"]["ttft_ms"]
    assert s.ttft_ms == round((ttft["min"] + ttft["max"]) / 2 / 5) * 5 == 300
    assert s.weights == {"quality": 4, "price": 4, "latency": 1}


def test_known_use_case_gives_known_top_options(chat: Recommendation) -> None:
    # llm-d-planner 0.3.3's bundled data, balanced view: one option per model
    top = [(o.model, o.gpu, o.gpus_per_replica, o.replicas) for o in chat.options[:3]]
    assert top == [
        ("openai/gpt-oss-120b", "H100", 1, 1),
        ("redhatai/smollm3-3b-fp8-dynamic", "H100", 1, 1),
        ("redhatai/mistral-small-3.1-24b-instruct-2503-quantized.w8a8", "H100", 2, 1),
    ]
    assert [o.rank for o in chat.options] == list(range(1, len(chat.options) + 1))
    assert len(chat.options) == 10 and len({o.model for o in chat.options}) == 10
    balanced = [o.scores["balanced"] for o in chat.options]
    assert balanced == sorted(balanced, reverse=True)
    assert_consistent_with_data(chat)


def test_more_users_need_more_replicas_of_the_same_benchmark(chat: Recommendation) -> None:
    busy = recommend(CHAT, 20_000, models=[chat.options[0].model])
    assert busy.spec.requests_per_second == pytest.approx(peak_rps(CHAT, 20_000))
    assert_consistent_with_data(busy)
    assert busy.options[0].gpus_total > chat.options[0].gpus_total


@pytest.mark.parametrize("rank", [1, 2, 3])
def test_values_of_the_top_three_validate_and_render(chat: Recommendation, rank: int) -> None:
    option = chat.option(rank)
    text = chat.values_yaml(rank)
    values = yaml.safe_load(text)
    assert values == chat.values(rank)
    checked = modelservice.validate_values(values, release=RELEASE)
    assert checked.model.decode.parallelism.tensor == option.tensor_parallel
    objs = modelservice.render(values, release=RELEASE)
    assert_all_valid(objs)
    assert workload(objs, "decode")["spec"]["replicas"] == option.replicas
    spec = pod_spec(objs, "decode")
    server = spec["containers"][0]
    assert server["resources"]["limits"][GPU] == str(option.gpus_per_replica)
    assert server["resources"]["requests"][GPU] == str(option.gpus_per_replica)
    assert server["args"][0] == option.model
    terms = spec["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
    assert {"key": "nvidia.com/gpu.product", "operator": "In", "values": [H100_LABEL]} in terms[
        "nodeSelectorTerms"
    ][0]["matchExpressions"]
    kinds = [(o["kind"], o["metadata"]["name"]) for o in objs]
    assert ("Deployment", f"{FULL}-prefill") not in kinds
    # the header says where the numbers came from
    head = " ".join(text.split("\n\n", 1)[0].replace("#", " ").split())
    assert f"option {rank} of the balanced view" in head
    assert f"decode.replicas: {option.replicas}" in head
    assert "llm-d-planner 0.3.3" in head and "source BLIS, marked estimated" in head
    assert "nvidia-pd preset" in head
    # and plan packs it onto H100 nodes, not onto CPU-only ones
    fits = plan(values, release="rec", nodes=[gpu_node("g0"), cpu_node("c0")])
    assert fits.fits is True
    assert plan(values, release="rec", nodes=[cpu_node("c0")]).fits is False


def test_values_render_the_model_arguments(chat: Recommendation) -> None:
    option = next(o for o in chat.options if o.tensor_parallel > 1)
    objs = modelservice.render(chat.values(option.rank), release=RELEASE)
    args = first(objs, "decode")["args"]
    assert args[args.index("--tensor-parallel-size") + 1] == str(option.tensor_parallel)
    assert args[args.index("--served-model-name") + 1] == option.model


@pytest.mark.parametrize("chart_version", ["0.3.18", "latest"])
@pytest.mark.parametrize("rank", [1, 2, 3])
def test_values_render_with_a_chart_version(
    chat: Recommendation, rank: int, chart_version: str
) -> None:
    """The upstream chart releases read the same keys: served name in modelArtifacts.name,
    GPUs from the parallelism, node affinity from acceleratorTypes."""
    option = chat.option(rank)
    objs = modelservice.render(chat.values(rank), release=RELEASE, chart_version=chart_version)
    assert workload(objs, "decode")["spec"]["replicas"] == option.replicas
    spec = pod_spec(objs, "decode")
    server = spec["containers"][0]
    assert server["resources"]["limits"][GPU] == str(option.gpus_per_replica)
    args = server["args"]
    assert args[0] == option.model
    assert args[args.index("--served-model-name") + 1] == option.model
    if option.tensor_parallel > 1:
        assert args[args.index("--tensor-parallel-size") + 1] == str(option.tensor_parallel)
    terms = spec["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
    expression = terms["nodeSelectorTerms"][0]["matchExpressions"]
    assert {"key": "nvidia.com/gpu.product", "operator": "In", "values": [H100_LABEL]} in expression
    assert not [o for o in objs if o["metadata"]["name"] == f"{FULL}-prefill"]


def test_picked_values_with_chart_version_on_the_cli(
    chat: Recommendation, tmp_path: Path, capsys: CaptureFixture
) -> None:
    path = tmp_path / "v.yaml"
    path.write_text(chat.values_yaml(3), "utf-8")
    code, out, err = run_cli(["template", "r", "-f", str(path), "--chart-version", "latest"],
                             capsys)  # fmt: skip
    assert code == 0, err
    docs = [d for d in yaml.safe_load_all(out) if d]
    decode = next(d for d in docs if d["metadata"]["name"] == "r-llm-d-modelservice-decode")
    gpus = decode["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"][GPU]
    assert gpus == str(chat.option(3).gpus_per_replica)
    # plan renders them too, without a prediction: that reads the default mode's model
    code, out, err = run_cli(["plan", "r", "-f", str(path), "--chart-version", "latest"], capsys)
    assert code == 0, err
    assert f"{chat.option(3).gpus_per_replica} nvidia.com/gpu" in out
    assert "predicted" not in out
    code, out, err = run_cli(["plan", "r", "-f", str(path), "--chart-version", "latest",
                              "--use-case", CHAT], capsys)  # fmt: skip
    assert code == 1 and "not available with --chart-version" in err


# --------------------------------------------------------------------------- filters


def test_gpu_filter_keeps_only_that_gpu(chat: Recommendation) -> None:
    assert {o.gpu for o in chat.options} == {"H100"}
    a100 = recommend(CHAT, 1000, gpus=["A100-80"])
    assert a100.options and {o.gpu for o in a100.options} == {"A100-80"}
    assert_consistent_with_data(a100)
    by_label = recommend(CHAT, 1000, gpus=["nvidia-a100-sxm4-80gb"])
    assert [o.model for o in by_label.options] == [o.model for o in a100.options]
    capped = recommend(CHAT, 1000, gpus=["H100:1"])
    assert capped.options and all(o.gpus_per_replica == 1 for o in capped.options)
    assert any(o.gpus_per_replica > 1 for o in chat.options)


def test_gpu_without_benchmarks_is_said_plainly() -> None:
    with pytest.raises(NoRecommendation, match=r"no benchmark on GPU L4 .* A100-80, H100"):
        recommend(CHAT, 1000, gpus=["L4"])
    with pytest.raises(RequestError) as info:
        recommend(CHAT, 1000, gpus=["X100", "H100:0"])
    assert [p.path for p in info.value.problems] == ["--gpu", "--gpu"]
    assert "unknown GPU 'X100'" in str(info.value)


def test_cost_ceiling_drops_dearer_options(chat: Recommendation) -> None:
    costs = sorted({o.cost_per_month for o in chat.options})
    ceiling = costs[0]
    cheap = recommend(CHAT, 1000, max_cost_per_month=ceiling)
    assert cheap.options and all(o.cost_per_month <= ceiling for o in cheap.options)
    dropped = {o.model for o in chat.options if o.cost_per_month > ceiling}
    assert dropped and not dropped & {o.model for o in cheap.options}
    with pytest.raises(NoRecommendation) as info:
        recommend(CHAT, 1000, max_cost_per_month=ceiling - 1)
    assert "the cheapest that meets the SLO targets (" in str(info.value)
    assert f"costs ${ceiling:,.2f}/month" in str(info.value)


def test_model_filter_and_models_without_data() -> None:
    rec = recommend(CHAT, 1000, models=["Meta-Llama/Llama-3.1-8B-Instruct"])
    assert {o.model for o in rec.options} == {"meta-llama/llama-3.1-8b-instruct"}
    assert_consistent_with_data(rec)
    with pytest.raises(NoRecommendation, match="Hugging Face hub look-ups"):
        recommend(CHAT, 1000, models=["someone/unknown-model"])
    with pytest.raises(NoRecommendation, match=r"no benchmark for .*70b-instruct on A100-80 "):
        recommend(CHAT, 1000, models=["meta-llama/llama-3.3-70b-instruct"], gpus=["A100-80"])


def test_targets_and_token_lengths() -> None:
    strict = recommend(CHAT, 1000, ttft_ms=60, itl_ms=10)
    assert (strict.spec.ttft_ms, strict.spec.itl_ms) == (60, 10)
    assert all(o.ttft_ms <= 60 and o.itl_ms <= 10 for o in strict.options)
    assert_consistent_with_data(strict)
    with pytest.raises(NoRecommendation, match=r"meets the SLO targets \(p95 TTFT <= 1 ms"):
        recommend(CHAT, 1000, ttft_ms=1)
    long = recommend(CHAT, 100, prompt_tokens=4096, output_tokens=512, e2e_ms=60_000)
    assert (long.spec.prompt_tokens, long.spec.output_tokens) == (4096, 512)
    assert_consistent_with_data(long)
    with pytest.raises(NoRecommendation, match="512/256, 1024/1024, 4096/512, 10240/1536"):
        recommend(CHAT, 1000, prompt_tokens=700)


def test_priorities_and_views(chat: Recommendation) -> None:
    fast = recommend(CHAT, 1000, priorities={"latency": "high"})
    assert fast.spec.ttft_ms < chat.spec.ttft_ms and fast.spec.weights["latency"] == 2
    cheap = recommend(CHAT, 1000, view="lowest-cost")
    costs = [o.cost_per_month for o in cheap.options]
    assert costs == sorted(costs) and costs[0] <= min(o.cost_per_month for o in chat.options)
    with pytest.raises(RequestError) as info:
        recommend("chat", 0, view="cheapest", priorities={"cost": "very"}, top=0)
    assert {p.path for p in info.value.problems} == {
        "--use-case",
        "--users",
        "--view",
        "--cost-priority",
        "--top",
    }


# --------------------------------------------------------------------------- cluster


def test_cluster_gpus_restrict_and_fit_is_marked() -> None:
    nodes = [gpu_node("a100-0", 2, "NVIDIA-A100-SXM4-80GB"), cpu_node("c0")]
    rec = recommend(CHAT, 1000, nodes=nodes)
    assert rec.cluster_gpus == ("A100-80",) and rec.nodes == 2
    assert {o.gpu for o in rec.options} == {"A100-80"}
    fitting = [o for o in rec.options if o.gpus_total <= 2]
    too_big = [o for o in rec.options if o.gpus_total > 2]
    assert fitting and too_big
    assert all(o.fits is True and o.fit_reason is None for o in fitting)
    for o in too_big:
        assert o.fits is False and "decode" in (o.fit_reason or "")
    text = rec.format()
    assert "FITS" in text and f"option {too_big[0].rank} does not fit now" in text


def test_cluster_with_unknown_or_no_gpu_labels() -> None:
    with pytest.raises(NoRecommendation, match=r"NVIDIA-L4.*|no benchmark on the cluster's"):
        recommend(CHAT, 1000, nodes=[gpu_node("l4", 8, "NVIDIA-L4")])
    with pytest.raises(NoRecommendation, match="no node of the cluster has"):
        recommend(CHAT, 1000, nodes=[cpu_node("c0"), gpu_node("x", 8, "ACME-GPU")])
    rec = recommend(CHAT, 1000, nodes=[gpu_node("g0"), gpu_node("x", 8, "ACME-GPU")])
    assert rec.warnings == (
        "1 node labelled nvidia.com/gpu.product=ACME-GPU: not a GPU in llm-d-planner's "
        "catalog, left out",
    )
    with pytest.raises(NoRecommendation, match="have none in common"):
        recommend(CHAT, 1000, gpus=["A100-80"], nodes=[gpu_node("g0")])


def test_no_network_is_used(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Hub look-ups, catalog sync or quality refresh would open a socket."""

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("recommend opened a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.chdir(tmp_path)
    rec = recommend(CHAT, 500, models=["openai/gpt-oss-20b"], gpus=["H100"],
                    nodes=[gpu_node("g0")])  # fmt: skip
    assert rec.options
    assert list(tmp_path.iterdir()) == []  # no quality cache written either


# --------------------------------------------------------------------------- predictions


def test_plan_predicts_capacity_of_the_picked_option(chat: Recommendation) -> None:
    option = chat.option(3)
    values = chat.values(3)
    values["decode"]["replicas"] = 3
    checked = modelservice.validate_values(values, release="p")
    p = predict(checked.model)
    assert p is not None and p.reason is None
    assert (p.model, p.gpu, p.gpus_per_replica, p.replicas) == (option.model, "H100", 2, 3)
    assert p.cost_per_hour == pytest.approx(gpu_prices()["H100"] * 6)
    rows = {c.use_case: c for c in p.capacities}
    assert set(rows) == set(workloads())
    chat_row = rows[CHAT]
    assert chat_row.per_replica == pytest.approx(best_rate(option.model, "H100", 2, chat.spec))
    assert chat_row.total == pytest.approx(chat_row.per_replica * 3)
    long = rows["long_document_summarization"]
    assert long.per_replica is None and long.note == "no benchmark at these token lengths"
    one = predict(checked.model, use_case="translation")
    assert one is not None and [c.use_case for c in one.capacities] == ["translation"]


def test_plan_says_why_there_is_no_prediction() -> None:
    pd = modelservice.load_values(files=[str(REPO_ROOT / "examples" / "pd-gpu-hf.yaml")])
    p = predict(modelservice.validate_values(pd, release="pd").model)
    assert p is not None and "splits prefill and decode" in (p.reason or "")
    sim = modelservice.load_values(presets=["sim"])
    assert predict(modelservice.validate_values(sim, release="s").model) is None
    uncovered = {
        "modelArtifacts": {"uri": "hf://meta-llama/llama-3.3-70b-instruct"},
        "prefill": {"create": False},
        "decode": {
            "parallelism": {"tensor": 2},
            "acceleratorTypes": {"labelKey": "nvidia.com/gpu.product", "labelValues": ["H100"]},
            "containers": [
                {"name": "vllm", "image": "vllm/vllm-openai:v0.9.1", "modelCommand": "vllmServe"}
            ],
        },
    }
    p = predict(modelservice.validate_values(uncovered, release="u").model)
    assert p is not None
    assert p.reason == (
        "no benchmark for meta-llama/llama-3.3-70b-instruct on 2 x H100 per replica in "
        "llm-d-planner's data"
    )
    assert p.cost_per_hour == pytest.approx(2 * gpu_prices()["H100"]) and not p.capacities


def test_plan_cli_prints_the_prediction(
    chat: Recommendation, tmp_path: Path, capsys: CaptureFixture
) -> None:
    path = tmp_path / "v.yaml"
    path.write_text(chat.values_yaml(1), "utf-8")
    code, out, err = run_cli(["plan", "r", "-f", str(path)], capsys)
    assert code == 0, err
    assert "(llm-d-planner 0.3.3, bundled data: source BLIS, marked estimated)" in out
    assert "cost of the decode GPUs: 1 x H100 = $4.50/h" in out
    code, out, err = run_cli(["plan", "r", "-f", str(path), "--use-case", CHAT, "-o", "json"],
                             capsys)  # fmt: skip
    assert code == 0, err
    pred = json.loads(out)["prediction"]
    assert [c["useCase"] for c in pred["capacities"]] == [CHAT]
    o = chat.option(1)
    assert pred["capacities"][0]["requestsPerSecondPerReplica"] == o.requests_per_second_per_replica
    code, out, err = run_cli(["plan", "r", "--preset", "sim"], capsys)
    assert code == 0 and "predicted" not in out
    code, out, err = run_cli(["plan", "r", "--preset", "sim", "--use-case", "chat"], capsys)
    assert code == 1 and "--use-case: unknown use case 'chat'" in err


def test_sweep_adds_predicted_columns(
    chat: Recommendation, tmp_path: Path, capsys: CaptureFixture
) -> None:
    path = tmp_path / "v.yaml"
    path.write_text(chat.values_yaml(1), "utf-8")
    argv = ["sweep", "tp", "-f", str(path), "--factor", "decode.parallelism.tensor=1,2,3"]
    code, out, err = run_cli([*argv, "--use-case", CHAT], capsys)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].split()[-4:] == ["REQ/S/REPLICA", "REQ/S", "$/HOUR", "STATUS"]
    model = chat.option(1).model
    rates = {tp: best_rate(model, "H100", tp, chat.spec) for tp in (1, 2, 3)}
    assert rates[1] is not None and rates[3] is None  # the data have no 3-GPU rows
    for line, tp in zip(lines[1:4], (1, 2, 3), strict=True):
        cells = line.split()
        rate = rates[tp]
        assert cells[-4] == ("-" if rate is None else f"{round(rate, 2):g}")
        assert cells[-2] == f"{gpu_prices()['H100'] * tp:.2f}"
    assert f"treatment 3: no prediction (no benchmark for {model} on 3 x H100" in out
    code, out, err = run_cli([*argv, "--use-case", CHAT, "-o", "json"], capsys)
    first_treatment = json.loads(out)["treatments"][0]
    assert first_treatment["prediction"]["capacities"][0]["requestsPerSecondPerReplica"] == rates[1]
    code, out, err = run_cli(argv, capsys)
    assert code == 0 and "REQ/S" not in out


# --------------------------------------------------------------------------- the CLI


def test_cli_table_json_and_pick(tmp_path: Path, capsys: CaptureFixture) -> None:
    base = ["recommend", "--use-case", CHAT, "--users", "1000"]
    code, out, err = run_cli([*base, "--top", "3"], capsys)
    assert code == 0, err
    assert out.splitlines()[0].startswith(f"{CHAT}, 1000 users: 2.67 requests/s at peak")
    assert "openai/gpt-oss-120b" in out and "BLIS (estimated)" in out
    code, out, err = run_cli([*base, "--gpu", "A100-80", "-o", "json"], capsys)
    doc = json.loads(out)
    assert {o["gpu"] for o in doc["options"]} == {"A100-80"}
    assert doc["filters"]["gpus"] == ["A100-80"] and doc["data"]["source"] == "BLIS"
    target = tmp_path / "values.yaml"
    code, out, err = run_cli([*base, "--pick", "2", "--output", str(target)], capsys)
    assert code == 0, err
    assert f"wrote {target}: option 2" in err
    assert yaml.safe_load(target.read_text("utf-8"))["decode"]["acceleratorTypes"] == {
        "labelKey": "nvidia.com/gpu.product",
        "labelValues": [H100_LABEL],
    }
    code, out, err = run_cli([*base, "--pick", "1"], capsys)
    assert code == 0 and out.startswith("# openai/gpt-oss-120b on 1 x H100")
    code, out, err = run_cli(["validate", "r", "-f", str(target)], capsys)
    assert code == 0, err


def test_cli_errors(tmp_path: Path, capsys: CaptureFixture) -> None:
    code, _out, err = run_cli(["recommend"], capsys)
    assert code == 1 and "2 problems in the request" in err and "--use-case: required" in err
    base = ["recommend", "--use-case", CHAT, "--users", "10"]
    code, _, err = run_cli([*base, "--output", "json"], capsys)
    assert code == 1 and "for json output use -o json" in err
    code, _, err = run_cli([*base, "--top", "2", "--pick", "5"], capsys)
    assert code == 1 and "--pick: there is no option 5; choose 1 to 2" in err
    missing = tmp_path / "no" / "such" / "dir" / "v.yaml"
    code, _, err = run_cli([*base, "--pick", "1", "--output", str(missing)], capsys)
    assert code == 1 and f"cannot write {missing}" in err and "Traceback" not in err
    assert not missing.parent.exists()


def test_cli_list(capsys: CaptureFixture) -> None:
    code, out, _ = run_cli(["recommend", "--list", "use-cases"], capsys)
    assert code == 0 and [line.split()[0] for line in out.splitlines()] == list(workloads())
    code, out, _ = run_cli(["recommend", "--list", "gpus"], capsys)
    h100 = next(line for line in out.splitlines() if line.startswith("H100"))
    assert H100_LABEL in h100 and "$4.50/h" in h100 and h100.endswith(" benchmarks")
    code, out, _ = run_cli(["recommend", "--list", "models"], capsys)
    assert len(out.splitlines()) == len({b["model_hf_repo"] for b in benchmarks()})


# --------------------------------------------------------------------------- without it


@pytest.fixture
def no_planner(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """As if llm-d-planner were not installed: the distribution is not found."""
    monkeypatch.setattr(planner_source, "installed_version", lambda: None)
    planner_source.load.cache_clear()
    yield
    planner_source.load.cache_clear()


def test_without_the_planner_recommend_says_how_to_install(
    no_planner: None, capsys: CaptureFixture
) -> None:
    with pytest.raises(PlannerUnavailable, match=r"pip install 'llm-d-modelservice\[planner\]'"):
        recommend(CHAT, 10)
    code, out, err = run_cli(["recommend", "--use-case", CHAT, "--users", "10"], capsys)
    assert code == 1 and "this command needs llm-d-planner" in err
    # plan works as before, with nothing to predict; unless a use case is asked for
    pd = str(REPO_ROOT / "examples" / "pd-gpu-hf.yaml")
    code, out, err = run_cli(["plan", "r", "-f", pd], capsys)
    assert code == 0 and "predicted" not in out
    code, out, err = run_cli(["plan", "r", "-f", pd, "--use-case", CHAT], capsys)
    assert code == 1 and "needs llm-d-planner" in err


def test_unsupported_version_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(planner_source, "installed_version", lambda: "0.4.0")
    planner_source.load.cache_clear()
    try:
        with pytest.raises(PlannerUnavailable, match=r"llm-d-planner 0\.4\.0 is installed"):
            planner_source.load()
        assert not planner_source.available()
    finally:
        planner_source.load.cache_clear()
