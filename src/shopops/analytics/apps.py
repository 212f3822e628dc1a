from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    """No model signals here: every writer of facts (orders, order lines, traffic, ads, SKUs,
    products) calls `analytics.cache.facts_changed` itself, once per store and transaction;
    that is the one path by which cached metrics go stale (see cache.py)."""

    name = "shopops.analytics"
    label = "analytics"
