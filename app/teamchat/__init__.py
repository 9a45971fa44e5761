"""Team chat: agents, supervisors and administrators talk to each other inside the
inbox — one channel per department, one per pair of users — stored in PostgreSQL and
never sent to WhatsApp. New messages and read marks reach open inbox pages as realtime
notices (ids only) on the organization's channel (app.realtime); pages fetch what they
show through /api/v1/team, which checks membership."""
