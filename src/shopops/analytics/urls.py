from django.urls import path

from shopops.analytics import views

app_name = "analytics"
urlpatterns = [
    path("metrics/", views.explore, name="explore"),
    path("metrics/explain/", views.explain, name="explain"),
]
