"""Business hours: the organization's, a department's and a connection's weekly ranges,
holidays and own dates (calendar.py computes open/closed from a stored document; the
API and the page edit them)."""
