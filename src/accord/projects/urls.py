from django.urls import path

from accord.projects import views

app_name = "projects"
urlpatterns = [
    path("", views.project_list, name="list"),
    path("new/", views.project_create, name="create"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation-accept"),
    path("<str:key>/", views.project_overview, name="overview"),
    path("<str:key>/settings/", views.project_settings, name="settings"),
    path("<str:key>/history/", views.project_history, name="history"),
    path("<str:key>/members/", views.member_list, name="members"),
    path("<str:key>/members/invite/", views.member_invite, name="member-invite"),
    path("<str:key>/members/<int64:pk>/change/", views.member_change, name="member-change"),
    path("<str:key>/members/<int64:pk>/remove/", views.member_remove, name="member-remove"),
    path(
        "<str:key>/invitations/<int64:pk>/revoke/",
        views.invitation_revoke,
        name="invitation-revoke",
    ),
    path("<str:key>/milestones/", views.milestone_list, name="milestones"),
    path("<str:key>/milestones/new/", views.milestone_create, name="milestone-create"),
    path("<str:key>/milestones/<int64:number>/", views.milestone_detail, name="milestone-detail"),
    path("<str:key>/milestones/<int64:number>/edit/", views.milestone_edit, name="milestone-edit"),
    path(
        "<str:key>/milestones/<int64:number>/delete/",
        views.milestone_delete,
        name="milestone-delete",
    ),
]
