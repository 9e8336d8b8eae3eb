"""The one API the bot and the CLI use: answer a message, look up a reference, browse."""

from __future__ import annotations

import contextlib
import functools
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path, PurePath
from typing import TYPE_CHECKING

from retrieval.documents.catalog import grams_covered, load_catalog, name_grams
from retrieval.documents.names import Names, spread_in
from retrieval.documents.naming import (
    core_title,
    english_titles,
    looks_like_title,
    name_documents,
    named_titles,
)
from retrieval.listing import corpus_files
from retrieval.lookup.card import document_card
from retrieval.lookup.clauses import Numbers
from retrieval.lookup.headings import Headings
from retrieval.lookup.refs import Cleaned, clean_query, parse_ref
from retrieval.model import (
    Answer,
    Clause,
    ClauseRef,
    CorpusProblem,
    Document,
    Hit,
    Mode,
    Note,
)
from retrieval.question import asks
from retrieval.question.query import Query, Wording, prepare, read_question
from retrieval.reading.formats import PARSER_VERSION
from retrieval.search.bm25 import Scope, SparseBM25
from retrieval.search.confidence import sure
from retrieval.search.fusion import QueryRewriter, SemanticChannel, reciprocal_rank_fusion
from retrieval.search.index import Index, Ranking, index_text
from retrieval.search.ranking import DEFAULT_MODELS, Models
from retrieval.search.screen import screen
from retrieval.storage import cache, clause_table, snapshot
from retrieval.words.expansion import EXPANDER_VERSION, Expander
from retrieval.words.normalize import Folded, fold_for_search, strip_name_marks, use_tables
from retrieval.words.tokenize import TOKENIZER_VERSION, Lexicon, Tokenizer

if TYPE_CHECKING:  # building from the files: imported when a start finds no cache
    from retrieval import patch
    from retrieval.documents.citations import Citation, Citations
    from retrieval.search.related import Relations
    from retrieval.storage import segments

MAX_QUERY_CHARS = 500
_HEADING_ASK = re.compile(r"(?:有哪些|是哪些|包括哪些|包括什么|有什么|是什么|是啥|指什么)$")
_NAME_GAP = r"[\s《》〈〉“”\"'：:·]*"  # what strip_name_marks drops between a name's characters
_HEADING_NOISE = re.compile(r"^[\s的之中里]+|[\s的]+$")
Progress = Callable[[int, int], None]  # (clauses indexed, total)
MODELS_FILE = "ranking.json"
# From this many clauses a first build makes its expander in a forked process beside the
# index arrays (words/expander_beside.py); below, the fork and the read-back cost more.
EXPANDER_BESIDE_MIN_CLAUSES = 5_000
VERSIONS = TOKENIZER_VERSION + PARSER_VERSION  # what shapes a cache and a segment
ENGLISH_TITLES = "titles_en.txt"


