import csv
import gzip
import io
import json

import pytest

from classifier.batch.paragraphs import split_paragraphs
from classifier.batch.readers import InputSpec, RecordReader, html_to_text
from classifier.batch.tag_report import render_html
from classifier.batch.tagging import InProcess, ProcessPool, TagOptions, tag_file
from classifier.batch.writers import checkpoint_path, partial_path
from classifier.errors import InvalidInputError
from classifier.taxonomy import LABELS
from tests.conftest import write_jsonl

ARTICLES = [
    {"id": "a1", "text": "Humanoid robot unloads boxes from trucks.", "date": "2026-03-02"},
    {"id": "a2", "text": "語音辨識引擎，把會議錄音轉成逐字稿。", "date": "2026-03-15"},
    {"id": "a3", "text": "AI 写作助手，一键生成营销文案。", "date": "2026-04-01"},
    {"id": "a4", "text": "An agent that books your trip end to end.", "date": "2026-04-20"},
    {"id": "a5", "text": "Stainless steel kettle, 1.7 litres.", "date": "2026-05-09"},
]


def read_jsonl(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def run(tmp_path, spec, model, name="out.jsonl", executor=None, **options):
    destination = tmp_path / name
    summary = tag_file(
        spec,
        destination,
        executor or InProcess(model, options.get("paragraphs", False)),
        model.version,
        TagOptions(**options),
    )
    return destination, summary


def test_jsonl_keeps_every_field_in_order_and_adds_the_stage(tmp_path, tiny_classifier):
    source = write_jsonl(tmp_path / "in.jsonl", ARTICLES)
    out, summary = run(tmp_path, InputSpec(source), tiny_classifier, chunk_size=2)
    rows = read_jsonl(out)
    assert [r["id"] for r in rows] == [a["id"] for a in ARTICLES]
    assert all(r["date"] == a["date"] for r, a in zip(rows, ARTICLES, strict=True))
    assert [r["label"] for r in rows] == ["physical", "perception", "generative", "agentic", "none"]
    assert all(set(r["scores"]) == set(LABELS) and r["model_version"] for r in rows)
    assert (summary.records, summary.tagged, summary.errors) == (5, 5, 0)
    assert not partial_path(out).exists() and not checkpoint_path(out).exists()


def test_bad_records_are_kept_with_a_reason_and_the_counts_add_up(tmp_path, tiny_classifier):
    source = tmp_path / "in.jsonl"
    source.write_text(
        '{"id": 1, "text": "robot arm"}\nnot json\n{"id": 3}\n{"id": 4, "text": "  "}\n'
        '[1, 2]\n{"id": 6, "text": 7}\n{"id": 7, "text": "speech to text"}\n',
        encoding="utf-8",
    )
    out, summary = run(tmp_path, InputSpec(source), tiny_classifier)
    rows = read_jsonl(out)
    assert len(rows) == 7
    errors = [r.get("error") for r in rows]
    assert errors[0] is None and errors[6] is None
    assert errors[1].startswith("line 2: invalid JSON") and rows[1]["raw"] == "not json"
    assert errors[2] == "line 3: field 'text' is missing"
    assert errors[3] == "line 4: field 'text' is empty"
    assert errors[4] == "line 5: not a JSON object"
    assert errors[5] == "line 6: field 'text' is a int, not text"
    assert (summary.records, summary.tagged, summary.errors) == (7, 2, 5)


def test_errors_can_go_to_their_own_file(tmp_path, tiny_classifier):
    source = tmp_path / "in.jsonl"
    source.write_text('{"text": "robot arm"}\n{"id": 2}\n', encoding="utf-8")
    out, summary = run(
        tmp_path, InputSpec(source), tiny_classifier, errors_path=tmp_path / "bad.jsonl"
    )
    assert [r.get("error") for r in read_jsonl(out)] == [None]
    assert read_jsonl(tmp_path / "bad.jsonl") == [
        {"id": 2, "error": "line 2: field 'text' is missing"}
    ]
    assert summary.records == 2


def test_csv_with_title_and_id_fields_and_multiline_cells(tmp_path, tiny_classifier):
    source = tmp_path / "news.csv"
    with source.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["key", "headline", "body", "outlet"])
        writer.writerow(
            ["k1", "Robots at work", "A humanoid robot\nunloads boxes, all day.", "Wire"]
        )
        writer.writerow(["k2", "", "Speech-to-text for call centres", "Post"])
        writer.writerow(["k3", "Empty", "", "Post"])
    spec = InputSpec(source, text_field="body", id_field="key", title_field="headline")
    out, summary = run(tmp_path, spec, tiny_classifier, name="out.csv")
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [r["key"] for r in rows] == ["k1", "k2", "k3"]
    assert (
        rows[0]["body"] == "A humanoid robot\nunloads boxes, all day."
        and rows[0]["outlet"] == "Wire"
    )
    assert rows[0]["label"] == "physical"
    assert float(rows[0]["score_physical"]) == pytest.approx(float(rows[0]["confidence"]))
    assert rows[2]["error"] == "row 3 (line 5): field 'body' is empty"
    assert summary.errors == 1


