"""The outcomes panel of the product page: ``outcomes:panel``."""

from django.urls import path

from prodops.outcomes import views

app_name = "outcomes"

urlpatterns = [path("products/<slug:slug>/outcomes/", views.panel, name="panel")]
