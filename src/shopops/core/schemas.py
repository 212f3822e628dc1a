from datetime import datetime
from decimal import Decimal

from ninja import Schema
from pydantic import ConfigDict


class StoreOut(Schema):
    code: str
    name: str
    platform: str
    platform_label: str
    currency: str
    timezone: str
    is_active: bool
    commission_rate: Decimal | None = None  # absent for roles that must not see costs
    payment_fee_rate: Decimal | None = None
    shipping_cost_per_order: Decimal | None = None
    packaging_cost_per_order: Decimal | None = None


class StoreIn(Schema):
    code: str
    name: str
    platform: str
    currency: str = "CNY"
    timezone: str = "Asia/Shanghai"
    commission_rate: Decimal = Decimal("0")
    payment_fee_rate: Decimal = Decimal("0")
    shipping_cost_per_order: Decimal = Decimal("0")
    packaging_cost_per_order: Decimal = Decimal("0")


class StorePatch(Schema):
    """The fields to change, as a JSON object; anything else (an array, a string, an unknown
    field) is refused with 422 rather than read as "change nothing"."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    platform: str | None = None
    currency: str | None = None
    timezone: str | None = None
    commission_rate: Decimal | None = None
    payment_fee_rate: Decimal | None = None
    shipping_cost_per_order: Decimal | None = None
    packaging_cost_per_order: Decimal | None = None
    is_active: bool | None = None


class ModuleOut(Schema):
    key: str
    label: str
    built: bool
    can_change: bool


class MeOut(Schema):
    username: str
    role: str | None
    can_see_costs: bool
    can_see_personal_data: bool
    stores: list[str]
    modules: list[ModuleOut]


class AuditOut(Schema):
    id: int
    at: datetime
    actor: str
    store: str | None
    action: str
    object_type: str
    object_id: str
    object_repr: str
    before: dict | None
    after: dict | None
    via: str
