from django.urls import include, path

urlpatterns = [
    path("", include("saohei.home.urls")),
    path("accounts/", include("saohei.accounts.urls")),
    path("org/", include("saohei.organisations.urls")),
    path("audit/", include("saohei.audit.urls")),
    path("leads/", include("saohei.leads.urls")),
    path("cases/", include("saohei.cases.urls")),
    path("assigned-lists/", include("saohei.assigned_lists.urls")),
    # 来文表格对照: every import's saved column and value mappings per sender (decision 0065).
    path("sheets/", include("saohei.sheets.urls")),
    # 市扫黑办 assigns leads to its towns and judges their 反馈 (decision 0062).
    path("city/", include("saohei.city_assignments.urls")),
    path("tips/", include("saohei.tips.urls")),
    path("rectifications/", include("saohei.rectifications.urls")),
    # 压实责任 · 谈心谈话: the context is named for the pillar, the URL for the record.
    path("talks/", include("saohei.accountability.urls")),
    path("inspections/", include("saohei.inspections.urls")),
    path("meetings/", include("saohei.meetings.urls")),
    path("publicity/", include("saohei.publicity.urls")),
    # 村月报与零报告 (decision 0069).
    path("village-reports/", include("saohei.village_reports.urls")),
    path("briefings/", include("saohei.briefings.urls")),
    path("reports/", include("saohei.reports.urls")),
    path("analysis/", include("saohei.analysis.urls")),
    path("jubao/", include("saohei.portal.urls")),
    # The custodian's pages (namespace "vault") are the `custody` context; the app `vault` is
    # the sealed store below it and has no pages (decision 0041).
    path("vault/", include("saohei.custody.urls")),
    path("workdays/", include("saohei.workdays.urls")),
    path("notifications/", include("saohei.notifications.urls")),
    path("api-tokens/", include("saohei.api.token_urls")),
    path("api/", include("saohei.api.urls")),
]

handler500 = "saohei.portal.views.server_error_view"
