from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "prodops.events"
    label = "events"
