from django.urls import path

from shopops.web import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    *[
        path(f"{key.replace('_', '-')}/", view, name=key)
        for key, view in views.PLACEHOLDERS.items()
    ],
]
