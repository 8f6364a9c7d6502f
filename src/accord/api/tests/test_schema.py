from django.core.management import call_command

from accord.api.tests.base import ApiTestCase

PATHS = [
    "/api/v1/me/",
    "/api/v1/projects/",
    "/api/v1/projects/{key}/",
    "/api/v1/projects/{project_key}/memberships/",
    "/api/v1/projects/{project_key}/memberships/{id}/",
    "/api/v1/projects/{project_key}/milestones/",
    "/api/v1/projects/{project_key}/milestones/{number}/",
    "/api/v1/projects/{project_key}/invitations/",
    "/api/v1/projects/{project_key}/invitations/{id}/revoke/",
    "/api/v1/projects/{project_key}/audit-records/",
]


class SchemaTests(ApiTestCase):
    def test_schema_and_docs_are_public(self) -> None:
        self.assertEqual(self.client.get("/api/schema/").status_code, 200)
        self.assertEqual(self.client.get("/api/docs/").status_code, 200)

    def test_the_schema_lists_every_endpoint(self) -> None:
        response = self.client.get("/api/schema/", {"format": "json"})
        self.assertEqual(response.status_code, 200)
        schema = response.json()
        for path in PATHS:
            self.assertIn(path, schema["paths"])
        self.assertIn("tokenAuth", schema["components"]["securitySchemes"])
        params = {
            p["name"] for p in schema["paths"]["/api/v1/projects/{key}/"]["patch"]["parameters"]
        }
        self.assertIn("If-Match", params)

    def test_the_schema_generates_without_warnings(self) -> None:
        # --fail-on-warn turns every warning of drf-spectacular into an error.
        call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")

    def test_the_docs_page_loads_its_scripts_from_this_server(self) -> None:
        response = self.client.get("/api/docs/")
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        self.assertIn("/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js", html)
        self.assertNotIn("cdn.jsdelivr.net", html)
        self.assertNotIn("unpkg.com", html)
        # Swagger UI's start-up script is a file of its own (no inline script under the CSP).
        self.assertIn('<script src="/api/docs/?script="></script>', html)
        start = self.client.get("/api/docs/?script=")
        self.assertEqual(start.status_code, 200)
        self.assertIn("/api/schema/", start.content.decode())
        script = self.client.get(
            "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js"
        )
        self.assertEqual(script.status_code, 200)


class ApiRootTests(ApiTestCase):
    def test_the_root_links_the_top_level_resources(self) -> None:
        self.login(self.carol)
        body = self.client.get("/api/v1/").json()
        self.assertEqual(
            body,
            {
                "projects": "http://testserver/api/v1/projects/",
                "notifications": "http://testserver/api/v1/notifications/",
                "me": "http://testserver/api/v1/me/",
            },
        )

    def test_the_root_needs_a_signed_in_user(self) -> None:
        self.assertError(self.client.get("/api/v1/"), 401)
