"""The one API the bot and the CLI use: answer a message, look up a reference, browse."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from retrieval import cache, clause_table
from retrieval.bm25 import SparseBM25
from retrieval.card import document_card
from retrieval.catalog import load_catalog
from retrieval.channels import QueryRewriter, SemanticChannel, reciprocal_rank_fusion
from retrieval.corpus import corpus_files, read_corpus
from retrieval.expansion import EXPANDER_VERSION, Expander
from retrieval.formats import PARSER_VERSION
from retrieval.headings import Headings
from retrieval.index import Index
from retrieval.lookup import Numbers
from retrieval.model import Answer, Clause, ClauseRef, CorpusProblem, Document, Hit, Note
from retrieval.names import Names
from retrieval.normalize import strip_name_marks
from retrieval.query import Query, Wording, prepare, read_question
from retrieval.ranking import DEFAULT_MODELS, Models
from retrieval.refs import clean_folded, clean_query, parse_cleaned, parse_ref
from retrieval.screen import screen
from retrieval.tokenize import TOKENIZER_VERSION, Lexicon, Tokenizer

MAX_QUERY_CHARS = 500
Progress = Callable[[int, int], None]  # (clauses indexed, total)
MODELS_FILE = "ranking.json"


@dataclass(frozen=True, slots=True)
class LibraryPaths:
    """Where the corpus and the lexicon data live."""

    corpus_dir: Path
    data_dir: Path
    cache_dir: Path | None = None


class Library:
    """Documents, their index and the routing between lookup and search."""

    def __init__(
        self,
        documents: tuple[Document, ...],
        problems: tuple[CorpusProblem, ...],
        tokenizer: Tokenizer,
        bm25: SparseBM25 | None = None,
        progress: Progress | None = None,
        models: Models | None = None,
        expander_cache: Path | None = None,
    ) -> None:
        self.documents = documents
        self.problems = problems
        self.tokenizer = tokenizer
        self._by_id = {d.doc_id: d for d in documents}
        # From the cache, clauses stay columns: the indexes below are read from them.
        table = clause_table.shared(documents)
        self.clauses: Sequence[Clause] = (
            table if table is not None else tuple(c for d in documents for c in d.clauses)
        )
        # Names and headings normalised once here: a question never scans the corpus.
        self.names = Names(documents)
        self.headings = (
            Headings.grouped(table.heading_groups())
            if table is not None
            else Headings(self.clauses)
        )
        self.numbers = Numbers(documents, table.carrying() if table is not None else None)
        self._spans: dict[str, tuple[int, int]] = {}
        start = 0
        for doc in documents:
            self._spans[doc.doc_id] = (start, start + len(doc.clauses))
            start += len(doc.clauses)
        total = len(self.clauses)
        self.index = Index(
            self.clauses,
            tokenizer,
            bm25,
            (lambda done: progress(done, total)) if progress else None,
            kinds={d.doc_id: d.kind for d in documents},
            titles={d.doc_id: d.title for d in documents},
        )
        vocabulary = tokenizer.known(self.index.bm25.vocab)
        self.expander = (
            Expander.cached(expander_cache, vocabulary)
            if expander_cache
            else Expander.build(vocabulary)
        )
        self.models = models or DEFAULT_MODELS
        self.semantic: SemanticChannel | None = None
        self.rewriter: QueryRewriter | None = None

    def attach(
        self, semantic: SemanticChannel | None = None, rewriter: QueryRewriter | None = None
    ) -> None:
        """Plug in optional channels (embeddings, LLM rewrites) fused with BM25 by RRF."""
        self.semantic, self.rewriter = semantic, rewriter

    @classmethod
    def load(cls, paths: LibraryPaths, progress: Progress | None = None) -> Library:
        """The library from the cache when the corpus is unchanged, else parsed and indexed."""
        tokenizer = Tokenizer(Lexicon.from_dir(paths.data_dir), paths.cache_dir)
        models = Models.load(paths.data_dir / MODELS_FILE)
        key = ""
        if paths.cache_dir is not None:
            files = corpus_files(paths.corpus_dir)
            key = cache.cache_key(files, paths.data_dir, TOKENIZER_VERSION + PARSER_VERSION)
            cached = cache.load(paths.cache_dir, key)
            if cached is not None:
                return cls(
                    cached[0],
                    cached[1],
                    tokenizer,
                    cached[2],
                    models=models,
                    expander_cache=_expander_path(paths.cache_dir, key),
                )
        catalog = load_catalog(paths.data_dir / "aliases.toml")
        documents, problems = read_corpus(paths.corpus_dir, catalog)
        documents, unindexable = screen(documents, tokenizer)
        problems += unindexable
        library = cls(
            documents,
            problems,
            tokenizer,
            progress=progress,
            models=models,
            expander_cache=_expander_path(paths.cache_dir, key) if paths.cache_dir else None,
        )
        if paths.cache_dir is not None:
            # A read-only data dir only costs the next start a rebuild.
            with contextlib.suppress(OSError):
                cache.save(paths.cache_dir, key, documents, problems, library.index.bm25)
        return library

    @classmethod
    def load_stale(cls, paths: LibraryPaths) -> Library | None:
        """An older cached library, to answer with while the current corpus is indexed."""
        if paths.cache_dir is None:
            return None
        cached = cache.load_latest(paths.cache_dir)
        if cached is None:
            return None
        tokenizer = Tokenizer(Lexicon.from_dir(paths.data_dir), paths.cache_dir)
        models = Models.load(paths.data_dir / MODELS_FILE)
        return cls(cached[0], cached[1], tokenizer, cached[2], models=models)

    @classmethod
    def is_cached(cls, paths: LibraryPaths) -> bool:
        """Whether the current corpus is in the cache (so loading it is quick)."""
        if paths.cache_dir is None:
            return False
        key = cache.cache_key(
            corpus_files(paths.corpus_dir), paths.data_dir, TOKENIZER_VERSION + PARSER_VERSION
        )
        return (paths.cache_dir / key).is_dir()

    def document(self, doc_id: str) -> Document | None:
        """The document with this id."""
        return self._by_id.get(doc_id)

    def title(self, clause: Clause) -> str:
        """The title of the clause's document."""
        return self._by_id[clause.doc_id].title

    def short_name(self, clause: Clause) -> str:
        """The short name of the clause's document (数据二十条, 数字政府指导意见 …)."""
        doc = self._by_id[clause.doc_id]
        return doc.short or doc.title

    def hit(self, clause: Clause, score: float = 1.0) -> Hit:
        """Wrap a clause as a result."""
        return Hit(clause, self.title(clause), score)

    # --- documents by name -------------------------------------------------------------

    def resolve(self, name: str) -> list[Document]:
        """Documents a name refers to: exact alias, alias containment, then fuzzy title."""
        return self.names.resolve(name)

    def mentioned(self, text: str) -> tuple[set[str], str]:
        """Documents named inside a question, and the question without those names."""
        return self.names.mentioned(text)

    # --- routing -----------------------------------------------------------------------

    def answer(self, text: str, k: int = 3, context_doc: str | None = None) -> Answer:
        """Route a message like the bot does: a clause reference is looked up, else searched.

        The question is folded and translated once here; every route reads that wording.
        """
        query = text.strip()
        head = query[:MAX_QUERY_CHARS]
        wording = read_question(head, self.tokenizer)
        cleaned = clean_folded(wording.folded)
        too_long = len(query) > MAX_QUERY_CHARS
        if not re.search(r"\w", query) or not (cleaned or too_long):
            return Answer(text, "search", "abstain", note="empty")
        if too_long:
            return self.search(head, k, original=text, note="too_long", wording=wording)
        ref = parse_cleaned(cleaned)
        if ref is not None:
            docs = self.names.resolve_folded(ref.doc_hint) if ref.doc_hint else []
            if docs or not ref.doc_hint:
                return self.lookup_ref(ref, text, docs, context_doc)
        by_heading = self._heading_answer(cleaned, text)
        if by_heading is not None:
            return by_heading
        card = self._document_answer(cleaned, text)
        if card is not None:
            return card
        return self.search(query, k, original=text, wording=wording)

    def lookup(self, text: str, context_doc: str | None = None) -> Answer:
        """Look up a reference (the /clause command); anything else is not_found."""
        ref = parse_ref(text)
        if ref is None:
            by_heading = self._heading_answer(clean_query(text), text)
            if by_heading is not None:
                return by_heading
            return Answer(text, "lookup", "not_found", note="empty" if not text.strip() else "")
        docs = self.names.resolve_folded(ref.doc_hint) if ref.doc_hint else []
        if ref.doc_hint and not docs:
            return Answer(text, "lookup", "not_found", note="unknown_doc")
        return self.lookup_ref(ref, text, docs, context_doc)

    def lookup_ref(
        self, ref: ClauseRef, text: str, docs: list[Document], context_doc: str | None = None
    ) -> Answer:
        """Resolve a parsed reference against the named, contextual or all documents."""
        if not docs and context_doc and context_doc in self._by_id:
            context = self._by_id[context_doc]
            if self.numbers.within(context, ref):
                docs = [context]
        if docs:
            found = [(d, self.numbers.within(d, ref)) for d in docs]
        else:
            # Only documents numbered that far are looked in, not the whole corpus.
            found = [
                (self.documents[p], self.numbers.find(p, ref)) for p in self.numbers.holding(ref)
            ]
        found = [(d, clauses) for d, clauses in found if clauses]
        if len(found) == 1:
            return Answer(text, "lookup", "ok", tuple(self.hit(c) for c in found[0][1]))
        if len(found) > 1:
            return Answer(
                text, "lookup", "ok", tuple(self.hit(cs[0]) for _, cs in found), note="ambiguous"
            )
        if len(docs) == 1:
            near = self.numbers.nearest(docs[0], ref)
        else:
            near = (
                _closest_per_doc(self.numbers, docs, ref) if docs else self.numbers.closest(ref, 6)
            )
        return Answer(
            text, "lookup", "not_found", suggestions=tuple(self.hit(c, 0.0) for c in near[:6])
        )

    def _document_answer(self, cleaned: str, text: str) -> Answer | None:
        """The document's card when the message (cleaned, so folded) is just a document's name."""
        name = strip_name_marks(cleaned)
        if not name or len(name) > 40:
            return None
        docs = self.names.resolve_folded(name)
        if len(docs) != 1 or not self.names.names(name, docs[0]):
            return None
        doc = docs[0]
        hits = tuple(self.hit(c) for c in doc.clauses[:1])
        card = document_card(doc, clause_table.chapters(doc.clauses))
        return Answer(text, "lookup", "ok", hits, note="document", card=card)

    def _heading_answer(self, cleaned: str, text: str) -> Answer | None:
        """A lookup answer when the query names clauses by their headings."""
        clauses = self._heading_ref(cleaned)
        return Answer(text, "lookup", "ok", tuple(map(self.hit, clauses))) if clauses else None

    def _heading_ref(self, cleaned: str) -> list[Clause]:
        """Clauses addressed by headings, e.g. 总体要求 主要目标 (optionally after a name)."""
        parts = [p for p in re.split(r"[\s、，,/>›→-]+", cleaned) if p]
        if len(parts) < 2 or len(parts) > 4:
            return []
        docs = self.names.resolve_folded(parts[0])
        wanted = parts[1:] if docs else parts
        keys = [strip_name_marks(p) for p in wanted]  # cleaned, so already folded
        within = [self._spans[d.doc_id] for d in docs] if docs else None
        return [self.clauses[p] for p in self.headings.find(keys, within, 3)]

    def prepare(self, query: str, wording: Wording | None = None) -> tuple[Query, set[str]]:
        """The prepared question and the documents it names; `wording` when already read."""
        wording = wording or read_question(query, self.tokenizer)
        mentioned, rest = self.names.mentioned_folded(wording.translated)
        return (
            prepare(wording, self.tokenizer, self.expander, rest, self.models.expansion),
            mentioned,
        )

    def search(
        self,
        query: str,
        k: int = 3,
        original: str | None = None,
        note: Note = "",
        wording: Wording | None = None,
    ) -> Answer:
        """BM25 candidates reranked by a linear model; a logistic model decides abstaining.

        Optional channels (embeddings, an LLM rewrite) are fused in by reciprocal rank.
        """
        text = original if original is not None else query
        prepared, mentioned = self.prepare(query, wording)
        ranking = self.index.search(prepared, mentioned, self.models, n=max(k * 5, 20))
        if not ranking.answers:
            return Answer(text, "search", "abstain", note=note, terms=prepared.highlight)
        scores = {c.position: c.score for c in ranking.candidates}
        order = self._fused([c.position for c in ranking.candidates], query, k)
        hits = tuple(
            self.hit(self.clauses[p], round(scores.get(p, 0.0), 4))
            for p in self.index.distinct(order, k)
        )
        return Answer(text, "search", "ok", hits, note=note, terms=prepared.highlight)

    def _fused(self, ranking: list[int], query: str, k: int) -> list[int]:
        """BM25's ranking fused with the optional channels' rankings (RRF), BM25 first."""
        rankings = [ranking]
        if self.semantic is not None:
            semantic = self.semantic.rank(query, max(k * 5, 20))
            if semantic:
                rankings.append(list(semantic))
        if self.rewriter is not None:
            rewritten = self.rewriter.rewrite(query)
            if rewritten and rewritten != query:
                prepared, mentioned = self.prepare(rewritten)
                extra = self.index.candidates(prepared, mentioned, self.models, n=max(k * 5, 20))
                rankings.append([c.position for c in extra])
        return ranking if len(rankings) == 1 else reciprocal_rank_fusion(rankings)


def _expander_path(cache_dir: Path, key: str) -> Path:
    return cache_dir / f"expander-{EXPANDER_VERSION}-{key}.json"


def _closest_per_doc(numbers: Numbers, docs: list[Document], ref: ClauseRef) -> list[Clause]:
    out: list[Clause] = []
    for doc in docs:
        out.extend(numbers.nearest(doc, ref)[:2])
    return out
