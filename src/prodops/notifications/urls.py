"""Pages of the notifications app."""

from django.urls import path

from prodops.notifications import views

app_name = "notifications"

urlpatterns = [
    path("notifications/", views.inbox, name="inbox"),
    path("notifications/read/", views.mark_read, name="mark-read"),
    path("notifications/preferences/", views.preferences, name="preferences"),
    path("notifications/log/", views.log, name="log"),
    path("notifications/channels/", views.channels, name="channels"),
    path("notifications/channels/new/", views.channel_edit, name="channel-create"),
    path("notifications/channels/<slug:slug>/", views.channel_edit, name="channel-edit"),
    path("notifications/channels/<slug:slug>/test/", views.channel_test, name="channel-test"),
    path("notifications/channels/<slug:slug>/resume/", views.channel_resume, name="channel-resume"),
    path("notifications/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
