from django.urls import path

from shopops.orders import views

app_name = "orders"
urlpatterns = [
    path("orders/", views.order_queue, name="queue"),
    path("orders/logistics/", views.logistics, name="logistics"),
    path("orders/logistics/exceptions/", views.logistics_cases, name="cases"),
    path("orders/settings/", views.fulfilment_settings, name="settings"),
]
