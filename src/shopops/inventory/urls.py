from django.urls import path

from shopops.inventory import replenishment_views, views

app_name = "inventory"
urlpatterns = [
    path("inventory/", views.levels, name="levels"),
    path("inventory/replenishment/", replenishment_views.suggestions, name="replenishment"),
    path("inventory/buffers/", views.channel_buffers, name="buffers"),
    path("inventory/ledger/", views.ledger, name="ledger"),
    path("inventory/purchase-orders/", replenishment_views.purchase_orders, name="purchase_orders"),
    path(
        "inventory/purchase-orders/<str:number>/",
        replenishment_views.purchase_order,
        name="purchase_order",
    ),
]
