"""Pages of the playbooks app."""

from django.urls import path

from prodops.playbooks import views

app_name = "playbooks"

urlpatterns = [
    path("playbooks/", views.playbook_list, name="list"),
    path("playbooks/runs/<int:run_id>/", views.run_detail, name="run"),
    path("playbooks/<slug:slug>/", views.playbook_detail, name="detail"),
    path("teams/<slug:slug>/new-engineers/", views.new_engineers, name="new-engineers"),
]
