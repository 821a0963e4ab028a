"""Measurements for `python -m bench`; each returns plain numbers and prints as it goes."""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.articles import articles, short_texts
from classifier.batch.readers import InputSpec
from classifier.batch.tagging import InProcess, ProcessPool, TagOptions, tag_file
from classifier.dataset import Dataset
from classifier.evaluation import evaluate_model
from classifier.features import normalise
from classifier.model import StageClassifier
from classifier.taxonomy import LABELS

ROOT = Path(__file__).resolve().parent.parent


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.array(values), q))


# -- 1. one short text, in process --------------------------------------------------------


def single_text(model: StageClassifier, dataset: Dataset, reps: int = 2000) -> dict:
    texts = short_texts(dataset, reps)
    timings: dict[str, list[float]] = {"fast path": [], "Pipeline.predict_proba": []}
    calls = {
        "fast path": model.predict_proba,
        "Pipeline.predict_proba": model.pipeline_predict_proba,
    }
    for name, call in calls.items():
        for text in texts[:50]:
            call([text])
        for text in texts:
            started = time.perf_counter()
            call([text])
            timings[name].append((time.perf_counter() - started) * 1e6)
    out = {
        name: {"p50_us": percentile(t, 50), "p99_us": percentile(t, 99)}
        for name, t in timings.items()
    }
    out["speedup_p50"] = out["Pipeline.predict_proba"]["p50_us"] / out["fast path"]["p50_us"]
    return out


def switch_point(
    model: StageClassifier,
    dataset: Dataset,
    sizes: tuple[int, ...] = (40, 80, 120, 160, 240, 400, 800, 1600),
) -> dict:
    """Both ways of counting grams on the same normalised texts cut to each length: where the
    integer-coded counters overtake the strings is where `fastpath.LONG_TEXT` belongs."""
    scorer = model._fast
    assert scorer is not None, "the model has no fast path"
    texts = [normalise(d) for d in articles(dataset, 200, seed=5)]
    out: dict = {}
    for size in sizes:
        cut = [t[:size] for t in texts]
        row: dict[str, float] = {}
        for name, call in (("strings", scorer.short_row), ("integer codes", scorer.long_row)):
            best = float("inf")
            for _ in range(3):
                started = time.perf_counter()
                for text in cut:
                    call(text)
                best = min(best, (time.perf_counter() - started) / len(cut) * 1e6)
            row[name] = best
        out[size] = row
    return out


# -- 2. HTTP under load -------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_ready(url: str, timeout: float = 60) -> float:
    import httpx2 as httpx

    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return time.perf_counter() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{url} never became ready")


_WRK_SCRIPT = """wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{body}'
"""


def _wrk(url: str, body: str, seconds: int, connections: int) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(_WRK_SCRIPT.format(body=body.replace("'", "\\'")))
    result = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", script.name, url],
        capture_output=True,
        text=True,
        check=True,
    )
    os.unlink(script.name)
    out = result.stdout

    def latency(label: str) -> float:
        match = re.search(rf"{label}%\s+([\d.]+)(us|ms|s)", out)
        if not match:
            return float("nan")
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "requests_per_s": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50_ms": latency("50"),
        "p99_ms": latency("99"),
        "non_2xx": int(errors.group(1)) if errors else 0,
    }


def _server(args: list[str], env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT
    )


