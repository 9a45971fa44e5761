"""The organization's own settings (API.md ``GET /api/v1/organization``): its name, its
clock and holidays, and the reply to a customer who opts out of campaigns."""
