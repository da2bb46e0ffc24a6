"""Pages of the risks app: ``risks:known-error-search`` (``/known-errors/?q=...&product=SLUG``)."""

from django.urls import path

from prodops.risks import views

app_name = "risks"

urlpatterns = [
    path("known-errors/", views.search, name="known-error-search"),
]
