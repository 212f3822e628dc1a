"""The logistics reports as XLSX: 物流时效跟踪表 and 异常物流处理记录."""

from django.utils import timezone
from django.utils.translation import gettext as _

from shopops.core.spreadsheets import append_row, new_sheet, workbook_bytes


def timeliness_xlsx(rows, total) -> bytes:
    book, sheet = new_sheet(
        _("Delivery timeliness"),
        [
            _("Carrier"),
            _("Shipped"),
            _("Delivered"),
            _("In transit"),
            _("Average hours to deliver"),
            _("P90 hours to deliver"),
            _("On time"),
            _("On-time rate"),
            _("Logistics exceptions"),
        ],
        [16, 10, 10, 10, 14, 14, 10, 12, 12],
    )
    for r in [*rows, *([total] if total else [])]:
        append_row(
            sheet,
            [
                r.carrier or _("All carriers"),
                r.shipped,
                r.delivered,
                r.in_transit,
                r.average_hours,
                r.p90_hours,
                r.on_time,
                r.on_time_rate,
                r.exceptions,
            ],
        )
        sheet.cell(sheet.max_row, 8).number_format = "0.0%"
        for col in (5, 6):
            sheet.cell(sheet.max_row, col).number_format = "0.0"
    if total:
        from openpyxl.styles import Font

        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=True)
    return workbook_bytes(book)


def cases_xlsx(cases, zone) -> bytes:
    book, sheet = new_sheet(
        _("Logistics exceptions"),
        [
            _("Order no."),
            _("Carrier"),
            _("Tracking number"),
            _("Exception"),
            _("Found at"),
            _("Detail"),
            _("Buyer contacted at"),
            _("Contact note"),
            _("Compensation"),
            _("Compensation amount"),
            _("Result"),
            _("Status"),
            _("Handled by"),
        ],
        [16, 10, 18, 16, 17, 28, 17, 28, 12, 12, 28, 10, 12],
    )

    def local(value):
        return timezone.localtime(value, zone).replace(tzinfo=None) if value else None

    for c in cases:
        append_row(
            sheet,
            [
                c.shipment.order.order_id,
                c.shipment.carrier,
                c.shipment.tracking_no,
                c.get_kind_display(),
                local(c.opened_at),
                c.detail,
                local(c.contacted_at),
                c.contact_note,
                c.get_compensation_display() if c.compensation else "",
                c.compensation_amount if c.compensation else None,
                c.result,
                c.get_status_display(),
                c.handled_by.username if c.handled_by else "",
            ],
        )
        row = sheet.max_row
        for col in (5, 7):
            sheet.cell(row, col).number_format = "yyyy-mm-dd hh:mm"
        sheet.cell(row, 10).number_format = "#,##0.00"
    return workbook_bytes(book)
