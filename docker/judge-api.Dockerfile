# syntax=docker/dockerfile:1
#
# X-Coder judge HTTP API (`xcoder-judge api`). Stateless and unprivileged: it validates requests,
# queues them in Redis and waits for results; it never compiles or runs submitted code, so the
# image carries no toolchains and runs as an ordinary user.
#
#   docker build -f docker/judge-api.Dockerfile -t xcoder/judge-api:0.1.0 .
#
# Build context: the repository root (see /.dockerignore).

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# ---------------------------------------------------------------- build: a self-contained venv
FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
# xcoder-judge depends on xcoder-wire (the wire contract); install both in one resolver run.
COPY wire/ wire/
COPY services/judge/ services/judge/
RUN python -m venv /opt/xcoder/venv \
 && /opt/xcoder/venv/bin/pip install ./wire ./services/judge

# ---------------------------------------------------------------- runtime
FROM ${PYTHON_IMAGE}
LABEL org.opencontainers.image.title="xcoder-judge-api" \
      org.opencontainers.image.description="X-Coder judge HTTP API (no code execution)" \
      org.opencontainers.image.licenses="Apache-2.0"

RUN groupadd --system --gid 10001 xcoder \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin xcoder

COPY --from=build /opt/xcoder/venv /opt/xcoder/venv

ENV PATH=/opt/xcoder/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    XCODER_JUDGE_HOST=0.0.0.0 \
    XCODER_JUDGE_PORT=8000

USER 10001:10001
EXPOSE 8000

# Liveness only: /readyz also needs Redis and a live worker, which orchestrators check separately.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('XCODER_JUDGE_PORT', '8000'), timeout=2)"]

ENTRYPOINT ["xcoder-judge"]
CMD ["api"]
