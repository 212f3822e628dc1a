from django.urls import path

from shopops.campaigns import views

app_name = "campaigns"
urlpatterns = [
    path("campaigns/", views.campaign_list, name="list"),
    path("campaigns/ads/", views.ad_analysis, name="ads"),
    path("campaigns/<int:campaign_id>/", views.campaign_detail, name="detail"),
    path("campaigns/<int:campaign_id>/try/", views.campaign_try, name="try"),
    path("campaigns/<int:campaign_id>/promotion/", views.campaign_promotion, name="promotion"),
    path("campaigns/<int:campaign_id>/live/", views.campaign_live, name="live"),
    path("campaigns/<int:campaign_id>/review/", views.campaign_review, name="review"),
    path(
        "campaigns/<int:campaign_id>/review.<str:fmt>",
        views.campaign_review_download,
        name="review_download",
    ),
]
