"""Pages of the campaigns app."""

from django.urls import path

from prodops.campaigns import views

app_name = "campaigns"

urlpatterns = [
    path("campaigns/", views.campaign_list, name="list"),
    path("campaigns/<slug:slug>/", views.campaign_detail, name="detail"),
    path("campaigns/<slug:slug>/report/", views.campaign_report, name="report"),
]
