"""What inventory tells the rest of the project, without importing it.

Inventory sits below orders (orders reserve stock through `inventory.services`), so it never
calls orders back; it sends a signal and the orders app connects its receiver in
`OrdersConfig.ready`."""

from django.dispatch import Signal

# Units arrived (a receipt by hand or against a purchase order) for `sku_ids` of `store`,
# by `actor`: orders waiting for these SKUs may be served now. Sent once the receipt is
# written; a receiver's exception reaches the sender, as a direct call's would.
stock_arrived = Signal()
