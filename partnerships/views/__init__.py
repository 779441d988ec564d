"""Public pages: the overview, a list and a detail page per kind of record, exports.

Read in this order (each module imports only from those above it):

- common.py: what every page shares: leaving drafts out, what the public may see.
- health.py: /healthz.
- record_list.py: RecordListView, what every list page does (pages, facets, exports).
- lists.py: the lists of alliances, conferences, organizations, regions, sources, people,
  conference series.
- partnership_list.py: the partnership list, its table read from values, its exports.
- record_detail.py: RecordDetailView, what every detail page does; first_rows.
- details.py: the detail pages of the other kinds of records.
- partnership_detail.py: the partnership page and its timeline.
- overview.py: the overview (/), DashboardView.

Nothing is imported here: urls.py and the other modules import from the module that
defines what they use."""
