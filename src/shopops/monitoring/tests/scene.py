"""A store's facts written as the team's files would bring them, for the report's tests."""

from shopops.ingest.pipeline import run_import

HEADERS = {
    "traffic": "date,source,visitors",
    "ads": "date,channel,plan,impressions,clicks,cost,orders,gmv",
    "orders": "order_id,paid_amount,created_at,paid_at,customer_id,province",
    "order_lines": "order_id,sku,quantity,unit_price,category",
}


def import_rows(store, tmp_path, **rows: list[str]) -> None:
    """Each kind's rows (CSV lines under HEADERS) imported in this order: traffic, ads,
    orders, order lines; every row must be taken."""
    for kind in HEADERS:
        if kind not in rows:
            continue
        path = tmp_path / f"{kind}.csv"
        path.write_text(HEADERS[kind] + "\n" + "\n".join(rows[kind]) + "\n")
        result = run_import(store=store, kind=kind, path=path)
        assert result.rejected == 0, result.rejects[:3]
