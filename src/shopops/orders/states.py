"""The order state machine (SPEC.md section 8): which status may follow which.

pending payment -> paid -> audited -> allocated -> shipped -> delivered -> completed, with
cancelled (before shipping) and refunded (any time after payment) as ends.
"""

from django.utils.translation import gettext as _

from shopops.orders.models import OrderStatus as S

TRANSITIONS: dict[str, frozenset[str]] = {
    S.PENDING_PAYMENT: frozenset({S.PAID, S.CANCELLED}),
    S.PAID: frozenset({S.AUDITED, S.CANCELLED, S.REFUNDED}),
    S.AUDITED: frozenset({S.ALLOCATED, S.CANCELLED, S.REFUNDED}),
    S.ALLOCATED: frozenset({S.SHIPPED, S.CANCELLED, S.REFUNDED}),
    S.SHIPPED: frozenset({S.DELIVERED, S.REFUNDED}),
    S.DELIVERED: frozenset({S.COMPLETED, S.REFUNDED}),
    S.COMPLETED: frozenset({S.REFUNDED}),
    S.CANCELLED: frozenset(),
    S.REFUNDED: frozenset(),
}

# Orders whose goods are still in the warehouse: their stock is reserved, not shipped.
BEFORE_SHIPPING = frozenset({S.PENDING_PAYMENT, S.PAID, S.AUDITED, S.ALLOCATED})
OPEN = frozenset({S.PAID, S.AUDITED, S.ALLOCATED})


class IllegalTransition(Exception):
    """A change of status the state machine does not allow; the message says why."""

    def __init__(self, order, target: str):
        self.order_id = order.order_id
        self.current = order.status
        self.target = target
        allowed = sorted(TRANSITIONS.get(order.status, ()))
        super().__init__(
            _("Order %(order)s is %(current)s; it cannot become %(target)s (allowed: %(allowed)s).")
            % {
                "order": order.order_id,
                "current": S(order.status).label,
                "target": S(target).label,
                "allowed": ", ".join(str(S(a).label) for a in allowed) or _("none, it is closed"),
            }
        )


def check(order, target: str) -> None:
    if target not in TRANSITIONS.get(order.status, ()):
        raise IllegalTransition(order, target)
