# policybot: `docker build -t policybot .` then
# `docker run -e POLICYBOT_TELEGRAM_TOKEN=... -v policybot-data:/data policybot`
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY config ./config
COPY retrieval ./retrieval
COPY seeds ./seeds
RUN pip install . \
    && useradd --create-home --uid 10001 policybot \
    && mkdir -p /data \
    && chown policybot:policybot /data

USER policybot
ENV POLICYBOT_CORPUS_DIR=/app/seeds \
    POLICYBOT_DATA_DIR=/data

# Build jieba's prefix-dictionary cache now, so the first start does not pay for it.
RUN python -c "from config.settings import LEXICON_DIR; \
from retrieval.tokenize import Lexicon, Tokenizer; Tokenizer(Lexicon.from_dir(LEXICON_DIR))"

VOLUME ["/data"]
CMD ["policybot", "serve"]
