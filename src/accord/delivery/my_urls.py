"""The person's own work across projects, mounted at /my-work/ outside the project space."""

from django.urls import path

from accord.delivery.views import my_work

app_name = "my_work"

urlpatterns: list = [
    path("", my_work.index, name="index"),
]
