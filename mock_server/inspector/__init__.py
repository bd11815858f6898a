"""The inspector: a web page served by the fake itself at /_fake/ui that shows what the
fake is doing (sessions, turns, timelines, renders, the journal) and drives it through the
admin API; the same look for `nemo-fake replay` and `nemo-fake verify --html`.

Server-rendered Jinja2 templates and one plain script (package data, no build step, no
CDN); live updates over SSE from the fake. See `routes.py` for the pages."""
