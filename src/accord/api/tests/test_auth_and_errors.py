from django.test import SimpleTestCase
from rest_framework.test import APIClient

from accord.accounts.choices import Language
from accord.accounts.services import api_token_create, api_token_revoke
from accord.api.errors import first_error
from accord.api.tests.base import ApiTestCase
from accord.projects.models import Milestone

MILESTONES = "/api/v1/projects/ACME/milestones/"


class TokenAuthenticationTests(ApiTestCase):
    def setUp(self) -> None:
        self.token, self.plain = api_token_create(user=self.bob, name="CI script")

    def auth(self, plain: str) -> dict[str, str]:
        return {"authorization": f"Token {plain}"}

    def test_a_token_acts_as_its_user_without_csrf(self) -> None:
        client = APIClient(enforce_csrf_checks=True)
        response = client.get("/api/v1/me/", headers=self.auth(self.plain))
        self.assertEqual(response.json()["email"], "bob@example.com")
        response = client.post(
            MILESTONES,
            {"name": "From CI", "due_date": "2026-07-01"},
            format="json",
            headers=self.auth(self.plain),
        )
        self.assertEqual(response.status_code, 201, response.content)
        self.token.refresh_from_db()
        self.assertIsNotNone(self.token.last_used_at)

    def test_wrong_and_revoked_tokens_are_refused(self) -> None:
        wrong = self.plain[:-4] + "xxxx"
        body = self.assertError(self.client.get("/api/v1/me/", headers=self.auth(wrong)), 401)
        self.assertEqual(body["message"], "Invalid or revoked token.")
        api_token_revoke(user=self.bob, token=self.token)
        response = self.client.get("/api/v1/me/", headers=self.auth(self.plain))
        self.assertError(response, 401)
        self.assertEqual(response["WWW-Authenticate"], "Token")

    def test_messages_follow_the_token_users_language(self) -> None:
        self.bob.language = Language.CHINESE
        self.bob.save()
        body = self.assertError(
            self.client.post(
                MILESTONES, {"name": "缺少日期"}, format="json", headers=self.auth(self.plain)
            ),
            400,
            field="due_date",
        )
        self.assertEqual(body["message"], "该字段是必填项。")
        milestone = self.client.post(
            MILESTONES,
            {"name": "验收", "due_date": "2026-07-01"},
            format="json",
            headers=self.auth(self.plain),
        ).json()
        body = self.assertError(
            self.client.patch(
                f"{MILESTONES}{milestone['number']}/",
                {"name": "x"},
                format="json",
                headers={**self.auth(self.plain), "if-match": 'W/"milestone-0-v0"'},
            ),
            412,
        )
        self.assertEqual(
            body["message"], "此对象在您读取之后已被修改。请重新获取，再提交您的修改。"
        )

    def test_a_chinese_client_is_refused_in_chinese(self) -> None:
        self.carol.language = Language.CHINESE
        self.carol.save()
        _, plain = api_token_create(user=self.carol, name="portal")
        response = self.client.post(
            MILESTONES, {"name": "x", "due_date": "2026-07-01"}, headers=self.auth(plain)
        )
        self.assertEqual(self.assertError(response, 403)["message"], "您没有执行该操作的权限。")
        self.assertEqual(response["Content-Language"], "zh-hans")


class AnonymousLanguageTests(ApiTestCase):
    def test_anonymous_requests_follow_accept_language(self) -> None:
        response = self.client.get("/api/v1/projects/", headers={"accept-language": "zh-CN"})
        self.assertEqual(self.assertError(response, 401)["message"], "身份认证信息未提供。")

    def test_a_session_users_language_wins_over_the_browsers(self) -> None:
        self.carol.language = Language.CHINESE
        self.carol.save()
        self.login(self.carol)
        response = self.client.get(
            "/api/v1/projects/NOPE/milestones/", headers={"accept-language": "en"}
        )
        self.assertEqual(self.assertError(response, 404)["message"], "未找到。")


class SessionAuthenticationTests(ApiTestCase):
    def setUp(self) -> None:
        self.client = APIClient(enforce_csrf_checks=True)
        self.client.force_login(self.bob)

    def test_reads_need_no_csrf_token(self) -> None:
        self.assertEqual(self.client.get(MILESTONES).status_code, 200)

    def test_writes_without_a_csrf_token_are_refused(self) -> None:
        body = self.assertError(
            self.client.post(MILESTONES, {"name": "x", "due_date": "2026-07-01"}, format="json"),
            403,
        )
        self.assertIn("CSRF", body["message"])
        self.assertFalse(Milestone.objects.exists())

    def test_writes_with_the_csrf_token_pass(self) -> None:
        # What a page of the site sets as cookie, a script sends back in the header.
        secret = "k" * 32
        self.client.cookies["csrftoken"] = secret
        response = self.client.post(
            MILESTONES,
            {"name": "With CSRF", "due_date": "2026-07-01"},
            format="json",
            headers={"x-csrftoken": secret},
        )
        self.assertEqual(response.status_code, 201, response.content)


class MeApiTests(ApiTestCase):
    def test_it_shows_the_signed_in_user(self) -> None:
        self.login(self.carol)
        body = self.client.get("/api/v1/me/").json()
        self.assertEqual(body["email"], "carol@example.com")
        self.assertEqual((body["language"], body["time_zone"]), ("en", "UTC"))
        self.assertFalse(body["is_staff"])

    def test_language_and_time_zone_are_changed_and_apply_at_once(self) -> None:
        self.login(self.carol)
        response = self.client.patch(
            "/api/v1/me/", {"language": "zh-hans", "time_zone": "Asia/Shanghai"}, format="json"
        )
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["language"], "zh-hans")
        self.assertEqual(response["Content-Language"], "zh-hans")
        self.carol.refresh_from_db()
        self.assertEqual(self.carol.time_zone, "Asia/Shanghai")

    def test_an_unknown_time_zone_is_named(self) -> None:
        self.login(self.carol)
        self.assertError(
            self.client.patch("/api/v1/me/", {"time_zone": "Mars/Base"}, format="json"),
            400,
            field="time_zone",
        )

    def test_anonymous_gets_401(self) -> None:
        self.assertError(self.client.get("/api/v1/me/"), 401)


class FirstErrorTests(SimpleTestCase):
    def test_it_names_nested_fields(self) -> None:
        self.assertEqual(first_error({"user": {"email": ["Bad."]}}), ("user.email", "Bad."))
        self.assertEqual(
            first_error({"items": [{}, {"name": ["Empty."]}]}), ("items.1.name", "Empty.")
        )

    def test_non_field_errors_have_no_field(self) -> None:
        self.assertEqual(first_error({"non_field_errors": ["Clash."]}), (None, "Clash."))
        self.assertEqual(first_error(["Top."]), (None, "Top."))
