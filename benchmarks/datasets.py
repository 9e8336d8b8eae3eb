"""The question sets and libraries answer quality is measured and fitted on (issue 22).

Laws are read from ../shared/laws at run time and copied, flattened, into the data directory;
nothing of them is committed. Libraries are cached like the bot's own (storage/cache.py), keyed
only by what shapes the index (corpus files, user dictionary, stop words, aliases), so refitting
ranking.json or the bridge does not re-index 1,500 laws.

Splits (fixed, never fitted on their test halves):
- STARD train (1,141 lay questions over the laws), split by query with seed 22: 80 % train,
  20 % test. STARD's own dev split is withheld.
- Generated questions (tests/fixtures/generated, see its PROVENANCE.md), split by document.
"""

from __future__ import annotations

import json
import random
import shutil
import tempfile
from pathlib import Path

from config.settings import LEXICON_DIR, PROJECT_ROOT
from retrieval.library import MODELS_FILE, Library
from retrieval.listing import corpus_files
from retrieval.reading.formats import PARSER_VERSION
from retrieval.search.ranking import Models
from retrieval.storage import cache
from retrieval.words.tokenize import TOKENIZER_VERSION, Lexicon, Tokenizer

SHARED = PROJECT_ROOT.parent / "shared"
LAWS = SHARED / "laws"
STARD = SHARED / "stard" / "train.jsonl"
DEV = SHARED / "eval" / "dev_qa.jsonl"
GENERATED = PROJECT_ROOT / "tests" / "fixtures" / "generated"
SEEDS = PROJECT_ROOT / "seeds"
FIXTURES = PROJECT_ROOT / "tests" / "fixtures"
WORK = PROJECT_ROOT / "data" / "quality"
STARD_SEED = 22
STARD_TEST_SHARE = 0.2
# The lexicon files that change how clauses are parsed and indexed (the rest is query-side).
INDEX_FILES = ("userdict.txt", "stopwords.txt", "aliases.toml")


def read_jsonl(path: Path) -> list[dict[str, object]]:
    """The items of a JSON Lines file (blank lines skipped)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def write_jsonl(items: list[dict[str, object]], path: Path) -> Path:
    """Write items as JSON Lines; returns the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items)
    path.write_text(text, encoding="utf-8")
    return path


def stard_split() -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """STARD train split by query (seed 22): (train 80 %, test 20 %)."""
    items = sorted(read_jsonl(STARD), key=lambda i: str(i["id"]))
    random.Random(STARD_SEED).shuffle(items)
    cut = round(len(items) * STARD_TEST_SHARE)
    return items[cut:], items[:cut]


def generated(split: str) -> list[dict[str, object]]:
    """The generated questions of one split ("train" or "test"); empty until assembled."""
    path = GENERATED / f"{split}.jsonl"
    return read_jsonl(path) if path.is_file() else []


def law_files(relative: set[str] | None = None) -> list[Path]:
    """All law files, or those at the given paths relative to the laws folder."""
    if relative is not None:
        return [LAWS / r for r in sorted(relative) if (LAWS / r).is_file()]
    return sorted(LAWS.rglob("*.md"))


def library(name: str, laws: list[Path]) -> Library:
    """The bundled seeds plus the given files (laws or others), built once and cached under
    data/quality/<name>."""
    corpus = WORK / name / "corpus"
    wanted = {_flat(p): p for p in laws} | {p.name: p for p in corpus_files(SEEDS)}
    if corpus.is_dir() and {p.name for p in corpus_files(corpus)} != set(wanted):
        shutil.rmtree(corpus)
    if not corpus.is_dir():
        corpus.mkdir(parents=True)
        for flat, source in wanted.items():
            shutil.copyfile(source, corpus / flat)
    cache_dir = WORK / name / "cache"
    tokenizer = Tokenizer(Lexicon.from_dir(LEXICON_DIR), cache_dir)
    models = Models.load(LEXICON_DIR / MODELS_FILE)
    with tempfile.TemporaryDirectory() as index_lexicon:
        for file in INDEX_FILES:
            if (LEXICON_DIR / file).is_file():
                shutil.copyfile(LEXICON_DIR / file, Path(index_lexicon) / file)
        key = cache.cache_key(
            corpus_files(corpus), Path(index_lexicon), TOKENIZER_VERSION + PARSER_VERSION
        )
    cached = cache.load(cache_dir, key)
    if cached is None:
        from retrieval.corpus import read_corpus
        from retrieval.documents.catalog import load_catalog
        from retrieval.search.screen import screen

        documents, problems = read_corpus(corpus, load_catalog(LEXICON_DIR / "aliases.toml"))
        documents, unindexable = screen(documents, tokenizer)
        built = Library(
            documents,
            problems + unindexable,
            tokenizer,
            models=models,
            expander_cache=cache_dir / f"expander-{key}.json",
        )
        cache.save(cache_dir, key, built.documents, built.problems, built.index.bm25)
        return built
    return Library(
        cached[0],
        cached[1],
        tokenizer,
        cached[2],
        models=models,
        expander_cache=cache_dir / f"expander-{key}.json",
    )


def _flat(path: Path) -> str:
    """A file's name in a flat corpus folder: a law's path under laws/ with / as _."""
    if path.is_relative_to(LAWS):
        return str(path.relative_to(LAWS)).replace("/", "_")
    return path.name
