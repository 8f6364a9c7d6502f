from django.urls import path  # noqa: F401

app_name = "changes"
K = "<str:key>/changes"
ONE = K + "/<int:number>"

urlpatterns: list = []
