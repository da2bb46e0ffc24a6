"""Pages of the knowledge app. ``knowledge:handover`` is the handover-pack download:
``{% url 'knowledge:handover' slug=product.slug fmt='pdf' %}``."""

from django.urls import re_path

from prodops.knowledge import views

app_name = "knowledge"

urlpatterns = [
    re_path(
        r"^products/(?P<slug>[a-z0-9-]+)/handover\.(?P<fmt>md|html|pdf)$", views.handover, name="handover"
    ),
]
