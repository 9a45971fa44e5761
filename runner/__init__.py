"""The WhatsApp-Web runner process: drives one Chromium context per WHATSAPP_WEB
connection (the browser code is the provider's, ``providers/whatsapp_web/``) and stores
what the pages show through the platform's ingest path.

It lives outside ``providers/`` because it is a process of the platform, not part of an
adapter: it needs PostgreSQL, Redis, ingest and the outbox, which no adapter may import."""
