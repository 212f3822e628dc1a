"""Field types shared by the commerce models: money is exact, counts are never negative."""

from decimal import Decimal

from django.db import models


class MoneyField(models.DecimalField):
    """An amount in the store's currency: 14 digits, 2 decimals, never a float."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("default", Decimal("0"))
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        # Migrations see a plain DecimalField, so they never import this module.
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.DecimalField", args, kwargs


class UnitCostField(MoneyField):
    """A unit cost or price that may need sub-cent precision (purchase prices)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("decimal_places", 4)
        kwargs.setdefault("max_digits", 16)
        super().__init__(*args, **kwargs)
