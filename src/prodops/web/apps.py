from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "prodops.web"
    label = "web"
