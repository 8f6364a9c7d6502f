"""The signed-in user's notifications: the list, and marking them read.

Only the recipient ever reaches a notification; anyone else's id answers 404 like an unknown one.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accord.notifications import selectors, services
from accord.notifications.filters import NotificationFilter


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    notification_filter = NotificationFilter(
        request.GET or None, queryset=selectors.notification_list(user=request.user)
    )
    page = Paginator(notification_filter.qs, settings.ACCORD_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    unread_only = notification_filter.form.is_valid() and bool(
        notification_filter.form.cleaned_data.get("unread")
    )
    return render(
        request,
        "notifications/notification_list.html",
        {
            "page_obj": page,
            "notifications": list(page.object_list),
            "unread_only": unread_only,
        },
    )


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    notification = selectors.notification_get(user=request.user, pk=pk)
    services.notification_mark_read(user=request.user, notification=notification)
    # The stored link is a path inside Accord; anything else goes back to the list.
    if notification.url and services.is_safe_path(notification.url):
        return redirect(notification.url)
    return redirect("notifications:list")


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    count = services.notification_mark_all_read(user=request.user)
    messages.success(
        request,
        ngettext(
            "%(count)d notification marked as read.",
            "%(count)d notifications marked as read.",
            count,
        )
        % {"count": count},
    )
    return redirect("notifications:list")
