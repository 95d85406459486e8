# Dejima hub / worker image.
#   docker build -t dejima .
#   docker run --env-file .env -p 8080:8080 dejima                 # one hub
#   docker run --env-file .env dejima dejima worker                # one worker
# Production runs both through docker-compose.yml (docs/operations.md).

# ---- build: resolve and install dependencies into a venv ------------------
FROM python:3.11-slim AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Compilers only for dependencies that ship no wheel for this platform;
# they stay in this stage.
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential \
 && rm -rf /var/lib/apt/lists/*

RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

# A normal (not editable) install: the pages, static files and catalogs are package data of `hub`,
# so the runtime stage needs the venv and nothing of the source tree.
WORKDIR /src
COPY . /src
RUN pip install /src

# ---- runtime -------------------------------------------------------------
FROM python:3.11-slim

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN groupadd --system --gid 10001 dejima \
 && useradd --system --uid 10001 --gid dejima --home-dir /home/dejima --create-home \
        --shell /usr/sbin/nologin dejima

COPY --from=build /opt/venv /opt/venv

USER dejima
WORKDIR /home/dejima
EXPOSE 8080

# /healthz answers 200 while the process runs (slim has no curl).
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import sys, urllib.request; r = urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4); sys.exit(0 if r.status == 200 else 1)"]

STOPSIGNAL SIGTERM
CMD ["dejima", "serve", "--host", "0.0.0.0", "--port", "8080"]
