from django.urls import path

from shopops.ingest import views

app_name = "ingest"
urlpatterns = [
    path("imports/", views.import_page, name="page"),
    path("imports/<int:run_id>/", views.run_detail, name="run"),
    path("imports/templates/<str:kind>.csv", views.download_template, name="template"),
]
