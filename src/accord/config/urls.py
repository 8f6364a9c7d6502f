from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="projects:list", permanent=False), name="home"),
    path("accounts/", include("accord.accounts.urls")),
    path("p/", include("accord.requirements.urls")),
    path("p/", include("accord.risks.urls")),
    path("p/", include("accord.changes.urls")),
    path("p/", include("accord.delivery.urls")),
    path("p/", include("accord.projects.urls")),
    path("risks/", include("accord.risks.org_urls")),
    path("my-work/", include("accord.delivery.my_urls")),
    path("notifications/", include("accord.notifications.urls")),
    path("api/", include("accord.api.urls")),
    path("admin/", admin.site.urls),
]

# Under /api/ errors answer in the API's JSON format; elsewhere with the pages' error pages.
handler400 = "accord.api.errors.bad_request"
handler403 = "accord.api.errors.permission_denied"
handler404 = "accord.api.errors.page_not_found"
handler500 = "accord.api.errors.server_error"
