"""The pilot page of a product (``pilots:pilot``) and its forms."""

from django.urls import path

from prodops.pilots import views

app_name = "pilots"

urlpatterns = [
    path("products/<slug:slug>/pilot/", views.pilot_page, name="pilot"),
    path("products/<slug:slug>/pilot/plan/", views.save_plan, name="plan"),
    path("products/<slug:slug>/pilot/observations/", views.observe, name="observe"),
    path("products/<slug:slug>/pilot/feedback/", views.feedback, name="feedback"),
    path("products/<slug:slug>/pilot/decisions/", views.propose, name="propose"),
    path("products/<slug:slug>/pilot/decisions/<int:pk>/sign/", views.sign, name="sign"),
]