@dataclass(frozen=True, slots=True)
class _Titles:
    """Current documents with their names' bigrams, and the documents holding each bigram."""

    docs: list[Document]
    grams: list[list[set[str]]]
    by_gram: dict[str, list[int]]
    cores: list[str]  # each title without issuer, 中华人民共和国 and edition marks


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
        expander: Expander | None = None,
        expander_from: Expander | None = None,
        snapshots: Path | None = None,
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
        # Names normalised once here: a question never scans the corpus.
        if table is None:
            self.names = Names(documents)
        elif snapshots is None:
            self.names = Names(documents, table.fold)
        else:  # `snapshots`: the cache's directory, which keeps them made once
            self.names = snapshot.names(snapshots, documents, table.fold)
        self._table = table  # what the heading and clause-number indexes are read from
        self._spans: dict[str, tuple[int, int]] = {}
        start = 0
        for doc in documents:
            self._spans[doc.doc_id] = (start, start + len(doc.clauses))
            start += len(doc.clauses)
        # Superseded editions answer only when named (会计法2017年): searching skips them.
        self._current: Scope | None = (
            Scope.of(self._spans[d.doc_id] for d in documents if not d.superseded)
            if any(d.superseded for d in documents)
            else None
        )
        total = len(self.clauses)
        self.index = Index(
            self.clauses,
            tokenizer,
            bm25,
            (lambda done: progress(done, total)) if progress else None,
            kinds={d.doc_id: d.kind for d in documents},
            titles={d.doc_id: d.title for d in documents},
        )

        def vocabulary() -> Iterator[str]:
            # Read only when the expander is built, not when it comes from the cache.
            yield from tokenizer.known(self.index.bm25.vocab)

        self._unsaved: Path | None = None  # where a patched expander is to be written
        if expander is not None:  # the previous library's, for the same dictionary words
            self.expander = expander
        elif expander_cache is None:
            self.expander = Expander.build(vocabulary())
        elif expander_from is not None:
            # Patched from the previous library's; written by persist(), after answering.
            found = Expander.read(expander_cache)
            self.expander = found or expander_from.patched(vocabulary(), expander_cache.parent)
            self._unsaved = None if found else expander_cache
        else:
            self.expander = Expander.cached(expander_cache, vocabulary())
        self.models = models or DEFAULT_MODELS
        self.semantic: SemanticChannel | None = None
        self.rewriter: QueryRewriter | None = None
        self._citations: Citations | None = None
        self._relations: Relations | None = None
        self._title_grams: _Titles | None = None
        self.segmented = 0  # files parsed and segmented to make this library (not kept ones)
        self.patched = False  # made by patching the previous library's cache (patch.py)
        # How many problems came from reading files, merging copies and the screen.
        self.problem_parts = (len(problems), 0, 0)
        # This library as its cache holds it (clauses as columns): what a patch starts from.
        self.held: cache.Held | None = None
        self.key = ""  # the cache key of the corpus it was made from ("" without a cache)

    @functools.cached_property
    def headings(self) -> Headings:
        """Clauses by their headings, indexed on the first question naming one (most never
        do: a start answering one question skips ~35 ms of the big library's)."""
        table = self._table
        if table is None:
            return Headings(self.clauses)
        return Headings.grouped(table.heading_groups(), table.fold)

    @functools.cached_property
    def numbers(self) -> Numbers:
        """Clauses by their numbers, indexed on the first reference or citation asked for."""
        table = self._table
        return Numbers(self.documents, table.carrying() if table is not None else None)

    def warm(self) -> None:
        """Ready now what a process answering many questions wants: the indexes left to the
        first question needing them, and jieba's compiled best path (a question's
        segmentation ~2x faster; its import would outweigh the gain for one question), and
        the patterns a question of some kind or in English would first compile (~0.15 s),
        and the titles' bigrams title-shaped names are checked against (~40 ms, 1,500 laws)."""
        _ = self.headings, self.numbers, self._titles()
        self.tokenizer.accelerate()
        self.tokenizer.glossary_pattern()
        asks.compile_all()

    def persist(self) -> None:
        """Write what a patched library left unwritten to answer sooner (its expander)."""
        if self._unsaved is not None:
            self.expander.save(self._unsaved)
            self._unsaved = None

    def attach(
        self, semantic: SemanticChannel | None = None, rewriter: QueryRewriter | None = None
    ) -> None:
        """Plug in optional channels (embeddings, LLM rewrites) fused with BM25 by RRF."""
        self.semantic, self.rewriter = semantic, rewriter

    @classmethod
    def load(
        cls,
        paths: LibraryPaths,
        progress: Progress | None = None,
        workers: int | None = None,
        previous: Library | None = None,
    ) -> Library:
        """The library from the cache when the corpus is unchanged; patched from the previous
        cache when a few files changed (patch.py); else merged from its files' segments: only
        files without a kept segment are parsed and segmented (in `workers` processes when
        many; all cores by default). `previous`, the library answering now, lends its
        tokenizer and expander when the lexicon and the dictionary words are the same."""
        if paths.cache_dir is not None:
            use_tables(paths.cache_dir)
        lexicon = Lexicon.from_dir(paths.data_dir, paths.cache_dir)
        same = previous is not None and previous.tokenizer.lexicon == lexicon
        tokenizer = (
            previous.tokenizer
            if previous is not None and same
            else Tokenizer(lexicon, paths.cache_dir)
        )
        models = Models.load(paths.data_dir / MODELS_FILE)
        key = ""
        files = corpus_files(paths.corpus_dir)
        attempt: patch.Attempt | None = None
        if paths.cache_dir is not None:
            key = cache.cache_key(files, paths.data_dir, VERSIONS, paths.cache_dir / cache.STAMPS)
            cached = cache.load(paths.cache_dir, key)
            if cached is None:
                from retrieval import patch  # the corpus changed: parsers, segments, the patch

                attempt = patch.patch_cache(
                    paths.cache_dir,
                    key,
                    paths.corpus_dir,
                    files,
                    paths.data_dir,
                    VERSIONS,
                    tokenizer,
                    workers,
                    lambda at: _expander_path(paths.cache_dir or Path(), at),
                    previous.held if previous is not None else None,
                )
                cached = attempt.library
            if cached is not None:
                lent = (
                    previous.expander
                    if attempt is not None
                    and previous is not None
                    and previous.held is not None
                    and previous.held.key == attempt.base
                    else None
                )
                library = cls(
                    cached[0],
                    cached[1],
                    tokenizer,
                    cached[2],
                    models=models,
                    expander_cache=_expander_path(paths.cache_dir, key),
                    expander=lent if attempt is not None and attempt.same_words else None,
                    expander_from=lent,
                    snapshots=paths.cache_dir / key,
                )
                library.segmented = attempt.segmented if attempt is not None else 0
                library.patched = attempt is not None and attempt.written
                library.key = key
                if attempt is not None and previous is not None and previous.key == attempt.base:
                    library.carry_citations(previous, attempt.touched)
                library.held = cache.Held(key, cached)
                return library
        from retrieval.storage import segments  # the parsers and worker processes

        store = paths.cache_dir / segments.FOLDER if paths.cache_dir is not None else None
        found = segments.segment_corpus(
            paths.corpus_dir, files, tokenizer, paths.data_dir, VERSIONS, store, workers
        )
        library = cls.merged(
            found.segments,
            paths.data_dir,
            tokenizer,
            models,
            progress,
            _expander_path(paths.cache_dir, key) if paths.cache_dir else None,
        )
        library.segmented = found.segmented + (attempt.segmented if attempt is not None else 0)
        library.key = key
        if paths.cache_dir is not None and store is not None:
            sources = cache.Sources(
                tuple((s.source, s.key) for s in found.segments), library.problem_parts
            )
            # A read-only data dir only costs the next start a rebuild.
            with contextlib.suppress(OSError):
                cache.save(
                    paths.cache_dir,
                    key,
                    library.documents,
                    library.problems,
                    library.index.bm25,
                    sources,
                )
                segments.prune(store, (s.key for s in found.segments))
        return library

    @classmethod
    def merged(
        cls,
        parts: Sequence[segments.Segment],
        data_dir: Path,
        tokenizer: Tokenizer,
        models: Models | None = None,
        progress: Progress | None = None,
        expander_cache: Path | None = None,
    ) -> Library:
        """The library of a corpus's segments (in file order): copies merged into documents,
        named and screened, and the BM25 index built from the kept token counts."""
        from retrieval.corpus import assemble
        from retrieval.storage import segments

        catalog = load_catalog(data_dir / "aliases.toml")
        copies = [c for part in parts for c in part.copies]
        documents, problems = assemble(
            copies, [p for part in parts for p in part.problems], catalog
        )
        english = english_titles(data_dir / ENGLISH_TITLES)
        documents = name_documents(documents, tokenizer.cut, english)
        documents, unindexable = screen(documents, tokenizer)
        counted = {text: counts for part in parts for text, counts in part.texts()}

        def counts(clause: Clause) -> segments.Counts:
            text = index_text(clause)
            return counted.get(text) or segments.Counts.of(tokenizer.tokens(text))

        every = [counts(c) for d in documents for c in d.clauses]
        total = len(every)
        building = None
        if expander_cache is not None and total >= EXPANDER_BESIDE_MIN_CLAUSES:
            from retrieval.words import expander_beside

            words = {t for found in every for t in found.terms}
            building = expander_beside.start(expander_cache, tokenizer.known(words))
        bm25 = SparseBM25.from_counts(
            ((found.terms, found.tfs, found.length) for found in every),
            (lambda done: progress(done, total)) if progress else None,
        )
        if building is not None:
            expander_beside.finish(building)
        library = cls(
            documents,
            problems + unindexable,
            tokenizer,
            bm25,
            models=models,
            expander_cache=expander_cache,
        )
        read = sum(len(part.problems) for part in parts)
        library.problem_parts = (read, len(problems) - read, len(unindexable))
        return library

    @classmethod
    def load_stale(cls, paths: LibraryPaths) -> Library | None:
        """An older cached library, to answer with while the current corpus is indexed."""
        if paths.cache_dir is None:
            return None
        cached = cache.load_latest(paths.cache_dir)
        if cached is None:
            return None
        use_tables(paths.cache_dir)
        lexicon = Lexicon.from_dir(paths.data_dir, paths.cache_dir)
        tokenizer = Tokenizer(lexicon, paths.cache_dir)
        models = Models.load(paths.data_dir / MODELS_FILE)
        return cls(cached[0], cached[1], tokenizer, cached[2], models=models)

    @classmethod
    def is_cached(cls, paths: LibraryPaths) -> bool:
        """Whether the current corpus is in the cache (so loading it is quick)."""
        if paths.cache_dir is None:
            return False
        key = cache.cache_key(
            corpus_files(paths.corpus_dir),
            paths.data_dir,
            VERSIONS,
            paths.cache_dir / cache.STAMPS,
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

    def cites(self, clause: Clause) -> tuple[Citation, ...]:
        """The clauses this clause's text refers to (read once per clause)."""
        return self.citations.cites(clause)

    def cited_by(self, clause: Clause) -> list[Citation]:
        """The clauses whose text refers to this one (all clauses read on the first call)."""
        return self.citations.cited_by(clause)

    @property
    def citations(self) -> Citations:
        """References between clauses, read lazily: most answers never need them."""
        if self._citations is None:
            from retrieval.documents.citations import Citations  # imported by the few that ask

            self._citations = Citations(self.documents, self.resolve, self.numbers.within)
        return self._citations

    def carry_citations(self, previous: Library | None, touched: frozenset[str]) -> None:
        """Take over the references `previous` read, for the documents this library patched
        from it holds unchanged (no source among the `touched` files)."""
        if previous is None or previous._citations is None or self._citations is not None:
            return
        kept = frozenset(d.doc_id for d in self.documents if touched.isdisjoint(d.sources))
        carried = previous._citations.carried(kept)
        if carried is not None:
            self._citations = type(previous._citations)(
                self.documents, self.resolve, self.numbers.within, carried
            )

    def related(self, clause: Clause) -> list[Clause]:
        """The clauses of other documents that treat the same matter, most alike first
        (every clause's are computed on the first call)."""
        start, _ = self._spans[clause.doc_id]
        return [self.clauses[r.position] for r in self.relations.of(start + clause.ordinal)]

    def link_clauses(self) -> None:
        """Read every reference between clauses and compute every clause's related clauses
        (1,500 laws: 0.3 s and about 2 s), so the buttons that show them are lookups."""
        self.citations.build()
        self.relations.build()

    @property
    def relations(self) -> Relations:
        """Related clauses across documents, computed once for the library when first asked."""
        if self._relations is None:
            from retrieval.search.related import library_relations  # as citations above

            self._relations = library_relations(self.index.bm25, self.documents)
        return self._relations

    # --- documents by name -------------------------------------------------------------

    def resolve(self, name: str) -> list[Document]:
        """Documents a name (as typed) refers to: a document id as /docs lists it (民法典-2 when
        files share a title), exact alias, alias containment, then fuzzy title."""
        key = fold_for_search(name)
        by_id = self._by_id.get(name.strip())
        # An id that is no name of its document (民法典-2, 会计法@2017-11-04) picks that one;
        # an id that is also a name (民法典) still means every document of that name.
        if by_id is not None and not self.names.names(strip_name_marks(key), by_id):
            return [by_id]
        return self.names.resolve(key)

    def mentioned(self, text: str) -> tuple[set[str], str]:
        """Documents named inside a question (as typed), and the question, folded, without
        those names."""
        return self.names.mentioned(fold_for_search(text))

    # --- routing -----------------------------------------------------------------------

    def answer(
        self, text: str, k: int = 3, context_doc: str | None = None, chosen: str | None = None
    ) -> Answer:
        """Route a message like the bot does: a clause reference is looked up, else searched.

        The question is folded and translated once here; every route reads that wording.
        A name several documents answer to is asked about (status "ambiguous"); `chosen`, the
        id of one of them, answers the same message as if it had named that one.
        """
        if chosen is not None:
            settled = self._settle(text, chosen)
            if settled is not None:
                return replace(self.answer(settled, k, context_doc), query=text)
        query = text.strip()
        head = query[:MAX_QUERY_CHARS]
        wording = read_question(head, self.tokenizer)
        cleaned = clean_query(wording.folded)
        too_long = len(query) > MAX_QUERY_CHARS
        if not re.search(r"\w", query) or not (cleaned or too_long):
            return Answer(text, "search", "abstain", note="empty")
        if too_long:
            return self.search(head, k, original=text, note="too_long", wording=wording)
        ref = parse_ref(cleaned)
        if ref is not None and ref.doc_hint:
            shared = self.names.shared(strip_name_marks(ref.doc_hint))
            if shared:
                return self.ambiguous(strip_name_marks(ref.doc_hint), shared, text, "lookup")
        if ref is None:
            name, shared = self.names.shared_in(wording.folded)
            if shared:
                bare = name == strip_name_marks(cleaned)
                return self.ambiguous(name, shared, text, "lookup" if bare else "search")
        if ref is not None:
            docs = self.names.resolve(ref.doc_hint) if ref.doc_hint else []
            named = self.names.beyond(strip_name_marks(ref.doc_hint), docs) if docs else None
            if named == []:
                return self.not_in_library(ref.doc_hint, text)
            docs = named or docs
            if docs or not ref.doc_hint:
                return self.lookup_ref(ref, text, docs, context_doc)
            if looks_like_title(ref.doc_hint):
                return self.not_in_library(ref.doc_hint, text)
        missing = self._missing_title(wording.folded)
        if missing:
            return self.not_in_library(missing, text)
        by_heading = self._heading_answer(cleaned, text)
        if by_heading is not None:
            return by_heading
        card = self._document_answer(cleaned, text)
        if card is not None:
            return card
        return self.search(query, k, original=text, wording=wording)

    def lookup(self, text: str, context_doc: str | None = None) -> Answer:
        """Look up a reference (the /clause command); anything else is not_found."""
        cleaned = clean_query(fold_for_search(text))
        ref = parse_ref(cleaned)
        if ref is None:
            by_heading = self._heading_answer(cleaned, text)
            if by_heading is not None:
                return by_heading
            return Answer(text, "lookup", "not_found", note="empty" if not text.strip() else "")
        shared = self.names.shared(strip_name_marks(ref.doc_hint)) if ref.doc_hint else []
        if shared:
            return self.ambiguous(strip_name_marks(ref.doc_hint), shared, text, "lookup")
        docs = self.names.resolve(ref.doc_hint) if ref.doc_hint else []
        named = self.names.beyond(strip_name_marks(ref.doc_hint), docs) if docs else None
        if named == []:
            return self.not_in_library(ref.doc_hint, text)
        docs = named or docs
        if ref.doc_hint and not docs:
            if looks_like_title(ref.doc_hint):
                return self.not_in_library(ref.doc_hint, text)
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

    def not_in_library(self, name: str, text: str) -> Answer:
        """「库中没有《…》」: the document asked for is not loaded; the closest titles loaded
        come as suggestions (their first clause), never a clause answering for it."""
        key = strip_name_marks(name)
        titles = self._titles()
        wanted = name_grams(key)
        # Only titles sharing a bigram with the name are close: padding with unrelated titles
        # (数字政府 for 劳动合同法) would read as a suggestion that they answer it.
        sharing = sorted({p for gram in wanted for p in titles.by_gram.get(gram, ())})
        ranked = sorted(
            sharing,
            key=lambda p: -max(grams_covered(wanted, g) for g in titles.grams[p]),
        )[:3]
        closest = [titles.docs[p] for p in ranked]
        hints = tuple(self.hit(d.clauses[0], 0.0) for d in closest if d.clauses)
        return Answer(text, "lookup", "not_in_library", suggestions=hints, missing=key)

    def ambiguous(self, name: str, docs: list[Document], text: str, mode: Mode) -> Answer:
        """「…」 names several documents: which one? Each comes as a suggestion (its first
        clause, score 0), never one of them guessed."""
        hints = tuple(self.hit(d.clauses[0], 0.0) for d in docs if d.clauses)
        return Answer(text, mode, "ambiguous", suggestions=hints, missing=name)

    def _settle(self, text: str, chosen: str) -> str | None:
        """The message with its shared name replaced by a name only the chosen document
        answers to; None when the message names no shared name of it."""
        doc = self._by_id.get(chosen)
        folded = fold_for_search(text)
        name, shared = self.names.shared_in(folded)
        if doc is None or doc not in shared:
            return None
        own = next(
            (
                n
                for n in sorted({core_title(doc.title), *doc.aliases, doc.title}, key=len)
                if self.names.resolve(fold_for_search(n)) == [doc]
            ),
            doc.title,
        )
        gaps = _NAME_GAP.join(map(re.escape, name))
        return re.sub(gaps, lambda _: own, folded, count=1)

    def _titles(self) -> _Titles:
        """The current documents' title and alias bigrams, read on the first 库中没有 answer
        (~40 ms a question among 1,500 laws when every title was read again)."""
        if self._title_grams is None:
            docs = [d for d in self.documents if not d.superseded]
            grams = [[name_grams(a) for a in (d.title, *d.aliases)] for d in docs]
            by_gram: dict[str, list[int]] = {}
            for position, sets in enumerate(grams):
                for gram in set().union(*sets):
                    by_gram.setdefault(gram, []).append(position)
            cores = [core_title(d.title) for d in docs]
            self._title_grams = _Titles(docs, grams, by_gram, cores)
        return self._title_grams

    def _shortens_a_title(self, key: str) -> bool:
        """Whether the name is a loaded title shortened as people do (期货条例 for 期货交易管理
        条例, 城建税法 for 城市维护建设税法): its characters in order, half of it or more, and
        the same ending. Searched then, not said to be missing."""
        titles = self._titles()
        ending = key[-2:] if key.endswith(("条例", "办法", "规定", "意见", "方案")) else key[-1:]
        for position in {p for gram in name_grams(key) for p in titles.by_gram.get(gram, ())}:
            core = titles.cores[position]
            if core.endswith(ending) and len(key) >= 0.5 * len(core) and spread_in(core, key):
                return True
        return False

    def _missing_title(self, folded: Folded) -> str:
        """A title the question names that no loaded document answers to, or ''."""
        squashed = strip_name_marks(folded)
        loaded = self.names.spans(squashed)
        for name in named_titles(folded, self.tokenizer.dictionary_cut):
            key = strip_name_marks(name)
            if _part_of_loaded(key, squashed, loaded):
                continue
            docs = self.names.resolve(key)
            if any(self.names.names(key, d) for d in docs) or self._shortens_a_title(key):
                continue
            found, rest = self.names.mentioned(key)
            # A loaded name inside it must be most of it, and not followed by what makes
            # another document: 劳动合同法实施条例 is not 劳动合同法.
            inside = [self._by_id[doc_id] for doc_id in sorted(found)]
            if (
                found
                and len(strip_name_marks(rest)) <= 0.4 * len(key)
                and self.names.beyond(key, inside) != []
            ):
                continue
            return key
        return ""

    def _document_answer(self, cleaned: Cleaned, text: str) -> Answer | None:
        """The document's card when the message (cleaned, so folded) is just a document's name."""
        name = strip_name_marks(cleaned)
        if not name or len(name) > 40 or not self.names.could_name(name):
            return None  # (a question with a character in no document's name: not resolved)
        docs = self.names.resolve(name)
        # Files with one title and no edition dates are parts of one document (the civil
        # code comes as a file per 编): one card for all of them.
        if not docs or len({d.title for d in docs}) != 1 or not self.names.names(name, docs[0]):
            return None
        doc = docs[0]
        hits = tuple(self.hit(c) for c in doc.clauses[:1])
        if len(docs) == 1:
            card = document_card(doc, clause_table.chapters(doc.clauses))
        else:  # each part's chapters under its file's name (婚姻家庭编 › 第一章 一般规定)
            chapters = [
                f"{PurePath(d.sources[0]).stem if d.sources else d.doc_id} › {c}"
                for d in sorted(docs, key=_first_article)
                for c in clause_table.chapters(d.clauses)
            ]
            card = document_card(doc, tuple(chapters))
            card = replace(card, clause_count=sum(len(d.clauses) for d in docs))
        return Answer(text, "lookup", "ok", hits, note="document", card=card)

    def _heading_answer(self, cleaned: Cleaned, text: str) -> Answer | None:
        """A lookup answer when the query names clauses by their headings."""
        clauses = self._heading_ref(cleaned)
        return Answer(text, "lookup", "ok", tuple(map(self.hit, clauses))) if clauses else None

    def _heading_ref(self, cleaned: Cleaned) -> list[Clause]:
        """Clauses addressed by headings, e.g. 总体要求 主要目标 (optionally after a name)."""
        parts = [Folded(p) for p in re.split(r"[\s、，,/>›→-]+", cleaned) if p]
        if len(parts) == 1:
            return self._named_heading(parts[0])
        if len(parts) < 2 or len(parts) > 4:
            return []
        docs = self.names.resolve(parts[0])
        wanted = parts[1:] if docs else parts
        keys = [strip_name_marks(p) for p in wanted]  # cleaned, so already folded
        within = [self._spans[d.doc_id] for d in docs] if docs else None
        return [self.clauses[p] for p in self.headings.find(keys, within, 3)]

    def _named_heading(self, cleaned: Folded) -> list[Clause]:
        """A heading asked for in a question naming one document: 数据二十条的总体要求是什么,
        公共数据意见的工作原则有哪些 → that heading's clause in that document."""
        found, rest = self.names.mentioned(cleaned)
        if len(found) != 1:
            return []
        rest = _HEADING_ASK.sub("", rest.strip())
        key = strip_name_marks(_HEADING_NOISE.sub("", rest))
        if not 2 <= len(key) <= 12:
            return []
        within = [self._spans[doc_id] for doc_id in found]
        return [self.clauses[p] for p in self.headings.find([key], within, 3)]

    def prepare(self, query: str, wording: Wording | None = None) -> tuple[Query, set[str]]:
        """The prepared question and the documents it names; `wording` when already read."""
        wording = wording or read_question(query, self.tokenizer)
        mentioned, rest = self.names.mentioned(wording.translated)
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
        """BM25 candidates reranked by a linear model; a two-parameter rule decides abstaining.

        An embedding channel is fused in by reciprocal rank; an LLM rewrite is asked for only
        when the answer is unsure or abstains (retrieval/search/confidence.py).
        """
        text = original if original is not None else query
        prepared, mentioned = self.prepare(query, wording)
        n = max(k * 5, 20)
        # A named document answers for itself when it holds an answer; else the library does.
        scope = [self._spans[doc_id] for doc_id in mentioned if doc_id in self._spans]
        scoped = (
            self.index.search(self._within_named(prepared), mentioned, self.models, n, scope)
            if scope
            else None
        )
        ranking = (
            scoped
            if scoped is not None and scoped.answers
            else self.index.search(prepared, mentioned, self.models, n, self._current)
        )
        terms = prepared.highlight
        rankings = [ranking]
        # The LLM rewrite is a fallback: a sure lexical answer never waits for it.
        asked = self.rewriter is not None and not sure(ranking)
        restated = self._restated(query, n) if asked else None
        if restated is not None:
            again, again_terms = restated
            if ranking.answers:
                rankings.append(again)  # unsure: the restatement's clauses are fused in
            elif again.answers:
                rankings = [again]  # the words alone found nothing; the restatement did
                terms = tuple(dict.fromkeys((*terms, *again_terms)))
        if not rankings[0].answers:
            return Answer(text, "search", "abstain", note=note, terms=terms)
        scores = {c.position: c.score for c in rankings[0].candidates}
        order = self._fused([[c.position for c in r.candidates] for r in rankings], query, k)
        hits = tuple(
            self.hit(self.clauses[p], round(scores.get(p, 0.0), 4))
            for p in self.index.distinct(order, k)
        )
        return Answer(text, "search", "ok", hits, note=note, terms=terms)

    def _within_named(self, prepared: Query) -> Query:
        """The question as searched inside the documents it names: the names' own words
        (农民专业合作社登记管理条例 in every clause of it) say which document, not which
        clause, so only the other words are scored (换发). A bare name keeps its words."""
        rest = set(self.tokenizer.tokens(" ".join(prepared.words)))
        terms = tuple((t, w) for t, w in prepared.terms if t in rest)
        return replace(prepared, terms=terms) if terms else prepared

    def _restated(self, query: str, n: int) -> tuple[Ranking, tuple[str, ...]] | None:
        """The ranking of the question as the rewriter restates it, and its highlight terms."""
        rewritten = self.rewriter.rewrite(query) if self.rewriter is not None else None
        if not rewritten or rewritten == query:
            return None
        prepared, mentioned = self.prepare(rewritten)
        return self.index.search(
            prepared, mentioned, self.models, n, self._current
        ), prepared.highlight

    def _fused(self, rankings: list[list[int]], query: str, k: int) -> list[int]:
        """The lexical rankings (the question's first) fused with the semantic channel's (RRF)."""
        if self.semantic is not None:
            semantic = self.semantic.rank(query, max(k * 5, 20))
            if semantic:
                rankings = [*rankings, list(semantic)]
        return rankings[0] if len(rankings) == 1 else reciprocal_rank_fusion(rankings)


_ABOUT = re.compile(r"^(?:关于|里|中|的)")


def _part_of_loaded(name: str, squashed: str, loaded: list[tuple[int, int]]) -> bool:
    """Whether a title-shaped name is a loaded document's name or a phrase about one: inside
    a loaded name (实施条例 of 外商投资法实施条例, 行为记分管理办法 of a title whose 违法 ends in
    法), or a loaded name followed by 关于…的规定 / 里 / 中 (民法典关于病情的规定)."""
    start = squashed.find(name)
    if start < 0:
        return False
    end = start + len(name)
    for s, e in loaded:
        if s <= start and end <= e:
            return True
        if s == start and e < end and _ABOUT.match(squashed[e:end]):
            return True
    return False


def _expander_path(cache_dir: Path, key: str) -> Path:
    return cache_dir / f"expander-{EXPANDER_VERSION}-{key}.json"


def _first_article(doc: Document) -> int:
    """Where a part of a document split into files starts: its first article's number."""
    for clause in doc.clauses[:5]:
        for level, number in clause.path:
            if level == "article":
                return number
    return sys.maxsize


def _closest_per_doc(numbers: Numbers, docs: list[Document], ref: ClauseRef) -> list[Clause]:
    out: list[Clause] = []
    for doc in docs:
        out.extend(numbers.nearest(doc, ref)[:2])
    return out
