# syntax=docker/dockerfile:1
#
# SynthSmith (`xcoder-synth`): one image for the HTTP API (`xcoder-synth api`, the default
# command) and the RQ workers (`xcoder-synth worker`). It never runs model-written code itself —
# everything executable goes to the judge over HTTP — so it needs no toolchains and no privileges.
#
#   docker build -f docker/synth.Dockerfile -t xcoder/synth:0.1.0 .
#
# Build context: the repository root (see /.dockerignore).

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# ---------------------------------------------------------------- build: a self-contained venv
FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
# xcoder-synth depends on xcoder-wire (wire schema, checkers) and xcoder-client (extractor,
# judge client), not on the judge itself; install all three from this checkout in one resolver run.
COPY wire/ wire/
COPY clients/ clients/
COPY services/synth-api/ services/synth-api/
RUN python -m venv /opt/xcoder/venv \
 && /opt/xcoder/venv/bin/pip install ./wire ./clients ./services/synth-api

# ---------------------------------------------------------------- runtime
FROM ${PYTHON_IMAGE}
LABEL org.opencontainers.image.title="xcoder-synth" \
      org.opencontainers.image.description="SynthSmith API and workers (no code execution)" \
      org.opencontainers.image.licenses="Apache-2.0"

RUN groupadd --system --gid 10001 xcoder \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin xcoder \
 && install -d -o 10001 -g 10001 -m 0750 /var/lib/xcoder-synth

COPY --from=build /opt/xcoder/venv /opt/xcoder/venv

ENV PATH=/opt/xcoder/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    MPLCONFIGDIR=/tmp/matplotlib \
    XCODER_SYNTH_HOST=0.0.0.0 \
    XCODER_SYNTH_PORT=8100 \
    XCODER_SYNTH_DATA_DIR=/var/lib/xcoder-synth

USER 10001:10001
EXPOSE 8100

ENTRYPOINT ["xcoder-synth"]
CMD ["api"]
