"""The Dask engine and the dataframe API, on a real LocalCluster with worker processes."""

import json

import pytest

from classifier.batch.readers import InputSpec
from classifier.batch.tagging import InProcess, TagOptions, tag_file
from classifier.registry import Registry
from classifier.taxonomy import LABELS
from service.cli import main
from tests.conftest import write_jsonl

distributed = pytest.importorskip("distributed", reason="the dask extra is part of the test setup")
pd = pytest.importorskip("pandas")

TEXTS = [
    "Humanoid robot unloads boxes from trucks.",
    "語音辨識引擎，把會議錄音轉成逐字稿。",
    "AI 写作助手，一键生成营销文案。",
    "An agent that books your trip end to end.",
    "Stainless steel kettle, 1.7 litres.",
]


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as local:
        yield local


def read_jsonl(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_dask_engine_gives_the_same_output_as_one_process(tmp_path, tiny_classifier, cluster):
    from classifier.batch.dask_tagging import DaskCluster

    rows = [{"id": i, "text": TEXTS[i % 5]} for i in range(40)] + [{"id": 40}]
    source = write_jsonl(tmp_path / "in.jsonl", rows)
    local = tmp_path / "local.jsonl"
    tag_file(
        InputSpec(source),
        local,
        InProcess(tiny_classifier, True),
        tiny_classifier.version,
        TagOptions(chunk_size=6, paragraphs=True),
    )
    engine = DaskCluster(tiny_classifier, paragraphs=True, scheduler=cluster.scheduler_address)
    try:
        remote = tmp_path / "dask.jsonl"
        summary = tag_file(
            InputSpec(source),
            remote,
            engine,
            tiny_classifier.version,
            TagOptions(chunk_size=6, paragraphs=True),
        )
        parts_dir = engine.parts_dir
    finally:
        engine.close()
    assert read_jsonl(remote) == read_jsonl(local)
    assert summary.records == 41 and summary.errors == 1
    assert engine.parts_written == 7  # 41 records in chunks of 6, one part file each
    assert not parts_dir.exists()


def test_cli_engine_dask_against_a_scheduler(
    tmp_path, tiny_data_dir, tiny_trained, cluster, capsys
):
    source = write_jsonl(tmp_path / "in.jsonl", [{"id": i, "text": t} for i, t in enumerate(TEXTS)])
    output = tmp_path / "out.jsonl"
    Registry(tmp_path / "m").publish(tiny_trained)
    dirs = ["--models-dir", str(tmp_path / "m"), "--data-dir", str(tiny_data_dir)]
    code = main(
        [
            *dirs,
            "tag",
            str(source),
            "-o",
            str(output),
            "--engine",
            "dask",
            "--scheduler",
            cluster.scheduler_address,
            "--json",
        ]
    )
    assert code == 0
    assert json.loads(capsys.readouterr().out)["tagged"] == 5
    assert [r["label"] for r in read_jsonl(output)] == [
        "physical",
        "perception",
        "generative",
        "agentic",
        "none",
    ]


def test_unreachable_scheduler_is_a_clear_error(tiny_classifier):
    from classifier.batch.dask_tagging import DaskCluster
    from classifier.errors import InvalidInputError

    with pytest.raises(InvalidInputError, match="cannot reach the Dask scheduler"):
        DaskCluster(tiny_classifier, False, "tcp://127.0.0.1:9", connect_timeout="2s")


def test_tag_dask_dataframe_maps_every_partition(tiny_classifier, cluster):
    import dask.dataframe as dd

    from classifier.batch.dask_tagging import tag_dask_dataframe

    frame = pd.DataFrame({"id": range(6), "body": [*TEXTS, ""]})
    ddf = dd.from_pandas(frame, npartitions=3)
    with distributed.Client(cluster.scheduler_address):
        tagged = tag_dask_dataframe(ddf, tiny_classifier, text_column="body").compute()
    tagged = tagged.sort_values("id")
    assert tagged["label"].tolist()[:5] == [
        "physical",
        "perception",
        "generative",
        "agentic",
        "none",
    ]
    assert tagged["label"].tolist()[5] is None and "empty" in tagged["error"].tolist()[5]
    scores = tagged[[f"score_{label}" for label in LABELS]].iloc[:5].sum(axis=1)
    assert scores.round(6).eq(1.0).all()
    assert set(tagged["model_version"]) == {tiny_classifier.version}
