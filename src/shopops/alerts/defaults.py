"""The rule set every store starts with, from the seeds' examples (SOP 附件 3, step 2 of the
store guide): stock under its warning and safety lines, the 48-hour shipping promise,
negative reviews, imports that failed, late tasks (their owners told), a live campaign
behind its pace or its 秒杀 sold out early (its owner told), the worker, the
day's GMV against its target, a conversion rate that fell unusually, GMV a third under the
same weekday, and CTR 20% under the industry's (once a benchmark is entered). Each is
switchable off and editable; a store gets each once (`AlertRule.default_key`)."""

from datetime import time
from decimal import Decimal

# key: (name, fields)
DEFAULT_RULES = {
    "stock_warning": ("库存低于预警线", dict(event="stock_warning", severity="warning",
                                      schedule="hourly", cooldown_minutes=24 * 60)),
    "stock_safety": ("库存低于安全线（断货风险）", dict(event="stock_safety", severity="critical",
                                            schedule="hourly", cooldown_minutes=12 * 60)),
    "unshipped": ("付款后超过发货承诺未发货", dict(event="unshipped", severity="critical",
                                         schedule="hourly", cooldown_minutes=4 * 60)),
    "no_tracking": ("已发货 48 小时无物流更新", dict(event="no_tracking", severity="warning",
                                            threshold=Decimal(48), schedule="daily",
                                            daily_at=time(9, 0), cooldown_minutes=24 * 60)),
    "bad_review": ("收到 1–2 星差评", dict(event="bad_review", severity="warning",
                                     threshold=Decimal(7), schedule="hourly",
                                     cooldown_minutes=24 * 60)),
    "import_failed": ("导入失败或有被拒行", dict(event="import_failed", severity="warning",
                                        schedule="after_import", cooldown_minutes=0)),
    "task_overdue": ("任务已延期", dict(event="task_overdue", severity="warning",
                                 schedule="hourly", cooldown_minutes=24 * 60)),
    "campaign_live": ("活动进度落后或秒杀提前售罄", dict(event="campaign_live", severity="warning",
                                              schedule="hourly", cooldown_minutes=4 * 60)),
    "worker_down": ("后台任务进程无心跳", dict(event="worker_down", severity="critical",
                                      schedule="hourly", cooldown_minutes=60)),
    "gmv_target": ("销售额达成率低于 80%", dict(metric="gmv", condition="target",
                                         threshold=Decimal("0.8"), severity="warning",
                                         schedule="daily", daily_at=time(8, 30),
                                         cooldown_minutes=24 * 60)),
    "gmv_week": ("销售额较上周同日下降超过 30%", dict(metric="gmv", condition="week_change",
                                             threshold=Decimal("0.3"), severity="warning",
                                             schedule="daily", daily_at=time(8, 30),
                                             cooldown_minutes=24 * 60)),
    "cvr_unusual": ("转化率异常下降", dict(metric="cvr", condition="statistical",
                                    threshold=Decimal("3.5"), severity="warning",
                                    schedule="daily", daily_at=time(8, 30),
                                    cooldown_minutes=24 * 60)),
    "ctr_benchmark": ("点击率低于行业均值 20%", dict(metric="ctr", condition="benchmark",
                                            threshold=Decimal("0.2"), severity="info",
                                            schedule="daily", daily_at=time(8, 30),
                                            cooldown_minutes=24 * 60)),
}  # fmt: skip


def ensure(store, rule_model) -> int:
    """Create the store's default rules it does not have yet; returns how many. The model
    is passed so that the data migration can use its historical one."""
    have = set(
        rule_model.objects.filter(store=store)
        .exclude(default_key="")
        .values_list("default_key", flat=True)
    )
    made = [
        rule_model(store=store, name=name, default_key=key, **fields)
        for key, (name, fields) in DEFAULT_RULES.items()
        if key not in have
    ]
    rule_model.objects.bulk_create(made, ignore_conflicts=True)
    return len(made)
