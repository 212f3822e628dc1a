from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import set_language

from shopops.api import api
from shopops.core.decorators import login_view, public_view
from shopops.web.views import health

urlpatterns = [
    path("login/", public_view(auth_views.LoginView.as_view()), name="login"),
    path("logout/", login_view(auth_views.LogoutView.as_view()), name="logout"),
    path("i18n/setlang/", public_view(set_language), name="set_language"),
    path("healthz", public_view(health), name="healthz"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("", include("shopops.core.urls")),
    path("", include("shopops.analytics.urls")),
    path("", include("shopops.ingest.urls")),
    path("", include("shopops.monitoring.urls")),
    path("", include("shopops.alerts.urls")),
    path("", include("shopops.orders.urls")),
    path("", include("shopops.inventory.urls")),
    path("", include("shopops.planning.urls")),
    path("", include("shopops.campaigns.urls")),
    path("", include("shopops.web.urls")),
]