def test_csv_without_the_text_column_is_a_clear_error(tmp_path, tiny_classifier):
    source = tmp_path / "x.csv"
    source.write_text("title,content\na,b\n", encoding="utf-8")
    with pytest.raises(InvalidInputError, match=r"no column 'text'.*--text-field"):
        run(tmp_path, InputSpec(source), tiny_classifier)


def test_gzipped_jsonl_and_csv(tmp_path, tiny_classifier):
    jsonl = tmp_path / "in.jsonl.gz"
    with gzip.open(jsonl, "wt", encoding="utf-8") as handle:
        handle.write(json.dumps({"text": "self-driving truck"}) + "\n")
    table = tmp_path / "in.csv.gz"
    with gzip.open(table, "wt", encoding="utf-8") as handle:
        handle.write("text\nspeech to text\n")
    for source in (jsonl, table):
        _, summary = run(tmp_path, InputSpec(source), tiny_classifier, name=f"{source.stem}.jsonl")
        assert summary.tagged == 1


def test_folder_of_text_markdown_and_html(tmp_path, tiny_classifier):
    folder = tmp_path / "articles"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text("Humanoid robot unloads boxes from trucks.", encoding="utf-8")
    (folder / "sub" / "b.md").write_text(
        "# News\n\n語音辨識引擎，把會議錄音轉成逐字稿。", encoding="utf-8"
    )
    (folder / "c.html").write_text(
        "<html><head><title>Kettles</title><script>var robot = 1;</script></head>"
        "<body><nav>Home | Robots</nav><article><h1>New kettle</h1>"
        "<p>Stainless steel kettle, 1.7 litres.</p></article>"
        "<footer>AI robots</footer></body></html>",
        encoding="utf-8",
    )
    (folder / "ignored.png").write_bytes(b"\x89PNG")
    (folder / "empty.txt").write_text("   ", encoding="utf-8")
    out, summary = run(tmp_path, InputSpec(folder), tiny_classifier)
    rows = {r["id"]: r for r in read_jsonl(out)}
    assert set(rows) == {"a.txt", "c.html", "empty.txt", "sub/b.md"}
    assert rows["c.html"]["title"] == "Kettles" and rows["c.html"]["label"] == "none"
    assert rows["empty.txt"]["error"] == "file empty.txt: no text"
    assert summary.records == 4


def test_html_is_reduced_to_visible_text():
    title, text = html_to_text(
        "<title>T</title><style>p{}</style><nav>menu</nav><p>First &amp; one</p><p>Second</p>"
    )
    assert title == "T" and text == "First & one\n\nSecond"


def test_paragraph_breakdown_shows_each_stage_and_the_mix(tmp_path, tiny_classifier):
    article = (
        "Humanoid robot unloads boxes from trucks in warehouses all day long.\n\n"
        "Separately, a speech-to-text API now transcribes call-centre recordings.\n\n"
        "Short\n"
    )
    source = write_jsonl(
        tmp_path / "in.jsonl", [{"id": "x", "text": article}, {"id": "y", "text": "robot"}]
    )
    out, _ = run(tmp_path, InputSpec(source), tiny_classifier, paragraphs=True)
    long, short = read_jsonl(out)
    assert [p["label"] for p in long["paragraphs"]] == ["physical", "perception"]
    assert sum(long["mix"].values()) == pytest.approx(1.0)
    assert long["mix"]["physical"] > 0 and long["mix"]["perception"] > 0
    assert "paragraphs" not in short and "mix" not in short


def test_split_paragraphs_joins_fragments_to_the_next_paragraph():
    text = "Headline\n\nBy a reporter\n\n" + "A" * 80 + "\n\n" + "B" * 80
    parts = split_paragraphs(text)
    assert len(parts) == 2 and parts[0].startswith("Headline\nBy a reporter\nAAA")


