"""SOP and risk libraries (issue 16): a store starts with three SOPs; a changed text is the
next version with the update list's columns and a line diff; Markdown is shown without raw
HTML or unsafe links; risks kept and audited; every role on the pages."""

from datetime import date

import pytest

from shopops.core.models import AuditEntry
from shopops.planning import sops
from shopops.planning.models import Risk, Sop

pytestmark = pytest.mark.django_db


def test_versions_diff_and_safe_rendering(store_a, role_users):
    sops.ensure_seeded(store_a)
    sops.ensure_seeded(store_a)
    assert set(Sop.objects.filter(store=store_a).values_list("title", flat=True)) == set(
        sops.STARTERS
    )
    sop = Sop.objects.get(store=store_a, title="售后处理流程")
    first = sop.versions.get()
    lead = role_users["ops_lead"]
    body = (
        first.body.replace("2 小时内", "1 小时内")
        + "\n<script>alert(1)</script> [x](javascript:alert(1))\n"
    )
    second = sops.save_sop(lead, store_a, sop, title=sop.title, body=body,
                           problem="首次响应太慢，差评多", improvement="1 小时内首次响应",
                           effective_from=date(2026, 12, 10))  # fmt: skip
    assert second.number == 2 and second.author == lead
    assert sops.save_sop(lead, store_a, sop, title=sop.title, body=body) is None  # unchanged
    lines = sops.diff(first, second)
    assert ("-", "1. 买家申请退款或退货后，客服 2 小时内首次响应。") in lines
    assert ("+", "1. 买家申请退款或退货后，客服 1 小时内首次响应。") in lines
    html = sops.render(second.body)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert 'href="javascript' not in html and "<h2>受理</h2>" in html
    assert AuditEntry.objects.filter(object_type="planning.sop", action="update").count() == 1
    with pytest.raises(sops.ValidationError) as clash:
        sops.save_sop(lead, store_a, title="每日检查流程", body="x")
    assert "title" in clash.value.message_dict


def test_risks_and_the_pages_for_each_role(as_role, store_a, role_users):
    from shopops.core.access import can
    from shopops.core.roles import ROLES

    lead = as_role("ops_lead")
    assert 'id="risks-empty"' in lead.get("/plans/risks/").content.decode()
    lead.post("/plans/risks/", {"risk": "大促期间爆款断货", "signal": "可用库存低于 3 天销量",
                                "plan": "启用备用供应商，暂停推广", "last_seen": "2026-11-11",
                                "owner": role_users["warehouse"].pk})  # fmt: skip
    risk = Risk.objects.get(store=store_a)
    assert risk.owner == role_users["warehouse"] and risk.last_seen == date(2026, 11, 11)
    lead.post(f"/plans/risks/?edit={risk.pk}", {"risk": risk.risk, "last_seen": "2026-12-01"})
    risk.refresh_from_db()
    assert risk.last_seen == date(2026, 12, 1)
    assert AuditEntry.objects.filter(object_type="planning.risk").count() == 2
    page = lead.get("/plans/sops/").content.decode()
    sop = Sop.objects.get(store=store_a, title="每日检查流程")
    assert f'data-sop="{sop.pk}"' in page
    lead.post(f"/plans/sops/{sop.pk}/", {"title": sop.title, "body": "## 新流程\n只看数据"})
    shown = lead.get(f"/plans/sops/{sop.pk}/?from=1&to=2").content.decode()
    assert "<h2>新流程</h2>" in shown and 'id="sop-diff"' in shown and 'data-sign="+"' in shown
    for role in ROLES:
        client = as_role(role.key)
        user = role_users[role.key]
        for url in ("/plans/sops/", f"/plans/sops/{sop.pk}/", "/plans/risks/"):
            assert client.get(url).status_code == 200, (role.key, url)
        posted = client.post("/plans/risks/", {"risk": role.key})
        assert posted.status_code == (302 if can(user, "plans", "change") else 403), role.key
