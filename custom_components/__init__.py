"""Custom integrations; Home Assistant imports them from this package."""
