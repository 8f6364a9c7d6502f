from django.urls import path

from accord.requirements.views import baselines, detail, listing, review, traceability

app_name = "requirements"
R = "<str:key>/requirements"
ONE = R + "/<int:number>"

urlpatterns = [
    # listing
    # detail
    # review
    # baselines
    # traceability
]
