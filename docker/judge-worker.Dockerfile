# syntax=docker/dockerfile:1
#
# X-Coder judge worker (`xcoder-judge worker`): pulls submissions from Redis and runs them in
# warm sandbox slots. Carries a toolchain for every language in the judge's registry
# (python3 and pypy3, C and C++ via g++, Java, Go, Rust, JavaScript via Node.js), installed by
# scripts/install-toolchains.sh exactly as on a bare-metal node.
#
#   docker build -f docker/judge-worker.Dockerfile -t xcoder/judge-worker:0.1.0 .
#
# The worker runs as root inside the container because each slot's box process creates
# namespaces, mounts its own minimal root, pivots into it and then drops to an unprivileged uid
# (60000+slot) before running any submitted code. It needs a short list of capabilities, not a
# privileged container: see docs/deployment.md ("What the worker needs") for the exact set.
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
LABEL org.opencontainers.image.title="xcoder-judge-worker" \
      org.opencontainers.image.description="X-Coder judge worker with sandbox and toolchains" \
      org.opencontainers.image.licenses="Apache-2.0"

SHELL ["/bin/bash", "-o", "pipefail", "-c"]

# tini reaps anything re-parented to PID 1 and forwards SIGTERM to the worker (warm shutdown);
# libseccomp2 compiles the sandbox's seccomp filter (the engine loads it with ctypes).
RUN apt-get update \
 && apt-get install -y --no-install-recommends libseccomp2 tini \
 && rm -rf /var/lib/apt/lists/*

# Toolchains: the same script (and package list) that sets up a bare-metal judge node.
COPY scripts/install-toolchains.sh /usr/local/lib/xcoder/install-toolchains.sh
RUN /usr/local/lib/xcoder/install-toolchains.sh --clean \
 && /usr/local/lib/xcoder/install-toolchains.sh --check

COPY --from=build /opt/xcoder/venv /opt/xcoder/venv
COPY docker/judge-worker-entrypoint.sh /usr/local/bin/xcoder-judge-worker-entrypoint

# The base image's interpreter, which runs python3 submissions: python:*-slim images keep it in
# /usr/local/bin, Debian's own python3 package (scripts/build-images.sh) in /usr/bin.
ARG SANDBOX_PYTHON=/usr/local/bin/python3
ENV PATH=/opt/xcoder/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    XCODER_JUDGE_PYTHON=${SANDBOX_PYTHON} \
    XCODER_JUDGE_CACHE_DIR=/var/cache/xcoder-judge \
    XCODER_JUDGE_WORK_DIR=/run/xcoder-judge

RUN install -d -m 0755 /var/cache/xcoder-judge /run/xcoder-judge

ENTRYPOINT ["/usr/bin/tini", "--", "/usr/local/bin/xcoder-judge-worker-entrypoint"]
CMD ["xcoder-judge", "worker"]
