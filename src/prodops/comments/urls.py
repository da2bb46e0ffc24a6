from django.urls import path

from prodops.comments import views

app_name = "comments"

urlpatterns = [
    path("products/<slug:slug>/comments/", views.post, name="post"),
]
