"""A file the console hands over to download (XLSX, CSV), named in any script."""

from django.http import HttpResponse
from django.utils.http import content_disposition_header

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"


def attachment(content, filename: str, content_type: str) -> HttpResponse:
    """`content` as a download named `filename` (RFC 6266 filename* for non-ASCII names)."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
