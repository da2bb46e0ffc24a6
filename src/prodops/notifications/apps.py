from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "prodops.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        # Both import models, which exist only once the app registry is ready.
        from prodops.manifests.registry import register_kind  # noqa: PLC0415 - needs ready models
        from prodops.notifications.manifest_kind import ChannelKind  # noqa: PLC0415 - needs ready models

        register_kind(ChannelKind())
