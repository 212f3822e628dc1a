from django.urls import path

from shopops.alerts import views

app_name = "alerts"
urlpatterns = [
    path("alerts/", views.center, name="center"),
    path("alerts/<int:pk>/", views.detail, name="detail"),
    path("alerts/rules/", views.rules, name="rules"),
    path("alerts/rules/new/", views.rule_edit, name="rule_new"),
    path("alerts/rules/<int:pk>/", views.rule_edit, name="rule_edit"),
    path("alerts/rules/<int:pk>/test/", views.rule_test, name="rule_test"),
    path("alerts/benchmarks/", views.benchmark_list, name="benchmarks"),
    path("alerts/channels/", views.channels, name="channels"),
    path("alerts/channels/new/", views.channel_edit, name="channel_new"),
    path("alerts/channels/<int:pk>/", views.channel_edit, name="channel_edit"),
    path("notifications/", views.notifications, name="notifications"),
]
