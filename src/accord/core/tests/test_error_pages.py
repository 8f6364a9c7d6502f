from django.test import Client, override_settings

from accord.core.testing import BaseTestCase


@override_settings(DEBUG=False)
class ErrorPageTests(BaseTestCase):
    def test_unknown_and_invisible_projects_get_the_same_friendly_404(self) -> None:
        self.client.force_login(self.mallory)
        unknown = self.client.get("/p/NOPE/")
        hidden = self.client.get("/p/ACME/")
        self.assertEqual((unknown.status_code, hidden.status_code), (404, 404))
        self.assertContains(unknown, "does not exist, or you do not have access", status_code=404)

        def main(response) -> bytes:
            return response.content.split(b"<main")[1].split(b"</main>")[0]

        self.assertEqual(main(unknown), main(hidden))

    def test_404_speaks_the_users_language(self) -> None:
        self.carol.language = "zh-hans"
        self.carol.save()
        self.client.force_login(self.carol)
        response = self.client.get("/p/ACME/history/")
        self.assertContains(response, "前往我的项目", status_code=404)

    def test_a_missing_csrf_token_gets_an_explanation(self) -> None:
        client = Client(enforce_csrf_checks=True)
        client.force_login(self.alice)
        response = client.post("/accounts/language/", {"language": "en"})
        self.assertContains(response, "Form expired", status_code=403)
