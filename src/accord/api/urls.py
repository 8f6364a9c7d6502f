"""The REST API: `/api/v1/` (resources), `/api/schema/` (OpenAPI 3) and `/api/docs/`.

Each app keeps its routes in `<app>/api/urls.py` (a `router` for viewsets, `urlpatterns` for
other views); they are gathered here under one root.
"""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accord.accounts.api import urls as accounts_api
from accord.api.views import ApiRouter, not_found
from accord.changes.api import urls as changes_api
from accord.core.api import urls as core_api
from accord.delivery.api import urls as delivery_api
from accord.notifications.api import urls as notifications_api
from accord.projects.api import urls as projects_api
from accord.requirements.api import urls as requirements_api
from accord.risks.api import urls as risks_api

app_name = "api"

router = ApiRouter(extra_root_links={"me": "me"})
APPS = (
    projects_api,
    core_api,
    notifications_api,
    requirements_api,
    risks_api,
    changes_api,
    delivery_api,
)
for app_urls in APPS:
    router.registry.extend(app_urls.router.registry)

urlpatterns = [
    path("v1/", include(router.urls)),
    path("v1/", include(accounts_api.urlpatterns)),
    path("v1/", include(risks_api.urlpatterns)),
    path("v1/", include(changes_api.urlpatterns)),
    path("v1/", include(delivery_api.urlpatterns)),
    # The schema and its docs page describe the API, not anyone's data: public.
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI's start-up script comes from docs/?script, not inline: the
    # Content-Security-Policy runs scripts from the site's files only.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    # Anything else under /api/ answers in the API's error format, not with an HTML page.
    re_path(r"^(?P<path>.*)$", not_found, name="not-found"),
]
