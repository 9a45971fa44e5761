from providers.whatsapp_web.lookalike.server import run_lookalike

run_lookalike()
