"""CSV rows against the row budget: a row of many large cells, or one spread over many lines
inside quotes, becomes one error record, and every row after it is read as written."""

from __future__ import annotations

import csv
import io

import pytest

from classifier.batch.readers import InputSpec, ReadLimits, RecordReader, _csv_state_after

LIMIT = 2_000


def read(tmp_path, content: str, limit: int = LIMIT) -> list:
    path = tmp_path / "rows.csv"
    path.write_text(content, encoding="utf-8", newline="")
    spec = InputSpec(path, limits=ReadLimits(max_line_chars=limit))
    return list(RecordReader(spec))


def test_a_row_of_many_large_cells_on_one_line_is_one_error(tmp_path):
    wide = ",".join(["robot arm " * 40] * 10)  # 4,000 characters, each cell well under the limit
    content = f"id,text,a,b,c,d,e,f,g,h\n1,drone survey\n2,{wide}\n3,speech to text\n"
    records = read(tmp_path, content)
    assert [r.text for r in records] == ["drone survey", None, "speech to text"]
    assert "row is over 2,000 characters" in records[1].error


def test_a_row_spread_over_many_quoted_lines_is_one_error_and_the_next_rows_survive(tmp_path):
    quoted = "\n".join(['line with ""escaped"" quotes, commas and 5"" marks'] * 100)
    content = (
        "id,text,note\n"
        '1,"first, quoted\nover two lines",ok\n'
        f'2,"{quoted}",big\n'
        '3,"after the big one",ok\n'
        "4,plain last row,ok\n"
    )
    records = read(tmp_path, content)
    assert [r.fields.get("id") for r in records] == ["1", None, "3", "4"]
    assert records[0].text == "first, quoted\nover two lines"
    assert records[2].text == "after the big one" and records[3].text == "plain last row"
    assert "row is over" in records[1].error


def test_rows_under_the_budget_read_as_the_csv_module_reads_them(tmp_path):
    rows = [["id", "text"], ["1", 'a "quoted" word'], ["2", "x\r\ny"], ["3", ",,"]]
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    records = read(tmp_path, buffer.getvalue())
    assert [(r.fields["id"], r.text) for r in records] == [(r[0], r[1]) for r in rows[1:]]


@pytest.mark.parametrize(
    ("chunk", "state_name"),
    [
        ("plain,cell\n", "ended"),
        ('1,"open quote\n', "in quotes"),
        ('still "" inside\n', "in quotes"),
        ('"closed",next\n', "ended"),
        ('5" screen,x\n', "ended"),  # a quote inside a plain cell is a literal character
    ],
)
def test_the_row_end_follows_the_quotes(chunk, state_name):
    names = {4: "ended", 2: "in quotes"}
    start = 2 if chunk.startswith("still") else 0
    assert names.get(_csv_state_after(chunk, start)) == state_name
