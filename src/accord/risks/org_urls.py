"""The organisation-wide risk page for staff, mounted at /risks/ outside the project space
(/p/<key>/ belongs to project keys)."""

from django.urls import path

from accord.risks.views import pages

app_name = "risks_org"

urlpatterns = [
    path("", pages.org_risks, name="list"),
]
