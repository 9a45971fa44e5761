"""WhatsApp Web through Playwright: the browser half of the provider."""
