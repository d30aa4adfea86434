from django.urls import path, re_path

from saohei.portal import views

app_name = "portal"

# Paths carry no identifiers at all: a receipt only ever travels in a POST body.
urlpatterns = [
    path("", views.notice_view, name="notice"),
    path("new/", views.submit_view, name="submit"),
    path("check/", views.check_view, name="check"),
    path("check/reply/", views.reply_view, name="reply"),
    # Only paths ending in "/", so Django still adds a missing slash (/jubao/new → /jubao/new/).
    re_path(r"^(?P<path>.*/)$", views.not_found_view),
]
