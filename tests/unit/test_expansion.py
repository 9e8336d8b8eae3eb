"""Expansions come from real resources, cut down to the words the corpus has."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

from retrieval.integrity import intact
from retrieval.library import Library
from retrieval.words import expansion
from retrieval.words.expansion import Expander, base_forms, lemma

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("有没有数据质量管理机智", "机制"),  # jizhi
        ("让数剧多跑路", "数据"),  # shuju
        ("公共数据授全运营的期限", "授权"),  # shouquan
        ("数据交易实信惩戒有啥机制", "失信"),  # shixin
        ("责任咋落时", "落实"),  # luoshi
    ],
)
def test_homophone_typos_are_repaired_to_corpus_words(
    library: Library, typed: str, meant: str
) -> None:
    assert meant in library.expander.repairs(typed)


def test_correct_words_are_not_repaired(library: Library) -> None:
    assert library.expander.repairs("公共数据授权运营") == []


def test_thesaurus_synonyms_are_corpus_words(library: Library) -> None:
    synonyms = library.expander.synonyms_of("老人")
    assert "老年人" in synonyms
    assert all(s in library.index.bm25.vocab for s in synonyms)


def test_related_words_come_from_the_neighbouring_cilin_groups(library: Library) -> None:
    related = library.expander.related_to("禁止")
    assert "严禁" in related  # Hc17B02, beside 禁止's own group Hc17B01
    assert not set(related) & set(library.expander.synonyms_of("禁止"))
    assert all(r in library.index.bm25.vocab for r in related)


def test_english_units_map_onto_corpus_words_and_report_the_rest(library: Library) -> None:
    units = library.expander.english_units(
        "how do i reset my iphone to factory settings", library.tokenizer.glossary
    )
    missing = {key for key, terms, _ in units if not terms}
    assert {"iphone", "reset"} <= missing
    found = [t for _, terms, _ in units for t in terms]
    assert all(t in library.index.bm25.vocab for t in found)


def test_an_inflected_word_is_found_through_its_base_form(library: Library) -> None:
    [(word, terms, _)] = library.expander.english_units("priced", library.tokenizer.glossary)
    assert word == "priced"
    assert "价格" in terms


@pytest.mark.parametrize(
    ("word", "base"),
    [("priced", "price"), ("protected", "protect"), ("planned", "plan"), ("sharing", "share")],
)
def test_base_forms_of_ed_and_ing_words(word: str, base: str) -> None:
    assert base in base_forms(word)


def test_the_glossary_comes_before_the_dictionary(library: Library) -> None:
    units = library.expander.english_units(
        "why is data called a new factor of production", library.tokenizer.glossary
    )
    assert ("factor production", ("生产要素",), 1.0) in units


@pytest.mark.parametrize(
    ("word", "singular"),
    [
        ("ministries", "ministry"),
        ("clouds", "cloud"),
        ("ministry's", "ministry"),
        ("data", "data"),
    ],
)
def test_crude_singular(word: str, singular: str) -> None:
    assert lemma(word) == singular


def test_round_trip_through_json(library: Library) -> None:
    again = Expander.from_json(library.expander.to_json())
    assert again is not None
    assert again.repairs("让数剧多跑路") == library.expander.repairs("让数剧多跑路")


def test_another_version_is_not_trusted() -> None:
    assert Expander.from_json('{"version": "0"}') is None
    assert Expander.from_json("not json") is None


# Words a change may bring: Cilin synonyms, CC-CEDICT headwords, homophones, new characters.
BROUGHT = ["报销", "发票", "投诉", "股东", "征收", "补偿", "试验区", "某市", "鼋鼍", "pay"]


@pytest.mark.parametrize("seed", range(3))
def test_an_expander_patched_for_another_vocabulary_is_the_one_built_for_it(
    library: Library, seed: int
) -> None:
    words = sorted(library.expander.vocabulary)
    gone = set(random.Random(seed).sample(words, len(words) // 10))
    other = [w for w in words if w not in gone] + BROUGHT
    before, after = Expander.build(words), Expander.build(other)
    assert before.patched(other) == after
    assert after.patched(words) == before


def test_a_patch_reads_the_thesaurus_indexes_from_the_cache(
    library: Library, tmp_path: Path
) -> None:
    words = sorted(library.expander.vocabulary)
    other = words[: len(words) // 2] + BROUGHT
    before, after = Expander.build(words), Expander.build(other)
    expansion._sources.cache_clear()  # a new process: made once, then written
    assert before.patched(other, tmp_path) == after
    (written,) = tmp_path.glob("thesaurus-*.txt")
    expansion._sources.cache_clear()  # the next process reads it
    assert before.patched(other, tmp_path) == after
    assert after.patched(words, tmp_path) == before
    written.write_bytes(written.read_bytes()[:-9] + b"damaged!")
    expansion._sources.cache_clear()  # damaged: discarded and made again
    assert before.patched(other, tmp_path) == after
    assert intact(written)


def test_an_expander_made_beside_the_index_is_the_one_built_here(
    library: Library, tmp_path: Path
) -> None:
    # In a process of its own: forking is refused while other threads run (as in a test run).
    words = sorted(library.expander.vocabulary)
    listed = tmp_path / "words.json"
    listed.write_text(json.dumps(words, ensure_ascii=False), encoding="utf-8")
    path = tmp_path / "expander-beside.json"
    script = (
        "import json, sys; from pathlib import Path; "
        "from retrieval.words import expander_beside as b; "
        "child = b.start(Path(sys.argv[1]), json.loads(Path(sys.argv[2]).read_text('utf-8'))); "
        "b.finish(child); print('forked' if child is not None else 'not forked')"
    )
    run = subprocess.run(
        [sys.executable, "-c", script, str(path), str(listed)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    assert run.stdout.strip() == "forked"
    assert intact(path)
    assert Expander.read(path) == Expander.build(words)
    # And, before the process could exit, the thesaurus indexes a later patch reads.
    assert [p.name.startswith("thesaurus-") for p in tmp_path.glob("thesaurus-*.txt")] == [True]


def test_no_second_build_when_the_expander_is_cached(library: Library, tmp_path: Path) -> None:
    from retrieval.words import expander_beside

    path = tmp_path / "expander-cached.json"
    library.expander.save(path)
    assert expander_beside.start(path, library.expander.vocabulary) is None


def test_no_fork_while_another_thread_runs(library: Library, tmp_path: Path) -> None:
    import threading

    from retrieval.words import expander_beside

    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        assert expander_beside.start(tmp_path / "x.json", ["数据"]) is None
    finally:
        release.set()
        other.join()
