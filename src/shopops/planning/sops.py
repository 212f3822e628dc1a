"""The SOP library (SOP 库) and the risk library (风险库).

An SOP is Markdown, shown without any raw HTML (markdown-it's CommonMark with HTML off:
tags are escaped, and links other than http(s), mailto and relative ones are refused), in
versions: saving a changed text makes the next version, with the SOP update list's columns
(原流程问题, 优化后流程, 生效时间), who and when; any two versions can be compared line by
line. A store starts with three editable SOPs distilled from the seeds (the daily check,
preparing a campaign, after-sales handling). Risks are entries with their signal, plan,
owner and when they last happened. Every change is audited."""

import difflib
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from shopops.core import audit
from shopops.planning.models import Risk, Sop, SopVersion

STARTERS = {
    "每日检查流程": """## 目的
每天上午确认店铺能正常卖货，问题当天处理完。

## 步骤
1. **数据**：打开运营总览与监控日报，看核心指标与目标的差距，异常项写调整措施。
2. **库存**：热销 SKU 可用库存不低于预警线；低于的，当天下补货单或调整推广。
3. **订单**：付款超过发货承诺仍未发货的订单逐单跟进，必要时联系买家。
4. **评价**：1–2 星评价当天回复并记录原因，涉及商品问题的同步商品运营。
5. **活动**：正在进行或即将开始的活动，价格、时间、库存与计划一致。
6. **记录**：在每日运营日志写下当天做了什么、发现了什么。

## 完成标准
每日检查清单全部打勾；未完成项次日早上继续。
""",
    "大促活动准备流程": """## 时间线
- **活动前 30 天**：确定主题、目标（销售额、订单数、新客）、预算，报名平台活动。
- **活动前 15 天**：定活动商品与价格，核对毛利底线；主图、详情页、会场页面开始制作。
- **活动前 7 天**：备货入仓，按预测销量 × 活动系数核对每个 SKU 的库存。
- **活动前 3 天**：测试优惠叠加、支付、客服话术；推广计划建好待开启。
- **活动当天**：按小时看销售额与目标进度，秒杀 SKU 看库存消耗。
- **活动后 3 天内**：完成复盘（模板 4），改进项写入 SOP 更新与风险库。

## 检查
活动上线前完成上线检查清单；任何一项未通过不开启推广。
""",
    "售后处理流程": """## 受理
1. 买家申请退款或退货后，客服 2 小时内首次响应。
2. 按原因分类：质量问题、发错货、物流问题、不想要了。

## 处理
- **质量问题 / 发错货**：优先退款或补发，运费由店铺承担，记录批次与 SKU。
- **物流问题**：先联系快递核实，超时或丢件按平台规则补偿。
- **其他原因**：按平台规则处理，保持礼貌，不与买家争执。

## 复盘
每周汇总售后原因；同一 SKU 一周内质量问题超过 3 次，通知商品运营排查并写入风险库。
""",
}
AUDITED_RISK = ["risk", "signal", "plan", "owner", "last_seen"]
_md = None


def render(text: str) -> str:
    """Markdown as HTML with no raw HTML and no unsafe links (safe to mark safe)."""
    global _md
    if _md is None:
        from markdown_it import MarkdownIt

        _md = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
    return _md.render(text or "")


def ensure_seeded(store) -> None:
    """The store's starting SOPs, once (a store that has any SOP keeps its own)."""
    if Sop.objects.filter(store=store).exists():
        return
    for title, body in STARTERS.items():
        save_sop(None, store, title=title, body=body, via="seed")


@transaction.atomic
def save_sop(
    actor,
    store,
    sop: Sop | None = None,
    *,
    title: str,
    body: str,
    problem="",
    improvement="",
    effective_from: date | None = None,
    via="web",
) -> SopVersion | None:
    """A new SOP (sop None) or its next version; None when nothing changed."""
    errors = {}
    title, body = (title or "").strip(), (body or "").rstrip()
    if not title:
        errors["title"] = "An SOP needs its title."
    if not body.strip():
        errors["body"] = "Write the procedure."
    if len(title) > Sop._meta.get_field("title").max_length:
        errors["title"] = "At most 200 characters."
    clash = Sop.objects.filter(store=store, title=title).exclude(pk=sop.pk if sop else None)
    if title and clash.exists():
        errors["title"] = f"The store has an SOP 「{title}」 already."
    if errors:
        raise ValidationError(errors)
    if sop is None:
        sop = Sop.objects.create(store=store, title=title)
        latest = None
    else:
        latest = sop.versions.first()
        if latest and latest.body == body and sop.title == title:
            return None
        if sop.title != title:
            sop.title = title
            sop.save(update_fields=["title"])
    version = SopVersion.objects.create(
        sop=sop, number=(latest.number + 1) if latest else 1, body=body, problem=problem,
        improvement=improvement, effective_from=effective_from,
        author=audit.acting_user(actor), author_name=getattr(actor, "username", "") or "system",
        at=timezone.now(),
    )  # fmt: skip
    audit.record(actor, sop, "update" if latest else "create",
                 {"version": latest.number} if latest else None,
                 {"version": version.number, "title": title, "problem": problem,
                  "improvement": improvement}, store=store, via=via)  # fmt: skip
    return version


def diff(older: SopVersion, newer: SopVersion) -> list[tuple[str, str]]:
    """Line by line: ("+", line) added, ("-", line) removed, (" ", line) kept."""
    out = []
    for line in difflib.ndiff(older.body.splitlines(), newer.body.splitlines()):
        if line[:1] in "+- ":
            out.append((line[:1], line[2:]))
    return out


@transaction.atomic
def save_risk(actor, store, entry: Risk | None = None, *, via="web", **fields) -> Risk:
    """A new risk (entry None) or a change of one; audited."""
    unknown = sorted(set(fields) - set(AUDITED_RISK))
    if unknown:
        raise ValidationError({unknown[0]: "Not a field of a risk."})
    before = audit.snapshot(entry, AUDITED_RISK) if entry else None
    entry = entry or Risk(store=store)
    for name, value in fields.items():
        setattr(entry, name, value)
    if not (entry.risk or "").strip():
        raise ValidationError({"risk": "Name the risk."})
    if len(entry.risk) > Risk._meta.get_field("risk").max_length:
        raise ValidationError({"risk": "At most 200 characters."})
    entry.save()
    audit.record(actor, entry, "update" if before else "create", before,
                 audit.snapshot(entry, AUDITED_RISK), via=via)  # fmt: skip
    return entry
