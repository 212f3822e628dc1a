from django.urls import path

from shopops.inventory import views

app_name = "inventory"
urlpatterns = [path("inventory/", views.levels, name="levels")]
