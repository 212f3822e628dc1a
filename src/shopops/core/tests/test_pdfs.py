"""Every PDF the product writes (core.pdf.DOCUMENTS) carries its own CJK font: rendered in a
process whose fontconfig sees only DejaVu (no system CJK font), it logs no .notdef glyph,
embeds Noto Sans SC (a subset) and its Chinese title and headers come back as text."""

import json
import os
import subprocess
import sys
from dataclasses import asdict
from datetime import datetime, timedelta
from importlib import import_module
from pathlib import Path

import pytest
from pypdf import PdfReader

from shopops.core import pdf, services
from shopops.ingest.pipeline import run_import

pytestmark = [pytest.mark.django_db(transaction=True)]

DEJAVU_ONLY = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig><dir>/usr/share/fonts/truetype/dejavu</dir><cachedir>{cache}</cachedir></fontconfig>
"""
RENDER = """
import json, logging, os, sys
from pathlib import Path
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shopops.settings")
django.setup()
logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
from shopops.core import pdf
html = Path(sys.argv[1]).read_text(encoding="utf-8")
pdf.render(html, pdf.Page(**json.loads(Path(sys.argv[2]).read_text())), Path(sys.argv[3]))
"""
TITLES = {
    "daily_report": [
        "核心数据监控日报",
        "核心指标",
        "达成率",
        "异常说明",
        "调整措施",
        "销售额",
        "生成于",
    ],
    "campaign_review": ["运营效果复盘报告", "目标达成", "商品贡献", "成功因素", "改进措施"],
}


@pytest.fixture
def shop(tmp_path):
    store = services.create_store(None, code="pdf", name="字体测试旗舰店", platform="tmall")
    day = datetime.now(store.zone).date() - timedelta(days=1)
    rows = [
        f"P{i},{100 + i}.00,{day - timedelta(days=i % 9)} 10:00:00,"
        f"{day - timedelta(days=i % 9)} 10:0{i % 10}:00,c{i},浙江"
        for i in range(60)
    ]
    path = tmp_path / "orders.csv"
    path.write_text(
        "order_id,paid_amount,created_at,paid_at,customer_id,province\n" + "\n".join(rows)
    )
    assert run_import(store=store, kind="orders", path=path).rejected == 0
    return store


def _render_without_system_fonts(html: str, page: pdf.Page, out: Path) -> str:
    work = out.parent
    conf = work / "fonts.conf"
    conf.write_text(DEJAVU_ONLY.format(cache=work / "fc-cache"))
    (work / "in.html").write_text(html, encoding="utf-8")
    (work / "page.json").write_text(json.dumps(asdict(page)))
    env = {**os.environ, "FONTCONFIG_FILE": str(conf)}
    check = subprocess.run(
        ["fc-list", ":lang=zh"], env=env, capture_output=True, text=True, check=False
    )
    assert check.stdout.strip() == "", "the restricted fontconfig still sees a CJK font"
    done = subprocess.run(
        [sys.executable, "-c", RENDER, str(work / "in.html"), str(work / "page.json"), str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stderr


@pytest.mark.parametrize("name", sorted(pdf.DOCUMENTS))
def test_every_pdf_carries_its_cjk_font(shop, tmp_path, name):
    module, _, function = pdf.DOCUMENTS[name].rpartition(".")
    html, page = getattr(import_module(module), function)(shop)
    out = tmp_path / f"{name}.pdf"
    log = _render_without_system_fonts(html, page, out)
    assert ".notdef" not in log, log[-2000:]
    reader = PdfReader(out)
    fonts = set()
    for pdf_page in reader.pages:
        for font in pdf_page["/Resources"]["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]))
    assert any("NotoSansSC" in f.replace("-", "") for f in fonts), fonts
    assert all("+" in f for f in fonts if "Noto" in f), fonts  # subsets only
    # Every CJK character is drawn with the CJK subset (a face without the glyph draws an
    # empty one, which text extraction would still read back).
    wrong = []

    def visit(text, _cm, _tm, font, _size):
        cjk = any("\u4e00" <= ch <= "\u9fff" for ch in text)
        if font and cjk and "chinese-simplified" not in str(font["/BaseFont"]):
            wrong.append((text, str(font["/BaseFont"])))

    for pdf_page in reader.pages:
        pdf_page.extract_text(visitor_text=visit)
    assert wrong == [], wrong[:5]
    text = "".join(p.extract_text() for p in reader.pages)
    flat = "".join(text.split())  # a header may wrap inside its cell
    for title in [*TITLES[name], shop.name]:
        assert title in flat, (title, text[:500])
    assert "1 / " in text  # page numbers


def test_a_missing_font_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setattr(pdf, "FONT_DIR", tmp_path / "nowhere")
    with pytest.raises(pdf.PdfUnavailable, match=r"\./shopops setup"):
        pdf.render("<p>核心</p>", pdf.Page(title="t"), tmp_path / "x.pdf")
    assert not (tmp_path / "x.pdf").exists()
