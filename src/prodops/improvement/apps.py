from django.apps import AppConfig


class ImprovementConfig(AppConfig):
    name = "prodops.improvement"
    label = "improvement"
    verbose_name = "Continuous improvement"

    def ready(self) -> None:
        # A retrospective opens when a transition executes (lifecycle stays unaware of it).
        from django.db.models.signals import post_save

        from prodops.improvement.signals import transition_saved
        from prodops.lifecycle.models import Transition

        post_save.connect(transition_saved, sender=Transition, dispatch_uid="improvement.retrospective")
