from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "prodops.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from prodops.manifests.registry import register_kind
        from prodops.notifications.manifest_kind import ChannelKind

        register_kind(ChannelKind())
