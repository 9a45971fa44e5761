"""The AI responder's settings: the organization's OpenAI-compatible endpoint (API.md
"AI") and the tuning of the responder and delivery jobs."""
