"""The AI's settings: the organization's OpenAI-compatible endpoint (API.md "AI"), and
the one seam every model call goes through (app.ai.llm)."""
