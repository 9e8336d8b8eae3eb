"""The names of ~1,500 real laws (../shared/laws, copied at run time) build without a
collision going unseen, and their editions stay apart."""

from __future__ import annotations

import shutil

import pytest

from config.settings import LEXICON_DIR, PROJECT_ROOT
from retrieval.corpus import read_corpus
from retrieval.documents.catalog import load_catalog
from retrieval.documents.dedup import title_key
from retrieval.documents.names import Names
from retrieval.documents.naming import collisions, core_title, english_titles, name_documents
from retrieval.model import Document
from retrieval.words.normalize import fold_for_search, strip_name_marks
from retrieval.words.tokenize import Lexicon, Tokenizer

LAWS = PROJECT_ROOT.parent / "shared" / "laws"

pytestmark = pytest.mark.skipif(
    not LAWS.is_dir(), reason=f"{LAWS} is absent: the real-law library is not available here"
)


@pytest.fixture(scope="module")
def laws(tmp_path_factory: pytest.TempPathFactory) -> tuple[Document, ...]:
    corpus = tmp_path_factory.mktemp("laws")
    shutil.copytree(LAWS, corpus / "laws")
    documents, _ = read_corpus(corpus, load_catalog(LEXICON_DIR / "aliases.toml"))
    tokenizer = Tokenizer(Lexicon.from_dir(LEXICON_DIR))
    english = english_titles(LEXICON_DIR / "titles_en.txt")
    return name_documents(documents, tokenizer.cut, english)


def test_every_file_in_the_sub_folders_is_read(laws: tuple[Document, ...]) -> None:
    files = {p.relative_to(LAWS).as_posix() for p in LAWS.rglob("*.md")} - {"README.md"}
    sources = {s.removeprefix("laws/") for d in laws for s in d.sources}
    assert files <= sources


def test_every_shared_name_answers_with_all_its_documents(laws: tuple[Document, ...]) -> None:
    names = Names(laws)
    shared = collisions(laws)
    assert len(shared) < len(laws) // 2  # most derived names are one document's
    for name, titles in shared.items():
        found = {title_key(d.title) for d in names.resolve(fold_for_search(name))}
        assert {title_key(t) for t in titles} <= found, name


def test_every_shared_name_is_asked_about_never_mapped_to_one(
    laws: tuple[Document, ...],
) -> None:
    names = Names(laws)
    shared = collisions(laws)
    assert shared  # 1,500 laws do share names (科技法: 科学技术进步法 and 科学技术普及法)
    for name, titles in shared.items():
        key = strip_name_marks(fold_for_search(name))
        asked = {title_key(d.title) for d in names.shared(key)}
        assert asked == {title_key(t) for t in titles}, name
        # Inside a question too, unless a longer name around it settles which one.
        found, docs = names.shared_in(fold_for_search(f"{name}第三条怎么规定"))
        if found == key:
            assert {title_key(d.title) for d in docs} == {title_key(t) for t in titles}, name


def test_a_name_only_one_document_has_is_never_asked_about(laws: tuple[Document, ...]) -> None:
    names = Names(laws)
    shared = set(collisions(laws))
    for doc in laws[::10]:
        for name in (*doc.aliases, *doc.derived):
            key = strip_name_marks(fold_for_search(name))
            if key not in shared:
                assert not names.shared(key), name


def test_editions_stay_apart_with_one_current(laws: tuple[Document, ...]) -> None:
    accounting = [d for d in laws if core_title(d.title) == "会计法"]
    assert sorted(d.edition for d in accounting) == ["2017-11-04", "2024-06-28"]
    assert [d.edition for d in accounting if not d.superseded] == ["2024-06-28"]
    names = Names(laws)
    [current] = names.resolve(fold_for_search("会计法"))
    assert current.edition == "2024-06-28"


def test_well_known_short_names_reach_their_law(laws: tuple[Document, ...]) -> None:
    names = Names(laws)
    for short, core in (
        ("消保法", "消费者权益保护法"),
        ("政采法", "政府采购法"),
        ("劳合法", "劳动合同法"),
    ):
        assert [core_title(d.title) for d in names.resolve(fold_for_search(short))] == [core], (
            short
        )
