"""Issue 12, point 6: one helper prints the CLI's rows for `--format table|json|csv`
(core.output); the same rows come out in each format by that format's rule."""

import csv
import io
import json
from decimal import Decimal
from unicodedata import east_asian_width

import pytest

from shopops.core.output import format_rows

COLUMNS = ["store", "gmv", "buyers", "change", "province", "active", "note"]
ROWS = [
    {
        "store": "天猫旗舰店",
        "gmv": Decimal("30.30"),
        "buyers": 2,
        "change": Decimal("-0.500000"),
        "province": "=1+1",
        "active": True,
        "note": None,
    },
    {
        "store": "jd",
        "gmv": Decimal("0.00"),
        "buyers": 0,
        "change": None,
        "province": "浙江省",
        "active": False,
        "note": "ok",
    },
]


def _width(text: str) -> int:
    return sum(2 if east_asian_width(c) in "WF" else 1 for c in text)


def test_json_keeps_text_booleans_and_null_and_writes_numbers_exactly():
    text = format_rows(ROWS, COLUMNS, "json")
    assert text.endswith("]\n")
    assert json.loads(text) == [
        {
            "store": "天猫旗舰店",
            "gmv": "30.30",
            "buyers": "2",
            "change": "-0.500000",
            "province": "=1+1",
            "active": True,
            "note": None,
        },
        {
            "store": "jd",
            "gmv": "0.00",
            "buyers": "0",
            "change": None,
            "province": "浙江省",
            "active": False,
            "note": "ok",
        },
    ]
    assert "天猫旗舰店" in text  # not \u-escaped


def test_csv_has_the_same_rows_with_text_made_inert_and_numbers_left_numbers():
    text = format_rows(ROWS, COLUMNS, "csv")
    assert text.count("\r\n") == 3 and text.endswith("\r\n")
    header, *rows = list(csv.reader(io.StringIO(text)))
    assert header == COLUMNS
    assert rows == [
        ["天猫旗舰店", "30.30", "2", "-0.500000", "'=1+1", "True", ""],
        ["jd", "0.00", "0", "", "浙江省", "False", "ok"],
    ]


def test_table_has_the_same_rows_aligned_with_titles_in_the_header():
    text = format_rows(ROWS, COLUMNS, "table", titles={"gmv": "销售额", "buyers": "买家数"})
    assert text.endswith("\n")
    header, rule, *lines = text.rstrip("\n").split("\n")
    assert header.split() == ["store", "销售额", "买家数", "change", "province", "active", "note"]
    assert set(rule.replace("  ", "")) == {"-"}
    assert [line.split() for line in lines] == [
        ["天猫旗舰店", "30.30", "2", "-0.500000", "=1+1", "True"],
        ["jd", "0.00", "0", "浙江省", "False", "ok"],
    ]
    # Every line is as wide as the rule: CJK characters count two columns.
    assert {_width(line) for line in (header, *lines)} == {_width(rule)}


def test_an_empty_list_prints_its_header_and_an_unknown_format_is_refused():
    assert format_rows([], ["code"], "csv") == "code\r\n"
    assert format_rows([], ["code"], "json") == "[]\n"
    assert format_rows([], ["code"], "table") == "code\n----\n"
    with pytest.raises(ValueError, match="xml"):
        format_rows(ROWS, COLUMNS, "xml")


def test_store_list_prints_the_same_store_as_table_and_json(cli):
    added = cli("store", "add", "tm9", "--name", "天猫店", "--platform", "tmall")
    assert added.returncode == 0, added.stderr
    [row] = json.loads(cli("store", "list", "--format", "json").stdout)
    assert row["code"] == "tm9" and row["active"] is True
    header, _rule, line = cli("store", "list").stdout.splitlines()
    assert header.split() == list(row)
    assert line.split() == [str(v) for v in row.values()]
