# Convene in a container: slim Python 3.11, a non-root user, the database on a volume (/data), a health check.
#   docker build -t convene .
#   docker run -d --env-file .env -v convene-data:/data -p 3000:3000 convene
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    CONVENE_DB=/data/convene.db \
    CONVENE_BACKUP_DIR=/data/backups \
    PORT=3000

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY commands ./commands
COPY storage ./storage
RUN pip install --no-compile . \
    && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin convene \
    && mkdir -p /data \
    && chown convene:convene /data

USER convene
VOLUME ["/data"]
EXPOSE 3000
# /healthz answers JSON with the database and scheduler state; 503 when the database is unreachable.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '3000'), timeout=4)" || exit 1
CMD ["python", "-m", "bot", "run"]
