"""The person's own work across projects, mounted at /my-work/ outside the project space."""

from django.urls import path  # noqa: F401

app_name = "my_work"

urlpatterns: list = []
