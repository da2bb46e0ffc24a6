"""The alignment survey page: ``alignment:answer``."""

from django.urls import path

from prodops.alignment import views

app_name = "alignment"

urlpatterns = [path("products/<slug:slug>/alignment/answer/", views.answer, name="answer")]
