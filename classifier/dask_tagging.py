"""Tagging on a Dask cluster, and a Python API for pipelines that already use Dask.

Needs the optional extra: `pip install 'ai-stage[dask]'`.

Two ways in:

* `ai-stage tag INPUT -o OUT --engine dask --scheduler tcp://host:8786` runs the same streaming
  tagging as on one machine, but each chunk of records is a task on the cluster. The model is
  scattered to every worker once; at most a few chunks per worker are in flight, so the client's
  memory stays flat; each finished partition is appended to the output in input order.

* `tag_dataframe(df, model)` tags one pandas DataFrame (a partition), and
  `tag_dask_dataframe(ddf, model)` maps it over a `dask.dataframe`, for example::

      import dask.dataframe as dd
      from classifier import Registry
      from classifier.dask_tagging import tag_dask_dataframe

      model, _ = Registry().load()
      articles = dd.read_json("news-*.jsonl", lines=True, blocksize="64MB")
      tagged = tag_dask_dataframe(articles, model, text_column="body")
      tagged.to_parquet("tagged/")

  The result has the input's columns plus `label`, `confidence`, `model_version` and one
  `score_<stage>` column per stage. Rows whose text is missing or empty get `label` None and an
  `error` message instead of being dropped.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from classifier.errors import InvalidInputError
from classifier.model import StageClassifier
from classifier.readers import InputRecord
from classifier.tagging import ordered_window, tag_records
from classifier.taxonomy import LABELS

if TYPE_CHECKING:
    import pandas as pd

CHUNKS_PER_WORKER = 3


def _require_dask() -> Any:
    try:
        import distributed
    except ImportError as exc:
        raise InvalidInputError(
            "the Dask engine needs the optional extra: pip install 'ai-stage[dask]'"
        ) from exc
    return distributed


class DaskCluster:
    """Executor for `tag_file`: chunks become tasks on a Dask distributed cluster."""

    def __init__(
        self,
        model: StageClassifier,
        paragraphs: bool,
        scheduler: str,
        connect_timeout: str = "20s",
    ) -> None:
        distributed = _require_dask()
        try:
            self.client = distributed.Client(scheduler, timeout=connect_timeout)
        except OSError as exc:
            raise InvalidInputError(
                f"cannot reach the Dask scheduler at {scheduler}: {exc}"
            ) from exc
        self.paragraphs = paragraphs
        self.model = self.client.scatter(model, broadcast=True)
        workers = max(1, len(self.client.scheduler_info().get("workers", {})))
        self.in_flight = CHUNKS_PER_WORKER * workers

    def map_ordered(self, chunks: Iterable[list[InputRecord]]) -> Iterator[list[dict]]:
        def submit(chunk: list[InputRecord]) -> Any:
            return self.client.submit(tag_records, self.model, chunk, self.paragraphs, pure=False)

        return ordered_window(submit, chunks, self.in_flight)

    def close(self) -> None:
        self.client.close()


def tag_dataframe(
    df: pd.DataFrame, model: StageClassifier, text_column: str = "text"
) -> pd.DataFrame:
    """Tag one pandas DataFrame; usable directly or as a Dask partition function."""
    import pandas as pd

    if text_column not in df.columns:
        raise InvalidInputError(f"no column {text_column!r}; columns: {list(df.columns)}")
    texts = df[text_column]
    ok = pd.Series(
        [isinstance(t, str) and bool(t.strip()) for t in texts], index=df.index, dtype=bool
    )
    out = df.copy()
    out["label"] = None
    out["confidence"] = float("nan")
    for label in LABELS:
        out[f"score_{label}"] = float("nan")
    out["model_version"] = model.version
    out["error"] = None
    if ok.any():
        good = texts[ok].tolist()
        proba = model.predict_proba(good)
        out.loc[ok, "label"] = [LABELS[i] for i in proba.argmax(axis=1)]
        out.loc[ok, "confidence"] = proba.max(axis=1)
        for column, label in enumerate(LABELS):
            out.loc[ok, f"score_{label}"] = proba[:, column]
    out.loc[~ok, "error"] = f"field {text_column!r} is missing or empty"
    return (
        out.astype({"label": "object", "error": "object"}) if isinstance(out, pd.DataFrame) else out
    )


def tag_dask_dataframe(ddf: Any, model: StageClassifier, text_column: str = "text") -> Any:
    """Lazily tag every partition of a `dask.dataframe`; the model is one shared graph key."""
    _require_dask()
    meta = tag_dataframe(ddf._meta, model, text_column)
    return ddf.map_partitions(tag_dataframe, model, text_column, meta=meta)
