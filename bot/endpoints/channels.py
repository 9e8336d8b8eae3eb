"""The optional ranking channels a deployment configures: embeddings and LLM query rewrites.

`attach_channels` is the one place the CLI and `serve` plug them into a library. Both channels
answer None on any failure, so the library ranks with BM25 alone (bot/endpoints/shared.py keeps a
failing service from flooding the log). Nothing here imports httpx: the default install (no
endpoint) never loads an HTTP client.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from config.settings import Settings
from retrieval.library import Library

if TYPE_CHECKING:
    from bot.endpoints.embeddings import EmbeddingChannel
    from bot.endpoints.rewrite import LLMRewriter

log = logging.getLogger(__name__)


def attach_channels(library: Library, settings: Settings, progress: bool = True) -> None:
    """Plug the configured semantic channel and LLM rewriter into the library, if any."""
    semantic = embedding_channel(library, settings, progress) if settings.embed_base_url else None
    rewriter = llm_rewriter(settings) if settings.llm_base_url and settings.llm_rewrite else None
    if semantic is not None or rewriter is not None:
        library.attach(semantic=semantic, rewriter=rewriter)


def embedding_channel(
    library: Library, settings: Settings, progress: bool = True
) -> EmbeddingChannel | None:
    """The channel over POLICYBOT_EMBED_*, or None (one warning) when clause vectors fail."""
    from bot.endpoints.embeddings import (
        EmbedConfig,
        EmbeddingChannel,
        EmbeddingClient,
        EmbeddingUnavailable,
    )

    if not settings.embed_base_url:
        return None
    key = settings.embed_api_key.get_secret_value() if settings.embed_api_key else None
    client = EmbeddingClient(EmbedConfig(settings.embed_base_url, key, settings.embed_model))
    cache_dir = settings.data_dir / "cache" / "embeddings"
    try:
        return EmbeddingChannel.prepare(library.clauses, client, cache_dir, progress)
    except EmbeddingUnavailable as exc:
        client.close()
        log.warning(
            "semantic channel off, answering with BM25 alone: clause vectors failed (%s)", exc
        )
        return None


def llm_rewriter(settings: Settings) -> LLMRewriter | None:
    """The rewriter over the POLICYBOT_LLM_* endpoint, or None when none is configured."""
    from bot.endpoints.llm import llm_from_settings
    from bot.endpoints.rewrite import LLMRewriter

    llm = llm_from_settings(settings)
    return LLMRewriter(llm.config) if llm is not None else None
