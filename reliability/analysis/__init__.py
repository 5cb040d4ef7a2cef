"""Analysis over the database: SLA compliance, incident metrics. The app and notebooks call
these functions; they never write."""
