"""The editor web UI: server-rendered pages over the same services as the API.

`routes.routes()` is its whole URL map, mounted by `veneer.api.routes` under `/app`; the views
(`views`, `entry_views`, `variant_views`) are plain functions of a `page.Page`.
"""
