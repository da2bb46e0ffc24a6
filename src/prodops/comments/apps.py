from django.apps import AppConfig


class CommentsConfig(AppConfig):
    name = "prodops.comments"
    label = "comments"
    verbose_name = "Comments"
