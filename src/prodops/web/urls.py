from django.urls import path

from prodops.web import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("activity/", views.activity, name="activity"),
    path("facts/", views.facts, name="facts"),
    path("standards/", views.standards, name="standards"),
    path("products/new/", views.product_create, name="product-create"),
    path("products/<slug:slug>/", views.product_detail, name="product"),
    path("products/<slug:slug>/edit/", views.product_edit, name="product-edit"),
    path("products/<slug:slug>/add/<slug:section>/", views.section_add, name="section-add"),
    path("products/<slug:slug>/activity/", views.product_activity, name="product-activity"),
]
