"""The reorder suggestions as an XLSX, each with how it is computed (the page's download and
`./shopops replenish --format xlsx`)."""

XLSX_COLUMNS = (
    ("sku", "SKU", "SKU"),
    ("name", "商品", "Product"),
    ("model", "模型", "Model"),
    ("daily", "日均需求", "Demand per day"),
    ("available", "可用库存", "Available"),
    ("on_order", "在途", "On order"),
    ("safety", "安全库存", "Safety stock"),
    ("lead_days", "提前期（天）", "Lead time (days)"),
    ("days_of_cover", "可售天数", "Days of cover"),
    ("stockout_on", "预计断货日", "Stock-out on"),
    ("reorder_point", "再订货点", "Reorder point"),
    ("suggested", "建议采购量", "Order now"),
    ("review", "需核对", "Check"),
    ("why", "计算说明", "How it is computed"),
    ("excluded", "未计入需求的订单行", "Order lines left out of demand"),
)


def suggestions_xlsx(rows, zh: bool) -> bytes:
    """The suggestions as a sheet, each with its explanation and what was left out."""
    import io

    from openpyxl import Workbook

    from shopops.core.spreadsheets import append_row

    book = Workbook()
    sheet = book.active
    sheet.title = "补货建议" if zh else "Replenishment"
    append_row(sheet, [zh_label if zh else en for _k, zh_label, en in XLSX_COLUMNS])
    for r in rows:
        values = []
        for key, _zh, _en in XLSX_COLUMNS:
            value = getattr(r, key, None)
            if key == "excluded":
                value = "; ".join(f"{e.order_id} ×{e.quantity} {e.reason}" for e in r.excluded)
            elif key == "review":
                value = ("是" if zh else "yes") if r.review else ""
            elif key in ("daily", "days_of_cover") and value is not None:
                value = float(value)
            values.append(value)
        append_row(sheet, values)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
