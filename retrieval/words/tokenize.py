"""Text normalisation and jieba tokenisation with our user dictionary, stop words and synonyms."""

from __future__ import annotations

import contextlib
import hashlib
import json
import marshal
import math
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import jieba
import zhconv

from retrieval.integrity import cache_directory, discard, intact, seal, sidecar, verified_bytes
from retrieval.words.expansion import EN_STOPWORDS, lemma
from retrieval.words.normalize import Folded, fold_for_search

_SENTENCE = re.compile(r"[^。！？；\n]*(?:[。！？；\n]+|$)")
_BREAKS = frozenset("。！？；\n")  # what ends a _SENTENCE
_MEMO_SIZE = 200_000
_PUNCT_ONLY = re.compile(r"^[\W_]+$", re.U)
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]{2,}")
_CJK_WORD = re.compile(r"^[\u4e00-\u9fff]+$")
_LEXICON_FORMAT = "1"  # of the folded lexicon cached beside the index


@dataclass(frozen=True, slots=True)
class Lexicon:
    """The data files that shape tokenisation (config/data)."""

    userdict: Path | None = None
    stopwords: frozenset[str] = frozenset()
    synonyms: tuple[tuple[str, ...], ...] = ()
    glossary: tuple[tuple[str, str], ...] = ()
    # The curated colloquial → official lexicon (lexicon/*.txt): same format as synonyms.txt,
    # its own fitted weight, and it stands in for a word rather than being the word.
    curated: tuple[tuple[str, ...], ...] = ()
    # Learned question word → clause word translations with their probability (bridge.tsv).
    bridge: tuple[tuple[str, str, float], ...] = ()

    @classmethod
    def from_dir(cls, directory: Path, cache_dir: Path | None = None) -> Lexicon:
        """Load userdict.txt, stopwords.txt, synonyms.txt plus lexicon/*.txt, glossary_en.txt
        plus lexicon/glossary_en_*.txt, and bridge.tsv, those present; with `cache_dir`, as
        folded there the last time these files were read (folding 20k words through zhconv
        took a third of a cold start)."""
        if cache_dir is None:
            return cls._read(directory)
        hasher = hashlib.sha256(f"{_LEXICON_FORMAT} zhconv {zhconv.zhconv.__version__}".encode())
        for path in [directory / "userdict.txt", *cls._files(directory)]:
            hasher.update(f"\0{path.relative_to(directory)}\0".encode())
            with contextlib.suppress(OSError):
                hasher.update(path.read_bytes())
        cached = cache_dir / f"lexicon-{hasher.hexdigest()[:20]}.json"
        if cached.exists():
            lexicon = None
            if intact(cached):
                with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
                    lexicon = cls._from_json(cached.read_text(encoding="utf-8"), directory)
            if lexicon is not None:
                return lexicon
            discard(cached, "checksum mismatch or unreadable")
        lexicon = cls._read(directory)
        with contextlib.suppress(OSError):  # a read-only data dir only costs the fold again
            cache_directory(cache_dir)
            partial = cached.with_suffix(f".{os.getpid()}.tmp")
            partial.write_text(lexicon._to_json(), encoding="utf-8")
            partial.replace(cached)
            seal(cached)
            for stale in cache_dir.glob("lexicon-*.json"):
                if stale != cached:
                    stale.unlink(missing_ok=True)
                    sidecar(stale).unlink(missing_ok=True)
        return lexicon

    @staticmethod
    def _files(directory: Path) -> list[Path]:
        """The files whose words are read (userdict.txt is handed to jieba as a path)."""
        return [
            directory / "stopwords.txt",
            directory / "synonyms.txt",
            directory / "glossary_en.txt",
            directory / "bridge.tsv",
            *sorted((directory / "lexicon").glob("*.txt")),
        ]

    def _to_json(self) -> str:
        return json.dumps(
            {
                "stopwords": sorted(self.stopwords),
                "synonyms": self.synonyms,
                "glossary": self.glossary,
                "curated": self.curated,
                "bridge": self.bridge,
            },
            ensure_ascii=False,
        )

    @classmethod
    def _from_json(cls, text: str, directory: Path) -> Lexicon:
        data = json.loads(text)
        userdict = directory / "userdict.txt"
        return cls(
            userdict=userdict if userdict.is_file() else None,
            stopwords=frozenset(data["stopwords"]),
            synonyms=tuple(tuple(line) for line in data["synonyms"]),
            glossary=tuple((phrase, terms) for phrase, terms in data["glossary"]),
            curated=tuple(tuple(line) for line in data["curated"]),
            bridge=tuple((source, target, float(p)) for source, target, p in data["bridge"]),
        )

    @classmethod
    def _read(cls, directory: Path) -> Lexicon:
        """The lexicon files read and folded."""
        userdict = directory / "userdict.txt"
        extra = sorted((directory / "lexicon").glob("*.txt"))
        glossaries = [directory / "glossary_en.txt"]
        glossaries += [p for p in extra if p.name.startswith("glossary_en")]
        glossary: dict[str, str] = {}
        for line in (ln for path in glossaries for ln in _lines(path)):
            phrase, _, terms = line.partition("=")
            # The first entry of a phrase wins: our own glossary before the added ones.
            if terms.strip():
                glossary.setdefault(phrase.strip().lower(), terms.strip())
        curated_files = [p for p in extra if not p.name.startswith("glossary_en")]
        bridge = []
        for line in _lines(directory / "bridge.tsv"):
            fields = line.split("\t")
            with contextlib.suppress(IndexError, ValueError):
                bridge.append(
                    (fold_for_search(fields[0]), fold_for_search(fields[1]), float(fields[2]))
                )
        return cls(
            userdict=userdict if userdict.is_file() else None,
            stopwords=frozenset(fold_for_search(w) for w in _lines(directory / "stopwords.txt")),
            synonyms=_expansion_lines([directory / "synonyms.txt"]),
            curated=_expansion_lines(curated_files),
            glossary=tuple(sorted(glossary.items(), key=lambda pair: -len(pair[0]))),
            bridge=tuple(bridge),
        )


