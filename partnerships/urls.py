from django.contrib import admin
from django.urls import path

from . import about, accounts, preview
from .facet_views import FacetValuesView
from .pagecache import public_page
from .site_search import SiteSearchView
from .views.details import (
    AllianceDetailView,
    ConferenceDetailView,
    OrganizationDetailView,
    PersonDetailView,
    RegionDetailView,
    SeriesDetailView,
    SourceDetailView,
)
from .views.health import healthz
from .views.lists import (
    AllianceListView,
    ConferenceListView,
    OrganizationListView,
    PersonListView,
    RegionListView,
    SeriesListView,
    SourceListView,
)
from .views.overview import DashboardView
from .views.partnership_detail import PartnershipDetailView
from .views.partnership_list import PartnershipListView

# Public pages are answered from the page cache for anonymous visitors (partnerships/pagecache.py).
# The public lists with facets: (path prefix, URL name stem, view). Each has a page of every
# value of each facet, and the job worker counts each whole list after every write
# (tasks.count_lists).
FACETED_LISTS = (
    ("partnerships", "partnership", PartnershipListView),
    ("alliances", "alliance", AllianceListView),
    ("conferences", "conference", ConferenceListView),
    ("organizations", "organization", OrganizationListView),
    ("regions", "region", RegionListView),
    ("sources", "source", SourceListView),
    ("people", "person", PersonListView),
)

urlpatterns = [
    path("", public_page(DashboardView.as_view()), name="dashboard"),
    path("healthz", healthz, name="healthz"),
    path("partnerships/", public_page(PartnershipListView.as_view()), name="partnership-list"),
    path(
        "partnerships/<slug:slug>/",
        public_page(PartnershipDetailView.as_view()),
        name="partnership-detail",
    ),
    path("alliances/", public_page(AllianceListView.as_view()), name="alliance-list"),
    path(
        "alliances/<slug:slug>/",
        public_page(AllianceDetailView.as_view()),
        name="alliance-detail",
    ),
    path("conferences/", public_page(ConferenceListView.as_view()), name="conference-list"),
    path(
        "conferences/<slug:slug>/",
        public_page(ConferenceDetailView.as_view()),
        name="conference-detail",
    ),
    path("series/", public_page(SeriesListView.as_view()), name="series-list"),
    path("series/<slug:slug>/", public_page(SeriesDetailView.as_view()), name="series-detail"),
    path(
        "organizations/",
        public_page(OrganizationListView.as_view()),
        name="organization-list",
    ),
    path(
        "organizations/<slug:slug>/",
        public_page(OrganizationDetailView.as_view()),
        name="organization-detail",
    ),
    path("regions/", public_page(RegionListView.as_view()), name="region-list"),
    path("regions/<slug:slug>/", public_page(RegionDetailView.as_view()), name="region-detail"),
    path("sources/", public_page(SourceListView.as_view()), name="source-list"),
    path("sources/<int:pk>/", public_page(SourceDetailView.as_view()), name="source-detail"),
    path("people/", public_page(PersonListView.as_view()), name="person-list"),
    path("people/<slug:slug>/", public_page(PersonDetailView.as_view()), name="person-detail"),
    # Every value of a list's facet (facet_views.py).
    *(
        path(
            f"{prefix}/facets/<slug:param>/",
            public_page(FacetValuesView.as_view(list_view=list_view)),
            name=f"{name}-facet",
        )
        for prefix, name, list_view in FACETED_LISTS
    ),
    path("search/", public_page(SiteSearchView.as_view()), name="site-search"),
    path("about/", public_page(about.AboutView.as_view()), name="about"),
    path("report-a-mistake/", public_page(about.report_mistake), name="report-mistake"),
    path(
        "report-a-mistake/thanks/",
        public_page(about.report_mistake_done),
        name="report-mistake-done",
    ),
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
