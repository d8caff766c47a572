"""Print a session cookie for a demo user, for scripted clients of the demo (tests, benchmarks, curl)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.management.base import BaseCommand, CommandParser
from django.test import Client


class Command(BaseCommand):
    help = (
        "Create (or reuse) USERNAME with the given permissions and print a `sessionid` value: "
        "send it as `Cookie: sessionid=...` on /ws/ and /graphql/."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--perm", action="append", default=[], help="app_label.codename, e.g. demo.add_book")

    def handle(self, *args: Any, username: str, perm: list[str], **options: Any) -> None:
        user, _ = get_user_model().objects.get_or_create(username=username)
        for name in perm:
            app_label, _, codename = name.partition(".")
            user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
        browser = Client()
        browser.force_login(user)
        self.stdout.write(browser.cookies["sessionid"].value)
