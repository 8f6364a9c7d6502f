"""The security headers Django does not set itself: Content-Security-Policy and
Permissions-Policy.

The policy itself is `CONTENT_SECURITY_POLICY` in the settings (django-csp): scripts and styles
only from the site's own files, no inline code and no nonces, so a cached page stays valid.
Accord's templates keep to that (tests/test_csp.py checks every page); the third-party HTML
under /api/ does not, see `ContentSecurityPolicyMiddleware`.
"""

from __future__ import annotations

from collections.abc import Callable

from csp.constants import UNSAFE_INLINE
from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase

API_PREFIX = "/api/"


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, with one allowance: HTML pages under /api/ (DRF's browsable
    API and Swagger UI on /api/docs/) may use inline styles, which their templates are full of.
    Their scripts still come from the site only, so injected markup cannot run there either."""

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        is_html = response.get("Content-Type", "").startswith("text/html")
        if is_html and request.path_info.startswith(API_PREFIX):
            parts.update = {**(parts.update or {}), "style-src": [UNSAFE_INLINE]}
        return parts


def permissions_policy(features: dict[str, list[str]]) -> str:
    """`{"camera": [], "fullscreen": ["self"]}` as `camera=(), fullscreen=(self)`."""
    return ", ".join(f"{name}=({' '.join(allow)})" for name, allow in features.items())


class PermissionsPolicyMiddleware:
    """Turns off the browser features Accord never uses (`PERMISSIONS_POLICY`), so a script
    that got in anyway cannot reach a camera, a microphone, the location or a payment."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.header = permissions_policy(settings.PERMISSIONS_POLICY)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.header:
            response.headers.setdefault("Permissions-Policy", self.header)
        return response
