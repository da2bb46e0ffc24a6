from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from prodops.catalog.models import Product


def home(request: HttpRequest) -> HttpResponse:
    products = Product.objects.select_related("build_lead", "run_lead")[:200]
    return render(request, "web/home.html", {"products": products})
