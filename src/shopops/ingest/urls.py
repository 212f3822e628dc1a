from django.urls import path

from shopops.ingest import views

app_name = "ingest"
urlpatterns = [
    path("imports/", views.import_page, name="page"),
    path("imports/<int:run_id>/", views.run_detail, name="run"),
    path("imports/<int:run_id>/again/", views.run_again, name="run_again"),
    path("imports/mapping/", views.mapping_start, name="mapping"),
    path("imports/mapping/import/", views.mapping_finish, name="mapping_finish"),
    path("imports/templates/<str:kind>.csv", views.download_template, name="template"),
]
