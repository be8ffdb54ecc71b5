# moderator's image: `docker build -t moderator .` (docker-compose.yml runs two app
# servers, a worker and PostgreSQL from it). Settings are MODERATOR_* variables.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1

RUN useradd --system --create-home --home-dir /srv/moderator moderator
WORKDIR /srv/moderator

COPY pyproject.toml README.md ./
COPY moderator ./moderator
COPY models ./models
RUN pip install . && mkdir -p instance && chown moderator:moderator instance

USER moderator
ENV MODERATOR_MODEL_DIR=/srv/moderator/models
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"
CMD ["moderator", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]
