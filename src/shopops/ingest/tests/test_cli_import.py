import json

from conftest import TMALL_REPORT


def test_import_command(tmp_path, shared_file, cli):
    TMALL = shared_file(TMALL_REPORT)
    assert cli("store", "add", "tm", "--name", "T", "--platform", "tmall").returncode == 0
    first = cli("import", "orders", str(TMALL), "--store", "tm", "--format", "taobao")
    assert first.returncode == 0, first.stderr
    assert "28010 inserted, 0 updated, 0 unchanged, 0 rejected" in first.stdout
    again = cli(
        "import",
        "orders",
        str(TMALL),
        "--store",
        "tm",
        "--format",
        "taobao",
        "--output",
        "json",
    )
    summary = json.loads(again.stdout)
    assert (summary["inserted"], summary["updated"], summary["unchanged"]) == (0, 0, 28010)

    bad = tmp_path / "bad.csv"
    bad.write_text(
        "order_id,paid_amount,created_at,paid_at\nB1,x,2024-01-01,2024-01-01\n"
        "B2,1,2024-01-01,2024-01-01\n"
    )
    refused = cli("import", "orders", str(bad), "--store", "tm")
    assert refused.returncode == 2
    assert "bad.csv, line 2, column paid_amount: 'x' is not a number" in refused.stderr
    rejects = tmp_path / "rejects.csv"
    skipped = cli(
        "import",
        "orders",
        str(bad),
        "--store",
        "tm",
        "--skip-invalid",
        "--rejects",
        str(rejects),
    )
    assert skipped.returncode == 1  # something was rejected
    assert "1 inserted, 0 updated, 0 unchanged, 1 rejected" in skipped.stdout
    assert (
        rejects.read_text(encoding="utf-8-sig")
        .splitlines()[1]
        .startswith("2,paid_amount,'x' is not a number,B1,")
    )
