"""App pages: each module has one page() function over cached loaders."""

# (module in this package, title, URL path): the app's pages in navigation order; the first is
# the default page, served at the app's root too. reliability/app_router.py builds the
# navigation from it and reliability/app/shell.py serves the page shell at these paths.
PAGES = (
    ("overview", "Leadership overview", "overview"),
    ("monthly_sla", "Monthly SLA review", "sla"),
    ("breach", "Breach investigation", "breach"),
    ("incidents", "Incidents", "incidents"),
    ("data_health", "Data health", "health"),
    ("audits", "Audits", "audits"),
    ("contracts", "Contracts at risk", "contracts"),
)
