"""Every PDF the product writes is rendered here: WeasyPrint with the project's own CJK font
(Noto Sans SC from the npm package @fontsource/noto-sans-sc, installed by the setup like the
console's other assets), A4, margins, a running header with the store and the date, page
numbers, and table rows never split across pages. Whatever fonts the machine has, the
document looks the same; without the font it is refused with a message, never drawn as
boxes.

DOCUMENTS lists every PDF of the product: name -> the dotted path of a function that gives,
for a store, the (HTML, Page) of one. The test renders each of them with the system's
fonts hidden; a new report joins the list.
"""

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

DOCUMENTS = {
    "daily_report": "shopops.monitoring.report_export.example_pdf",
    "campaign_review": "shopops.campaigns.retro_export.example_pdf",
}

FONT_DIR = Path(settings.NODE_MODULES) / "@fontsource/noto-sans-sc/files"
FAMILY = "ShopOps Noto Sans SC"  # our own name: no system font of the same name stands in
# The subsets the PDF loads (WOFF: zlib, no brotli needed); WeasyPrint embeds only the
# glyphs a document uses. "chinese-simplified" holds 7,946 characters (GB2312's and the
# common ones); the numbered slices of the package carry the rare rest.
FACES = [
    (subset, weight)
    for subset in ("latin", "latin-ext", "chinese-simplified")
    for weight in (400, 700)
]


class PdfUnavailable(RuntimeError):
    """The PDF cannot be made on this machine; the message says what to do."""


@dataclass
class Page:
    """What the running header shows, and the page's orientation."""

    title: str
    store: str = ""
    day: str = ""
    landscape: bool = False


def font_files() -> list[tuple[Path, int]]:
    files = [(FONT_DIR / f"noto-sans-sc-{s}-{w}-normal.woff", w) for s, w in FACES]
    return [(path, weight) for path, weight in files if path.exists()]


def _check() -> list[tuple[Path, int]]:
    import ctypes.util

    if not ctypes.util.find_library("pangoft2-1.0"):
        raise PdfUnavailable(_("PDF export needs Pango: apt-get install libpangoft2-1.0-0"))
    files = font_files()
    if not any("chinese-simplified" in p.name for p, _w in files):
        raise PdfUnavailable(
            _("The PDF needs the CJK font (Noto Sans SC): run ./shopops setup to install it.")
        )
    return files


def _family(path: Path) -> str:
    # One family per subset, listed in order in font-family: several faces of one family
    # and weight are not merged (a weight's CJK glyphs went missing), families fall back
    # character by character.
    subset = next(s for s, _w in FACES if f"-{s}-" in path.name)
    return f"{FAMILY} {subset}"


def families(files) -> str:
    names = list(dict.fromkeys(_family(path) for path, _w in files))
    return ", ".join(f"'{n}'" for n in names)


def stylesheet(page: Page, files) -> str:
    faces = "\n".join(
        f"@font-face {{ font-family: '{_family(path)}'; font-weight: {weight};"
        f" src: url('{path.as_uri()}') format('woff'); }}"
        for path, weight in files
    )
    stack = families(files)
    size = "A4 landscape" if page.landscape else "A4"
    header = _css_text(" · ".join(p for p in (page.store, page.day) if p))
    return f"""
{faces}
@page {{
  size: {size};
  margin: 18mm 14mm 16mm;
  @top-left {{ content: "{_css_text(page.title)}"; font-size: 8pt; font-family: {stack};
               color: #667382; }}
  @top-right {{ content: "{header}"; font-size: 8pt; font-family: {stack}; color: #667382; }}
  @bottom-right {{ content: counter(page) " / " counter(pages); font-size: 8pt;
                   font-family: {stack}; color: #667382; }}
}}
html, body, table, th, td {{ font-family: {stack}, sans-serif; }}
tr, img {{ break-inside: avoid; }}
thead {{ display: table-header-group; }}
"""


def _css_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")


def render(html: str, page: Page, path: Path) -> Path:
    """The HTML as a PDF at `path` with the product's font and page; raises PdfUnavailable."""
    files = _check()
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    fonts = FontConfiguration()
    css = CSS(string=stylesheet(page, files), font_config=fonts)
    HTML(string=html, base_url=str(settings.ROOT_DIR)).write_pdf(
        path, stylesheets=[css], font_config=fonts
    )
    return path
