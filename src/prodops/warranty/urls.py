from django.urls import path

from prodops.warranty import views

app_name = "warranty"
urlpatterns = [
    path("products/<slug:slug>/warranty/", views.product_warranty, name="product"),
]
