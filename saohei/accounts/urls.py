from django.urls import path

from saohei.accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("login/otp/", views.otp_verify_view, name="otp_verify"),
    path("otp/setup/", views.otp_setup_view, name="otp_setup"),
    path("logout/", views.logout_view, name="logout"),
    path("keepalive/", views.keepalive_view, name="keepalive"),
    path("timed-out/", views.timed_out_view, name="timed_out"),
    path("password/", views.password_change_view, name="password_change"),
    path("security/policy/", views.security_policy_view, name="security_policy"),
    path("security/sessions/", views.session_list_view, name="sessions"),
    path(
        "security/sessions/<int:session_id>/end/",
        views.session_terminate_view,
        name="session_terminate",
    ),
    path("security/logins/", views.login_log_view, name="login_log"),
    path("security/accounts/<int:user_id>/unlock/", views.unlock_view, name="unlock"),
    path("security/accounts/<int:user_id>/reset-otp/", views.reset_totp_view, name="reset_totp"),
    path(
        "security/accounts/<int:user_id>/reset-password/",
        views.password_reset_request_view,
        name="password_reset_request",
    ),
    path("security/password-resets/", views.password_reset_list_view, name="password_resets"),
    path(
        "security/password-resets/<int:reset_id>/<str:decision>/",
        views.password_reset_decide_view,
        name="password_reset_decide",
    ),
]
