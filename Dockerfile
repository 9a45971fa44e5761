# One image for api, worker and runner (compose.yaml picks the command).
FROM python:3.11-slim-bookworm
ENV PYTHONUNBUFFERED=1 UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy
RUN apt-get update \
 && apt-get install -y --no-install-recommends chromium curl \
 && rm -rf /var/lib/apt/lists/* \
 && pip install --no-cache-dir uv \
 && useradd --create-home --uid 1000 balcao
WORKDIR /app
COPY pyproject.toml uv.lock README.md ./
COPY app app
COPY providers providers
COPY workers workers
COPY runner runner
COPY prompts prompts
COPY alembic alembic
COPY alembic.ini ./
RUN uv sync --frozen --no-dev && chown -R balcao /app
USER balcao
ENV PATH=/app/.venv/bin:$PATH CHROMIUM_PATH=/usr/bin/chromium
EXPOSE 8000
CMD ["balcao", "api"]
