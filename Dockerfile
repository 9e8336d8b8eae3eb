# policybot: `docker build -t policybot .` then
# `docker run -e POLICYBOT_TELEGRAM_TOKEN=... -v policybot-data:/data policybot`
# BASE is any Debian-like image with python3 (3.11+) and its venv module; scripts/check-image.sh
# builds with a local debootstrapped bookworm where python:3.11-slim cannot be pulled.
ARG BASE=python:3.11-slim

# Build stage: pip's in-tree build leaves build/ and *.egg-info here, not in the image.
# The dependencies are exactly requirements.lock (`make lock`), so two builds install the same.
# --upgrade-deps: an older pip installs sdists (jieba, zhconv) the legacy way, as *.egg-info.
FROM ${BASE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md requirements.lock ./
COPY bot ./bot
COPY config ./config
COPY retrieval ./retrieval
# The wheel carries the bundled corpus as package data (site-packages/seeds).
COPY seeds ./seeds
# A CA bundle for a TLS-intercepting proxy may be passed as the optional secret `pip_ca`
# (`--secret id=pip_ca,src=/etc/ssl/certs/ca-certificates.crt`); it is never stored in a layer.
RUN --mount=type=secret,id=pip_ca \
    if [ -s /run/secrets/pip_ca ]; then export PIP_CERT=/run/secrets/pip_ca; fi \
    && python3 -m venv --upgrade-deps /opt/venv \
    && /opt/venv/bin/pip install --requirement /src/requirements.lock \
    && /opt/venv/bin/pip install --no-deps /src

FROM ${BASE}
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH \
    POLICYBOT_CORPUS_DIR=/app/seeds \
    POLICYBOT_DATA_DIR=/data
COPY --from=build /opt/venv /opt/venv
# Owned by the bot: a named volume mounted here (compose.yaml's `corpus`) starts as a copy of
# the seeds that admins may add documents to.
COPY --chown=10001:10001 seeds /app/seeds
RUN useradd --no-log-init --create-home --uid 10001 --user-group policybot \
    && mkdir /data \
    && chown 10001:10001 /data

# A numeric uid: Kubernetes' runAsNonRoot can only verify a number.
USER 10001:10001
# Build the library cache (parsed corpus, index, jieba's dictionaries) where the app reads it,
# /data/cache: a new named volume starts as a copy of it, so the first answer is fast. With a
# bind mount or an older volume the app builds it there once, as it would anyway.
# Image layers keep mtimes to the second, and jieba reuses its cache only when it is strictly
# newer than the dictionary it was built from, both written in the same second here: dating
# the dictionary back keeps the cache valid.
RUN policybot check >/dev/null \
    && touch --date=@0 /data/cache/*.dict.txt

VOLUME ["/data"]
CMD ["policybot", "serve"]
