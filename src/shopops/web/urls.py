from django.urls import path

from shopops.web import rates, views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("rates/", rates.rate_list, name="rates"),
    *[
        path(f"{key.replace('_', '-')}/", view, name=key)
        for key, view in views.PLACEHOLDERS.items()
    ],
]
