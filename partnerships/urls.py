from django.contrib import admin
from django.urls import path

from . import about, accounts, preview, views

urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("healthz", views.healthz, name="healthz"),
    path("partnerships/", views.PartnershipListView.as_view(), name="partnership-list"),
    path(
        "partnerships/<slug:slug>/",
        views.PartnershipDetailView.as_view(),
        name="partnership-detail",
    ),
    path("alliances/", views.AllianceListView.as_view(), name="alliance-list"),
    path("alliances/<slug:slug>/", views.AllianceDetailView.as_view(), name="alliance-detail"),
    path("conferences/", views.ConferenceListView.as_view(), name="conference-list"),
    path(
        "conferences/<slug:slug>/", views.ConferenceDetailView.as_view(), name="conference-detail"
    ),
    path("series/<slug:slug>/", views.SeriesDetailView.as_view(), name="series-detail"),
    path("organizations/", views.OrganizationListView.as_view(), name="organization-list"),
    path(
        "organizations/<slug:slug>/",
        views.OrganizationDetailView.as_view(),
        name="organization-detail",
    ),
    path("regions/", views.RegionListView.as_view(), name="region-list"),
    path("regions/<slug:slug>/", views.RegionDetailView.as_view(), name="region-detail"),
    path("sources/", views.SourceListView.as_view(), name="source-list"),
    path("sources/<int:pk>/", views.SourceDetailView.as_view(), name="source-detail"),
    path("people/", views.PersonListView.as_view(), name="person-list"),
    path("people/<slug:slug>/", views.PersonDetailView.as_view(), name="person-detail"),
    path("about/", about.AboutView.as_view(), name="about"),
    path("report-a-mistake/", about.report_mistake, name="report-mistake"),
    path("report-a-mistake/thanks/", about.report_mistake_done, name="report-mistake-done"),
    # Password reset for staff, as Django's admin documentation wires it (the admin's login
    # page then links to it); before admin.site.urls, whose catch-all would take these paths.
    path(
        "admin/password_reset/",
        accounts.StaffPasswordResetView.as_view(),
        name="admin_password_reset",
    ),
    path(
        "admin/password_reset/done/",
        accounts.StaffPasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "admin/reset/<uidb64>/<token>/",
        accounts.StaffPasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "admin/reset/done/",
        accounts.StaffPasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path(
        "preview/<int:content_type_id>/<int:object_id>/",
        preview.preview_record,
        name="preview-record",
    ),
    path("preview/revision/<int:revision_id>/", preview.preview_revision, name="preview-revision"),
    path("admin/", admin.site.urls),
]
