"""Row locks of campaigns, named once (Saleor's `lock_objects.py`). Call these inside a
transaction; the locks are held until it ends."""

from shopops.campaigns.models import Campaign


def campaign(pk: int) -> Campaign:
    """A campaign, while it is changed, launched or reopened."""
    return Campaign.objects.select_related("store").select_for_update(of=("self",)).get(pk=pk)