def http(models_dir: Path, data_dir: Path, text: str, seconds: int = 10, rounds: int = 3) -> dict:
    """Both servers run side by side (an idle one costs nothing) and take turns under wrk, so
    a slow moment of the machine falls on both; each figure is the median of its rounds."""
    body = json.dumps({"text": text}, ensure_ascii=True)
    env = {**os.environ, "AI_STAGE_MODELS_DIR": str(models_dir), "AI_STAGE_DATA_DIR": str(data_dir)}
    servers = {
        "bare FastAPI endpoint": ["-m", "uvicorn", "bench.bare_app:app"],
        "ai-stage /v1/classify": ["-m", "uvicorn", "--factory", "service.app:app_from_environment"],
    }
    settings = ["--workers", "1", "--loop", "uvloop", "--http", "httptools", "--no-access-log"]
    settings += ["--log-level", "warning"]
    urls: dict[str, str] = {}
    processes: list[subprocess.Popen] = []
    try:
        for name, args in servers.items():
            port = _free_port()
            processes.append(
                _server(
                    [
                        sys.executable,
                        *args,
                        "--port",
                        str(port),
                        *settings,
                    ],
                    env,
                )
            )
            ready = "/readyz" if "ai-stage" in name else "/docs"
            _wait_ready(f"http://127.0.0.1:{port}{ready}")
            urls[name] = f"http://127.0.0.1:{port}/v1/classify"
            _wrk(urls[name], body, 2, 32)  # warm-up
        runs: dict[str, list[dict]] = {name: [] for name in servers}
        for _ in range(rounds):
            for name, url in urls.items():
                runs[name].append(_wrk(url, body, seconds, 32))
                print(f"  {name}: {runs[name][-1]}", flush=True)
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=10)
    results: dict = {}
    for name, measured in runs.items():
        median = sorted(measured, key=lambda r: r["requests_per_s"])[len(measured) // 2]
        results[name] = {**median, "rounds": [r["requests_per_s"] for r in measured]}
    bare, ours = results["bare FastAPI endpoint"], results["ai-stage /v1/classify"]
    results["ratio"] = ours["requests_per_s"] / bare["requests_per_s"]
    return results


# -- 3. batch tagging of 800-word articles vs fastText -----------------------------------------


def _tag_rate(model: StageClassifier, docs: list[str], jobs: int, workdir: Path) -> float:
    source = workdir / "articles.jsonl"
    source.write_text(
        "".join(
            json.dumps({"id": i, "text": d}, ensure_ascii=False) + "\n" for i, d in enumerate(docs)
        ),
        encoding="utf-8",
    )
    executor = ProcessPool(model, False, jobs) if jobs > 1 else InProcess(model, False)
    try:
        if jobs > 1:  # start the workers before the clock
            tag_file(
                InputSpec(source),
                workdir / "warm.jsonl",
                executor,
                model.version,
                TagOptions(chunk_size=64),
            )
        started = time.perf_counter()
        tag_file(
            InputSpec(source),
            workdir / f"out{jobs}.jsonl",
            executor,
            model.version,
            TagOptions(chunk_size=64),
        )
        return len(docs) / (time.perf_counter() - started)
    finally:
        executor.close()


_CJK = re.compile(r"([\u3400-\u9fff\uf900-\ufaff])")


def _fasttext_line(text: str) -> str:
    """fastText splits on spaces, so each CJK character is made a token of its own (the usual
    way to feed it Chinese); wordNgrams=2 then gives it character bigrams too."""
    return _CJK.sub(r" \1 ", normalise(text)).replace("\n", " ")


_fasttext_model = None


def _fasttext_init(path: str) -> None:
    """Load fastText once per pool worker, before the clock starts."""
    global _fasttext_model
    import fasttext

    _fasttext_model = fasttext.load_model(path)


def _fasttext_worker(docs: list[str]) -> int:
    assert _fasttext_model is not None
    _fasttext_model.f.multilinePredict([_fasttext_line(d) for d in docs], 1, 0.0, "strict")
    return len(docs)


def batch(model: StageClassifier, dataset: Dataset, holdout: Dataset, n_docs: int = 2000) -> dict:
    import multiprocessing

    import fasttext

    docs = articles(dataset, n_docs)
    out: dict = {"documents": n_docs}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for jobs in (1, 2):
            out[f"ai-stage docs/s, {jobs} process(es)"] = _tag_rate(model, docs, jobs, work)
            print(
                f"  ai-stage {jobs} process(es): {out[f'ai-stage docs/s, {jobs} process(es)']:.0f}",
                flush=True,
            )
        train_file = work / "ft.txt"
        train_file.write_text(
            "".join(f"__label__{e.label} {_fasttext_line(e.text)}\n" for e in dataset.examples),
            encoding="utf-8",
        )
        ft = fasttext.train_supervised(str(train_file), epoch=25, lr=0.5, wordNgrams=2, verbose=0)
        ft_path = str(work / "ft.bin")
        ft.save_model(ft_path)
        # Two fastText figures: its C++ prediction alone on lines prepared beforehand (how it is
        # usually quoted), and the same including preparing those lines (normalising, spacing
        # out CJK characters), which is the work ai-stage's figures include.
        started = time.perf_counter()
        lines = [_fasttext_line(d) for d in docs]
        prepared = time.perf_counter()
        ft.f.multilinePredict(lines, 1, 0.0, "strict")
        done_at = time.perf_counter()
        out["fastText docs/s, 1 process, prediction only"] = n_docs / (done_at - prepared)
        out["fastText docs/s, 1 process"] = n_docs / (done_at - started)
        context = multiprocessing.get_context("spawn")
        with context.Pool(2, initializer=_fasttext_init, initargs=(ft_path,)) as pool:
            half = n_docs // 2
            pool.map(_fasttext_worker, [docs[:50], docs[:50]], chunksize=1)
            started = time.perf_counter()
            done = sum(pool.map(_fasttext_worker, [docs[:half], docs[half:]], chunksize=1))
            out["fastText docs/s, 2 processes"] = done / (time.perf_counter() - started)
        predicted = ft.f.multilinePredict(
            [_fasttext_line(t) for t in holdout.texts], 1, 0.0, "strict"
        )
        labels = [p[0].removeprefix("__label__") if len(p) else "" for p in predicted[0]]
        proba = np.zeros((len(holdout), len(LABELS)))
        for i, label in enumerate(labels):
            if label in LABELS:  # no prediction at all counts as a miss
                proba[i, LABELS.index(label)] = 1.0
        from classifier.evaluation import report_from_probabilities

        out["fastText holdout macro-F1"] = report_from_probabilities(holdout, proba, "ft").macro_f1
    out["ai-stage holdout macro-F1"] = evaluate_model(model, holdout, "holdout").macro_f1
    out["ratio 1 process"] = (
        out["ai-stage docs/s, 1 process(es)"] / out["fastText docs/s, 1 process"]
    )
    out["ratio 2 processes"] = (
        out["ai-stage docs/s, 2 process(es)"] / out["fastText docs/s, 2 processes"]
    )
    return out


# -- 4. training scale, memory, model size, start-up -----------------------------------------


def _scaled(dataset: Dataset, n: int, seed: int = 0) -> list[dict]:
    """n examples drawn from the corpus; copies get a few words dropped and a number of their
    own (a one-off token, which min_df=2 discards) so no two texts are the same."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        example = dataset.examples[int(rng.integers(len(dataset)))]
        text = example.text
        if i >= len(dataset):
            words = text.split(" ")
            keep = [w for w in words if rng.random() > 0.1] or words
            text = " ".join(keep) + f" {i}"
        rows.append({"text": text, "label": example.label, "id": f"s{i}", "group": f"g{i % 997}"})
    return rows


TRAIN_SNIPPET = """
import json, sys, time
from pathlib import Path
from classifier.dataset import load_dataset
from classifier.training import TrainingConfig, fit
import joblib
data = load_dataset([Path(sys.argv[1])], min_per_label=1)
started = time.perf_counter()
model = fit(data, TrainingConfig(cv_folds=0))
seconds = time.perf_counter() - started
joblib.dump(model.pipeline, sys.argv[2], compress=3)
# VmHWM belongs to this address space; ru_maxrss would carry the parent's peak over fork/exec.
hwm = [l for l in Path("/proc/self/status").read_text().splitlines() if l.startswith("VmHWM")]
print(json.dumps({"fit_seconds": seconds,
                  "peak_rss_mb": int(hwm[0].split()[1]) / 1024,
                  "model_mb": Path(sys.argv[2]).stat().st_size / 1e6}))
"""


def training(dataset: Dataset, sizes: tuple[int, ...] = (1_000, 10_000, 100_000)) -> dict:
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            path = Path(tmp) / f"train{n}.jsonl"
            path.write_text(
                "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in _scaled(dataset, n)),
                encoding="utf-8",
            )
            result = subprocess.run(
                [sys.executable, "-c", TRAIN_SNIPPET, str(path), str(Path(tmp) / f"m{n}.joblib")],
                capture_output=True,
                text=True,
                check=True,
                cwd=ROOT,
            )
            out[n] = json.loads(result.stdout)
            print(f"  {n:,} examples: {out[n]}", flush=True)
    return out


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def startup(models_dir: Path, data_dir: Path) -> dict:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AI_STAGE_")}
    script = Path(sys.executable).parent / "ai-stage"
    started = time.perf_counter()
    process = subprocess.Popen(
        [
            str(script),
            "--models-dir",
            str(models_dir),
            "--data-dir",
            str(data_dir),
            "serve",
            "--port",
            str(port),
            "--workers",
            "1",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=ROOT,
    )
    try:
        _wait_ready(f"http://127.0.0.1:{port}/readyz")
        ready = time.perf_counter() - started
        import httpx2 as httpx

        for _ in range(200):
            httpx.post(f"http://127.0.0.1:{port}/v1/classify", json={"text": "robot arm"})
        children = subprocess.run(
            ["pgrep", "-P", str(process.pid)], capture_output=True, text=True, check=False
        ).stdout.split()
        pids = [int(p) for p in children] or [process.pid]
        worker_rss = max(_rss_mb(pid) for pid in pids)
    finally:
        process.terminate()
        process.wait(timeout=10)
    return {"seconds_to_ready": ready, "worker_rss_mb": worker_rss}


def machine() -> dict:
    import platform

    import fastapi
    import scipy
    import sklearn
    import uvicorn

    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "scikit-learn": sklearn.__version__,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "fastapi": fastapi.__version__,
        "uvicorn": uvicorn.__version__,
        "platform": platform.platform(),
        "max_rss_self_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "wrk": shutil.which("wrk") is not None,
    }
