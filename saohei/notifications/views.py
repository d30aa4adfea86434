from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from saohei.common.errors import ServiceError
from saohei.common.http import client_ip
from saohei.notifications import channels, queries, services
from saohei.notifications.access import get_notification_for_user
from saohei.notifications.links import is_internal_path
from saohei.notifications.models import Channel, NotificationKind
from saohei.organisations.http import AuthenticatedHttpRequest

KIND_BADGES: dict[str, str] = {
    NotificationKind.REMINDER: "text-bg-info",
    NotificationKind.OVERDUE: "text-bg-danger",
    NotificationKind.ESCALATION: "text-bg-warning",
    NotificationKind.INSTRUCTION: "text-bg-primary",
    NotificationKind.ASSIGNMENT: "text-bg-primary",
    NotificationKind.RETURNED: "text-bg-warning",
    NotificationKind.INFO: "text-bg-secondary",
}


@login_required
def list_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    unread_only = request.GET.get("unread") == "1"
    page = queries.list_for_user(user, unread_only=unread_only, page=request.GET.get("page"))
    rows = [
        {"notification": item, "badge": KIND_BADGES.get(item.kind, "text-bg-secondary")}
        for item in page
    ]
    return render(
        request,
        "notifications/list.html",
        {
            "page": page,
            "rows": rows,
            "unread_only": unread_only,
            "query_string": "unread=1" if unread_only else "",
        },
    )


@require_POST
@login_required
def open_view(request: AuthenticatedHttpRequest, notification_id: int) -> HttpResponse:
    user = request.user
    notification = get_notification_for_user(user, notification_id)
    services.mark_read(user=user, notification=notification)
    if not notification.url:
        return redirect("notifications:list")
    # Stored links are checked when sent; checked again so that no redirect ever leaves the site.
    if not is_internal_path(notification.url):
        messages.error(request, "该通知的链接无效，已标为已读。")
        return redirect("notifications:list")
    return redirect(notification.url)


@require_POST
@login_required
def mark_all_read_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    count = services.mark_all_read(user=user)
    if count:
        messages.success(request, f"已将 {count} 条通知标为已读。")
    else:
        messages.info(request, "没有未读通知。")
    return redirect("notifications:list")


@require_http_methods(["GET", "POST"])
@login_required
def preferences_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Each user's own choice of 短信 / 邮件 per kind of notice; 站内 is always on."""
    user = request.user
    if request.method == "POST":
        enabled = {
            kind: [channel for channel in Channel.values if kind in request.POST.getlist(channel)]
            for kind in NotificationKind.values
        }
        unknown = {
            value
            for channel in Channel.values
            for value in request.POST.getlist(channel)
            if value not in NotificationKind.values
        }
        try:
            if unknown:
                raise ServiceError("通知类型不正确", field="kind")
            changed = services.set_preferences(
                user=user, enabled=enabled, ip_address=client_ip(request)
            )
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            if changed:
                messages.success(request, "通知方式已保存。")
            else:
                messages.info(request, "通知方式没有变化。")
            return redirect("notifications:preferences")
    chosen = queries.effective_preferences(user=user)
    available = channels.configured_channels()
    rows = [
        {
            "kind": kind,
            "label": label,
            "sms": Channel.SMS in chosen[kind],
            "email": Channel.EMAIL in chosen[kind],
            "text": channels.NOTICE_TEXTS[kind],
        }
        for kind, label in NotificationKind.choices
    ]
    mobile = channels.address_for(user, Channel.SMS)
    email = channels.address_for(user, Channel.EMAIL)
    return render(
        request,
        "notifications/preferences.html",
        {
            "rows": rows,
            "sms_available": Channel.SMS in available,
            "email_available": Channel.EMAIL in available,
            "masked_mobile": channels.mask_address(Channel.SMS, mobile) if mobile else "",
            "masked_email": channels.mask_address(Channel.EMAIL, email) if email else "",
            "deliveries": queries.list_recent_deliveries(user),
        },
    )
