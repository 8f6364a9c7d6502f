from django.urls import path

from accord.risks.views import pages

app_name = "risks"

urlpatterns = [
    # pages
]
