from django.urls import path

from saohei.organisations import views

app_name = "organisations"

urlpatterns = [
    path("units/", views.unit_list_view, name="unit_list"),
    path("units/new/", views.unit_create_view, name="unit_create"),
    path("units/<int:unit_id>/edit/", views.unit_edit_view, name="unit_edit"),
    path("accounts/", views.account_list_view, name="account_list"),
    path("accounts/new/", views.account_create_view, name="account_create"),
    path("accounts/<int:user_id>/", views.account_detail_view, name="account_detail"),
    path("accounts/<int:user_id>/edit/", views.account_edit_view, name="account_edit"),
    path(
        "accounts/<int:user_id>/active/", views.account_set_active_view, name="account_set_active"
    ),
    path("accounts/<int:user_id>/roles/grant/", views.role_grant_view, name="role_grant"),
    path("accounts/<int:user_id>/roles/revoke/", views.role_revoke_view, name="role_revoke"),
    path("group/", views.group_view, name="group"),
    path("group/members/add/", views.group_member_add_view, name="group_member_add"),
    path(
        "group/members/<int:membership_id>/remove/",
        views.group_member_remove_view,
        name="group_member_remove",
    ),
]
