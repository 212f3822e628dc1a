from django.urls import path

from shopops.core import user_views, views

app_name = "core"
urlpatterns = [
    path("stores/", views.store_list, name="store_list"),
    path("stores/new/", views.store_create, name="store_create"),
    path("stores/switch/", views.switch_store, name="switch_store"),
    path("stores/<str:code>/", views.store_detail, name="store_detail"),
    path("stores/<str:code>/edit/", views.store_edit, name="store_edit"),
    path("users/", user_views.user_list, name="user_list"),
    path("users/new/", user_views.user_create, name="user_create"),
    path("users/<str:username>/", user_views.user_detail, name="user_detail"),
    path("audit/", views.audit_log, name="audit_log"),
    path("account/", views.account, name="account"),
    path("account/tokens/<int:token_id>/revoke/", views.revoke_token, name="revoke_token"),
]