def _expansion_lines(paths: list[Path]) -> tuple[tuple[str, ...], ...]:
    """Lines of "word formal formal…" (a word alone on its line expands to nothing)."""
    return tuple(
        tuple(fold_for_search(w) for w in line.split())
        for path in paths
        for line in _lines(path)
        if len(line.split()) >= 2
    )


_EN_WORD = re.compile(r"[a-z][a-z'-]*")


def _singular(text: str) -> str:
    """English words in their crude singular (ministries → ministry); other text unchanged."""
    return _EN_WORD.sub(lambda m: lemma(m.group()), text)


def _content_key(phrase: str) -> str:
    """A glossary phrase as its singular content words (factors of production → factor
    production)."""
    words = (lemma(w) for w in phrase.split() if w not in EN_STOPWORDS)
    return " ".join(w for w in words if w not in EN_STOPWORDS)


def _expansion_table(lines: Iterable[tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    """Word → its formal terms, lines of the same word merged, the word itself left out."""
    table: dict[str, tuple[str, ...]] = {}
    for word, *formal in lines:
        merged = dict.fromkeys((*table.get(word, ()), *formal))
        table[word] = tuple(f for f in merged if f != word)
    return table


def _lines(path: Path) -> list[str]:
    if not path.is_file():
        return []
    text = path.read_text(encoding="utf-8")
    return [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]


DICT_MIN_FREQ = 5
TOKENIZER_VERSION = f"jieba-{jieba.__version__}-min{DICT_MIN_FREQ}"


def compact_dictionary(work_dir: Path) -> Path:
    """jieba's dictionary without its rarest words (freq < 5), written once to work_dir.

    The full dictionary's 350k words take ~0.8 s to load at every start; the 137k words used
    here take a third of that. Index and queries always use this same dictionary.
    """
    path = work_dir / f"{TOKENIZER_VERSION}.dict.txt"
    if intact(path):
        return path
    if path.exists():
        discard(path, "checksum mismatch or missing")
    cache_directory(work_dir)
    source = Path(jieba.__file__).with_name("dict.txt")
    kept = [
        line
        for line in source.read_text(encoding="utf-8").splitlines()
        if line.strip() and int(line.split()[1]) >= DICT_MIN_FREQ
    ]
    partial = path.with_suffix(f".{os.getpid()}.tmp")
    partial.write_text("\n".join(kept) + "\n", encoding="utf-8")
    partial.replace(path)  # atomic: concurrent processes never read half a file
    seal(path)
    return path


def _load_prefix_cache(segmenter: jieba.Tokenizer, path: Path) -> bool:
    """Fill jieba's prefix dictionary from its marshal cache, as `initialize` would; False
    (a damaged file removed) when jieba must build it.

    jieba's own `marshal.load(file)` reads object by object through the file: 0.3 s for our
    179k prefixes, against 0.05 s for `marshal.loads` of the bytes, which are read anyway to
    check the checksum.
    """
    if not path.exists():
        return False
    data = verified_bytes(path)
    if data is None:
        discard(path, "checksum mismatch or missing")
        return False
    # jieba's own rule: the cache counts only when newer than its dictionary.
    with contextlib.suppress(OSError, ValueError, EOFError, TypeError):
        if path.stat().st_mtime > Path(segmenter.dictionary).stat().st_mtime:
            segmenter.FREQ, segmenter.total = marshal.loads(data)
            segmenter.initialized = True
            return True
    return False


class Tokenizer:
    """One jieba.Tokenizer of our own (never jieba's global one) plus the lexicon."""

    def __init__(self, lexicon: Lexicon, work_dir: Path | None = None) -> None:
        self.lexicon = lexicon
        work_dir = work_dir or Path(tempfile.gettempdir()) / "policybot"
        self.work_dir = work_dir  # worker processes load the same dictionary files
        self._jieba = jieba.Tokenizer(str(compact_dictionary(work_dir)))
        self._jieba.tmp_dir = str(work_dir)  # jieba's own prefix-dict cache goes beside it
        # jieba trusts its marshal cache when it loads at all: a bit-flip would silently change
        # every token, so the cache is checksummed like ours (and re-sealed after a rebuild).
        self._jieba.cache_file = f"{TOKENIZER_VERSION}.jieba.cache"
        prefix_cache = work_dir / self._jieba.cache_file
        if not _load_prefix_cache(self._jieba, prefix_cache):
            self._jieba.initialize()
            if prefix_cache.is_file() and not intact(prefix_cache):
                with contextlib.suppress(OSError):
                    seal(prefix_cache)
        if lexicon.userdict:
            # Pass an open file: given a path, jieba leaves the file open.
            with lexicon.userdict.open("rb") as fh:
                self._jieba.load_userdict(fh)
        self._expansions = _expansion_table(lexicon.synonyms)
        self._curated = _expansion_table(lexicon.curated)
        # Colloquial phrases are found in the question's text, not among its tokens: 拿不到工资
        # is no jieba word, and the user dictionary (which shapes the index) stays as it is.
        self._phrases = frozenset(
            w for w in (*self._expansions, *self._curated) if len(w) >= 2 and _CJK_WORD.match(w)
        )
        # Their beginnings of two characters or more: a question's text is walked forward
        # only while it could still be one (most places stop after two characters).
        self._phrase_starts = frozenset(w[:end] for w in self._phrases for end in range(2, len(w)))
        self.bridge: dict[str, tuple[tuple[str, float], ...]] = {}
        for source, target, probability in lexicon.bridge:
            self.bridge[source] = (*self.bridge.get(source, ()), (target, probability))
        self._log_total = math.log(self._jieba.total or 1)
        self._memo: dict[str, list[str]] = {}
        self._cuts: dict[str, tuple[str, ...]] = {}
        self._parts: dict[str, list[str]] = {}
        # One alternation, longest phrase first, over singular forms on both sides, so a plural
        # or possessive still matches its entry (clouds, ministries, ministry's).
        self._glossary_terms = {_singular(p): t for p, t in reversed(lexicon.glossary)}
        # The same entries keyed by their content words, for English coverage units.
        self.glossary: dict[str, tuple[str, ...]] = {
            _content_key(p): tuple(t.split()) for p, t in reversed(lexicon.glossary)
        }
        # Compiled on the first English question: an alternation of a few thousand phrases
        # takes ~0.1 s to compile, a sixth of a cold start that asks in Chinese.
        self._glossary: re.Pattern[str] | None = None

    def accelerate(self) -> bool:
        """Segment with jieba's best path in compiled code from now on (the same tokens);
        False when jieba-next is not installed. For whole-corpus builds and processes that
        answer many questions: its import (~0.15 s) outweighs one question's gain."""
        from retrieval.words.segmenter import CompiledRoute, compiled_route

        if isinstance(self._jieba, CompiledRoute):
            return True
        route = compiled_route(self._jieba)
        if route is None:
            return False
        self._jieba = CompiledRoute.from_jieba(self._jieba, route)
        return True

    def tokens(self, text: str) -> list[str]:
        """Search-mode jieba tokens of normalised text, without stop words and punctuation."""
        # A remembered text of one sentence (a question's stand-in terms, its words) is its
        # sentence's tokens: no split into sentences.
        remembered = self._memo.get(text)
        if remembered is not None and _BREAKS.isdisjoint(text):
            return list(remembered)
        return self._tokens(text, fold=True)

    def _tokens(self, text: str, fold: bool) -> list[str]:
        """Tokens sentence by sentence, each sentence folded first unless it already is.

        jieba never segments across 。！？；, so text is tokenised sentence by sentence and
        each sentence is remembered: repeated sentences (copies, boilerplate) cost nothing.
        """
        out: list[str] = []
        for sentence in _SENTENCE.findall(text):
            tokens = self._memo.get(sentence)
            if tokens is None:
                folded = fold_for_search(sentence) if fold else sentence
                tokens = [t for t in self._jieba.cut_for_search(folded) if self._keep(t)]
                if len(self._memo) >= _MEMO_SIZE:
                    self._memo.clear()
                self._memo[sentence] = tokens
            out.extend(tokens)
        return out

    def _keep(self, token: str) -> bool:
        token = token.strip()
        return bool(token) and not _PUNCT_ONLY.match(token) and token not in self.lexicon.stopwords

    def translate(self, folded: Folded) -> Folded:
        """Replace English policy phrases in folded text with their Chinese terms
        (glossary_en.txt, whose terms are written folded: the text stays folded)."""
        terms = self._glossary_terms
        if not terms or not re.search(r"[a-z]{3,}", folded):
            return folded
        glossary = self.glossary_pattern()
        return Folded(glossary.sub(lambda m: f" {terms[m.group(1)]} ", _singular(folded)))

    def glossary_pattern(self) -> re.Pattern[str]:
        """The English glossary's phrases as one expression, longest first: compiled when
        first needed (~0.1 s, so not at every start), or by `Library.warm`."""
        if self._glossary is None:
            phrases = sorted(self._glossary_terms, key=len, reverse=True)
            self._glossary = re.compile(rf"\b({'|'.join(map(re.escape, phrases))})\b")
        return self._glossary

    def own_tokens(self, translated: str) -> list[str]:
        """A translated (so already folded) question's own search tokens.

        Search mode is jieba's precise cut plus the dictionary's 2- and 3-grams of its longer
        words: the cut is taken from `segments`, which the question's coverage words and typo
        repair read too, so the question is segmented once, not twice.
        """
        out: list[str] = []
        for sentence in _SENTENCE.findall(translated):
            tokens = self._memo.get(sentence)
            if tokens is None:
                tokens = [t for t in self._search_mode(self.segments(sentence)) if self._keep(t)]
                if len(self._memo) >= _MEMO_SIZE:
                    self._memo.clear()
                self._memo[sentence] = tokens
            out.extend(tokens)
        return out

    def _search_mode(self, words: Iterable[str]) -> Iterator[str]:
        """jieba's cut_for_search (0.42.1) over precise-mode words, as it is written there."""
        freq = self._jieba.FREQ
        for w in words:
            if len(w) > 2:
                for i in range(len(w) - 1):
                    gram2 = w[i : i + 2]
                    if freq.get(gram2):
                        yield gram2
            if len(w) > 3:
                for i in range(len(w) - 2):
                    gram3 = w[i : i + 3]
                    if freq.get(gram3):
                        yield gram3
            yield w

    def query_tokens(self, translated: str) -> tuple[list[str], list[str]]:
        """A translated question's own tokens and the formal terms its lexicon phrases expand
        to."""
        own = self._tokens(translated, fold=False)
        seen = set(own)
        extra: list[str] = []
        for _, formal, _ in self.lexicon_phrases(translated, own):
            for term in formal:
                for part in self.tokens(term):
                    if part not in seen:
                        seen.add(part)
                        extra.append(part)
        return own, extra

    def segments(self, folded: str) -> tuple[str, ...]:
        """All precise-mode tokens of folded text, single characters and stop words included."""
        # Remembered: a question's words and typo repair both read its segmentation.
        cut = self._cuts.get(folded)
        if cut is None:
            if len(self._cuts) >= _MEMO_SIZE:
                self._cuts.clear()
            cut = self._cuts[folded] = tuple(self._jieba.cut(folded))
        return cut

    def lexicon_phrases(
        self, translated: str, own: Iterable[str] = ()
    ) -> list[tuple[str, tuple[str, ...], bool]]:
        """The lexicons' colloquial words in a question, each with its formal terms and whether
        it is from the curated lexicon: its own tokens, then longest-first phrases of its text
        (老板欠薪 before 欠薪)."""
        found: dict[str, None] = {}
        for token in own:
            if token in self._expansions or token in self._curated:
                found[token] = None
        phrases, starts = self._phrases, self._phrase_starts
        for run in _CJK_RUN.findall(translated):
            at, size = 0, len(run)
            while at < size - 1:
                # The longest phrase starting here: every shorter beginning of it is a start.
                longest, end = 0, at + 2
                while end <= size:
                    piece = run[at:end]
                    if piece in phrases:
                        longest = end
                    if piece not in starts:
                        break
                    end += 1
                if longest:
                    found[run[at:longest]] = None
                    at = longest
                else:
                    at += 1
        out = []
        for phrase in found:
            for table, curated in ((self._expansions, False), (self._curated, True)):
                if table.get(phrase):
                    out.append((phrase, table[phrase], curated))
        return out

    def words(self, folded: str) -> list[str]:
        """Precise-mode words of at least two characters of folded text (the units coverage
        is judged on)."""
        return [w for w in self.segments(folded) if len(w) >= 2 and self._keep(w)]

    def cut(self, folded: str) -> list[str]:
        """Precise-mode words of folded text, single characters and stop words kept
        (a title's words, for the abbreviations derived from it)."""
        return [w for w in self._jieba.cut(folded) if w.strip()]

    def dictionary_cut(self, folded: str) -> list[str]:
        """Dictionary words only (no HMM): 反洗钱法里 is 反洗钱/法/里, where the HMM joins 法里
        (where a title ends is read from this)."""
        return [w for w in self._jieba.cut(folded, HMM=False) if w]

    def parts(self, word: str) -> list[str]:
        """A word and the shorter dictionary words inside it (search-mode segmentation)."""
        # Remembered: the same words (数据, 政府 …) come back in question after question.
        parts = self._parts.get(word)
        if parts is None:
            if len(self._parts) >= _MEMO_SIZE:
                self._parts.clear()
            parts = self._parts[word] = [
                t for t in self._jieba.cut_for_search(word) if self._keep(t)
            ]
        return list(parts)

    def expansions(self, word: str) -> tuple[str, ...]:
        """The formal terms a colloquial word stands for (synonyms.txt)."""
        return self._expansions.get(word, ())

    def known(self, words: Iterable[str]) -> list[str]:
        """The words that are in the dictionary (jieba's or ours), not search-mode fragments."""
        return [w for w in words if len(w) == 1 or self._jieba.FREQ.get(w)]

    def informativeness(self, token: str) -> float:
        """General-language IDF of a word from jieba's dictionary; unseen words score highest."""
        freq = self._jieba.FREQ.get(token) or 1
        return max(1.0, self._log_total - math.log(freq))
