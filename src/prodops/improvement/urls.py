"""Pages of continuous improvement: ``improvement:metrics`` (process metrics with
charts), a product's retrospectives, one retrospective and its forms."""

from django.urls import path

from prodops.improvement import views

app_name = "improvement"

urlpatterns = [
    path("improvement/", views.metrics_page, name="metrics"),
    path("products/<slug:slug>/retrospectives/", views.product_retrospectives, name="product"),
    path("retrospectives/<int:pk>/", views.retrospective_page, name="retrospective"),
    path("retrospectives/<int:pk>/notes/", views.save_notes, name="notes"),
    path("retrospectives/<int:pk>/actions/", views.add_action, name="add-action"),
    path("action-items/<int:pk>/status/", views.action_status, name="action-status"),
]
