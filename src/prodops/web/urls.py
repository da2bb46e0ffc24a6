from django.urls import path

from prodops.web import gates, views, views_evidence, views_people, views_portfolio

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("activity/", views.activity, name="activity"),
    path("facts/", views.facts, name="facts"),
    path("standards/", views.standards, name="standards"),
    path("waiting/", views_portfolio.waiting, name="waiting"),
    path("waiting/count/", views_portfolio.waiting_count, name="waiting-count"),
    path("team-load/", views_portfolio.team_load, name="team-load"),
    path("people/", views_people.people, name="people"),
    path("people/new/", views_people.person_form, name="person-create"),
    path("people/<int:pk>/edit/", views_people.person_form, name="person-edit"),
    path("people/invite/", views_people.invite, name="invite"),
    path("teams/", views_people.teams, name="teams"),
    path("teams/new/", views_people.team_form, name="team-create"),
    path("teams/<slug:slug>/edit/", views_people.team_form, name="team-edit"),
    path("products/new/", views.product_create, name="product-create"),
    path("products/<slug:slug>/", views.product_detail, name="product"),
    path("products/<slug:slug>/edit/", views.product_edit, name="product-edit"),
    path("products/<slug:slug>/add/<slug:section>/", views.section_add, name="section-add"),
    path("products/<slug:slug>/evidence/<slug:name>/", views_evidence.evidence_form, name="evidence"),
    path(
        "products/<slug:slug>/evidence/<slug:name>/<int:pk>/",
        views_evidence.evidence_form,
        name="evidence-edit",
    ),
    path("products/<slug:slug>/trend/", views_evidence.trend, name="trend"),
    path("products/<slug:slug>/do/<slug:name>/", views_evidence.click, name="click"),
    path("products/<slug:slug>/documents/<int:pk>/", views_evidence.document, name="document"),
    path("products/<slug:slug>/checklist/", gates.checklist, name="checklist"),
    path("products/<slug:slug>/transitions/", gates.request_transition, name="transition-request"),
    path(
        "products/<slug:slug>/transitions/<int:pk>/approve/",
        gates.approve_transition,
        name="transition-approve",
    ),
    path(
        "products/<slug:slug>/transitions/<int:pk>/reject/", gates.reject_transition, name="transition-reject"
    ),
    path(
        "products/<slug:slug>/transitions/<int:pk>/cancel/", gates.cancel_transition, name="transition-cancel"
    ),
    path("products/<slug:slug>/waivers/", gates.create_waiver, name="waiver-create"),
    path("products/<slug:slug>/waivers/<int:pk>/sign/", gates.sign_waiver, name="waiver-sign"),
    path("products/<slug:slug>/attest/", gates.attest, name="attest"),
    path("products/<slug:slug>/activity/", views.product_activity, name="product-activity"),
]
