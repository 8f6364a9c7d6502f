"""The project pages read in Chinese, and the catalogues of projects and core are complete."""

from __future__ import annotations

from pathlib import Path

import polib
from django.urls import reverse

from accord.core.testing import BaseTestCase

APPS = Path(__file__).resolve().parents[2]


class ChineseCatalogueTests(BaseTestCase):
    def test_every_string_is_translated(self) -> None:
        for app in ("projects", "core"):
            po = polib.pofile(str(APPS / app / "locale/zh_Hans/LC_MESSAGES/django.po"))
            self.assertEqual([e.msgid for e in po.untranslated_entries()], [], app)
            self.assertEqual([e.msgid for e in po.fuzzy_entries()], [], app)
            self.assertTrue((APPS / app / "locale/zh_Hans/LC_MESSAGES/django.mo").exists(), app)

    def test_the_overview_reads_in_chinese(self) -> None:
        self.alice.language = "zh-hans"
        self.alice.save()
        self.client.force_login(self.alice)
        r = self.client.get(reverse("projects:overview", args=["ACME"]))
        for text in (
            "概览",
            "里程碑",
            "成员",
            "操作历史",
            "设置",
            "项目章程",
            "项目经理",
            "我的项目",
        ):
            self.assertContains(r, text)
        self.assertNotContains(r, "Recent activity")

    def test_the_members_page_reads_in_chinese(self) -> None:
        self.alice.language = "zh-hans"
        self.alice.save()
        self.client.force_login(self.alice)
        r = self.client.get(reverse("projects:members", args=["ACME"]))
        for text in ("邀请成员", "发送邀请", "可审批", "客户", "只读成员"):
            self.assertContains(r, text)
