from accord.core.testing import BaseTestCase


class UnknownApiAddressTests(BaseTestCase):
    def test_it_answers_json_404_in_the_error_format(self) -> None:
        self.client.force_login(self.alice)
        response = self.client.get("/api/v1/no-such-thing/")
        self.assertEqual(response.status_code, 404)
        self.assertEqual(response.json(), {"message": "Not found.", "field": None, "extra": {}})

    def test_it_speaks_the_users_language(self) -> None:
        self.carol.language = "zh-hans"
        self.carol.save()
        self.client.force_login(self.carol)
        response = self.client.get("/api/v2/projects/")
        self.assertEqual(response.status_code, 404)
        self.assertNotEqual(response.json()["message"], "Not found.")