def test_resume_after_an_interruption_gives_the_uninterrupted_output(tmp_path, tiny_classifier):
    rows = [{"id": f"r{i}", "text": f"robot number {i} unloads trucks"} for i in range(50)]
    source = write_jsonl(tmp_path / "in.jsonl", rows)
    reference, _ = run(
        tmp_path, InputSpec(source), tiny_classifier, name="reference.jsonl", chunk_size=7
    )
    destination = tmp_path / "out.jsonl"

    calls = []

    def interrupt(done, _reader):
        calls.append(done)
        if len(calls) == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        tag_file(
            InputSpec(source),
            destination,
            InProcess(tiny_classifier, False),
            tiny_classifier.version,
            TagOptions(chunk_size=7),
            interrupt,
        )
    assert not destination.exists() and partial_path(destination).exists()
    # a torn half-line at the end, as a kill during a write would leave
    with partial_path(destination).open("a", encoding="utf-8") as handle:
        handle.write('{"id": "r21", "te')
    summary = tag_file(
        InputSpec(source),
        destination,
        InProcess(tiny_classifier, False),
        tiny_classifier.version,
        TagOptions(chunk_size=7, resume=True),
    )
    assert read_jsonl(destination) == read_jsonl(reference)
    assert summary.skipped == 21 and summary.records == 50


def test_resume_refuses_a_different_input(tmp_path, tiny_classifier):
    first = write_jsonl(tmp_path / "a.jsonl", [{"id": f"a{i}", "text": "robot"} for i in range(20)])
    other = write_jsonl(tmp_path / "b.jsonl", [{"id": f"b{i}", "text": "robot"} for i in range(20)])
    destination = tmp_path / "out.jsonl"

    def stop(done, _reader):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        tag_file(
            InputSpec(first),
            destination,
            InProcess(tiny_classifier, False),
            tiny_classifier.version,
            TagOptions(chunk_size=5),
            stop,
        )
    with pytest.raises(InvalidInputError, match="does not match this input"):
        tag_file(
            InputSpec(other),
            destination,
            InProcess(tiny_classifier, False),
            tiny_classifier.version,
            TagOptions(chunk_size=5, resume=True),
        )


def test_two_processes_give_the_same_output_as_one(tmp_path, tiny_classifier):
    rows = [{"id": i, "text": t["text"]} for i, t in enumerate(ARTICLES * 8)]
    source = write_jsonl(tmp_path / "in.jsonl", rows)
    one, _ = run(tmp_path, InputSpec(source), tiny_classifier, name="one.jsonl", chunk_size=4)
    pool = ProcessPool(tiny_classifier, paragraphs=False, jobs=2)
    try:
        two, _ = run(
            tmp_path,
            InputSpec(source),
            tiny_classifier,
            name="two.jsonl",
            executor=pool,
            chunk_size=4,
        )
    finally:
        pool.close()
    assert read_jsonl(one) == read_jsonl(two)


def test_report_has_charts_time_series_and_review_table(tmp_path, tiny_classifier):
    source = write_jsonl(tmp_path / "in.jsonl", ARTICLES)
    spec = InputSpec(source, date_field="date")
    _, summary = run(tmp_path, spec, tiny_classifier)
    page = render_html(summary, "in.jsonl")
    assert page.count("<svg") == 3  # distribution, over time, confidence
    assert "2026-03" in page and "2026-05" in page
    assert "Lowest-confidence documents" in page and "a1" in page
    assert "<script" not in page


def test_reader_reports_progress_in_bytes(tmp_path):
    source = write_jsonl(tmp_path / "in.jsonl", ARTICLES)
    reader = RecordReader(InputSpec(source))
    records = list(reader)
    assert len(records) == 5 and reader.fraction_done == 1.0


def test_missing_input_is_a_clear_error(tmp_path, tiny_classifier):
    with pytest.raises(InvalidInputError, match="does not exist"):
        run(tmp_path, InputSpec(tmp_path / "nope.jsonl"), tiny_classifier)


def test_csv_output_from_jsonl_keeps_unexpected_fields_in_extra(tmp_path, tiny_classifier):
    source = write_jsonl(
        tmp_path / "in.jsonl", [{"id": 1, "text": "robot"}, {"id": 2, "text": "kettle", "tag": "x"}]
    )
    out, _ = run(tmp_path, InputSpec(source), tiny_classifier, name="out.csv")
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert json.loads(rows[1]["extra"]) == {"tag": "x"}
