from django.urls import path, re_path

from shopops.monitoring import views

app_name = "monitoring"
urlpatterns = [
    path("reports/daily/", views.daily, name="daily"),
    path("reports/daily/settings/", views.report_settings, name="settings"),
    path("plans/checklists/", views.checklist, name="checklist"),
    path("plans/checklists/templates/", views.checklist_templates, name="checklist_templates"),
    re_path(
        r"^reports/daily/download\.(?P<fmt>xlsx|pdf)$",
        views.daily_download,
        name="daily_download",
    ),
]
