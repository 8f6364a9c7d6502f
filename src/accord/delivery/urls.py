from django.urls import path  # noqa: F401

from accord.delivery import insights_urls

app_name = "delivery"
K = "<str:key>/tasks"
ONE = K + "/<int:number>"

urlpatterns: list = [
    # progress, burn-up, workload (src/accord/delivery/insights_urls.py)
    *insights_urls.urlpatterns,
]
