"""Tagging on a Dask cluster, and a Python API for pipelines that already use Dask.

Needs the optional extra: `pip install 'ai-stage[dask]'`.

Two ways in:

* `ai-stage tag INPUT -o OUT --engine dask --scheduler tcp://host:8786` runs the same streaming
  tagging as on one machine, but each chunk of records is a task on the cluster. The model is
  scattered to every worker once; at most a few chunks per worker are in flight, so memory
  stays flat; each finished partition is written to a part file as it completes, and the parts
  are merged into the output in input order.

* `tag_dataframe(df, model)` tags one pandas DataFrame (a partition), and
  `tag_dask_dataframe(ddf, model)` maps it over a `dask.dataframe`, for example::

      import dask.dataframe as dd
      from classifier import Registry
      from classifier.batch.dask_tagging import tag_dask_dataframe

      model, _ = Registry().load()
      articles = dd.read_json("news-*.jsonl", lines=True, blocksize="64MB")
      tagged = tag_dask_dataframe(articles, model, text_column="body")
      tagged.to_parquet("tagged/")

  The result has the input's columns plus `label`, `confidence`, `model_version` and one
  `score_<stage>` column per stage. Rows whose text is missing or empty get `label` None and an
  `error` message instead of being dropped.
"""

from __future__ import annotations

import pickle
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from classifier.batch.readers import InputRecord
from classifier.batch.tagging import tag_records
from classifier.errors import InvalidInputError
from classifier.model import StageClassifier
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
        self.parts_dir = Path(tempfile.mkdtemp(prefix="ai-stage-parts-"))
        self.parts_written = 0

    def map_ordered(self, chunks: Iterable[list[InputRecord]]) -> Iterator[list[dict]]:
        """Each partition's rows are written to a part file as soon as it finishes, in whatever
        order the cluster finishes them; the parts are then merged back in input order. A
        partition that finishes early waits on disk, not in memory."""
        distributed = _require_dask()
        completed = distributed.as_completed()
        index_of: dict = {}
        written: set[int] = set()
        next_part = 0

        def merge_ready() -> Iterator[list[dict]]:
            nonlocal next_part
            while next_part in written:
                yield self._take_part(next_part)
                written.discard(next_part)
                next_part += 1

        for submitted, chunk in enumerate(chunks):
            future = self.client.submit(tag_records, self.model, chunk, self.paragraphs, pure=False)
            index_of[future] = submitted
            completed.add(future)
            while len(index_of) >= self.in_flight:
                written.add(self._write_part(next(completed), index_of))
                yield from merge_ready()
        while index_of:
            written.add(self._write_part(next(completed), index_of))
            yield from merge_ready()

    def _part(self, index: int) -> Path:
        return self.parts_dir / f"part-{index:08d}.pickle"

    def _write_part(self, future: Any, index_of: dict) -> int:
        index = index_of.pop(future)
        rows = future.result()
        with self._part(index).open("wb") as handle:
            pickle.dump(rows, handle, protocol=pickle.HIGHEST_PROTOCOL)
        self.parts_written += 1
        return index

    def _take_part(self, index: int) -> list[dict]:
        path = self._part(index)
        with path.open("rb") as handle:
            rows = pickle.load(handle)  # our own file, written a moment ago in our own folder
        path.unlink()
        return rows

    def close(self) -> None:
        self.client.close()
        shutil.rmtree(self.parts_dir, ignore_errors=True)


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
