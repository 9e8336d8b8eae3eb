"""Every document of the bundled seeds plus the ~1,500 real laws of ../shared/laws (copied
at run time) is reached by its full title, as written or without 中华人民共和国 or its
《》 marks: none of them is ever said to be not in the library."""

from __future__ import annotations

import re
import shutil

import pytest

from config.settings import BUNDLED_CORPUS, LEXICON_DIR, PROJECT_ROOT
from retrieval.library import Library, LibraryPaths

LAWS = PROJECT_ROOT.parent / "shared" / "laws"

pytestmark = pytest.mark.skipif(
    not LAWS.is_dir(), reason=f"{LAWS} is absent: the real-law library is not available here"
)


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Library:
    corpus = tmp_path_factory.mktemp("seeds_and_laws")
    for path in BUNDLED_CORPUS.iterdir():
        shutil.copy(path, corpus / path.name)
    shutil.copytree(LAWS, corpus / "laws")
    return Library.load(LibraryPaths(corpus, LEXICON_DIR))


def _ways_to_write(title: str) -> set[str]:
    """The title, without the leading 中华人民共和国, without it in the title it quotes
    (《中华人民共和国担保法》 → 《担保法》), and without 《》〈〉 marks."""
    return {
        title,
        title.removeprefix("中华人民共和国"),
        re.sub(r"(?<=[《〈])中华人民共和国", "", title),
        re.sub(r"[《》〈〉]", "", title),
    }


def test_no_loaded_title_is_said_to_be_missing(library: Library) -> None:
    current = [d for d in library.documents if not d.superseded and d.clauses]
    assert len(current) > 1_000  # the laws were read
    missing = [
        (question, answer.missing)
        for doc in current
        for question in sorted(_ways_to_write(doc.title))
        for answer in [library.answer(question)]
        if answer.status == "not_in_library"
    ]
    assert missing == []


def test_every_loaded_title_as_a_reference_stays_out_of_not_in_library(
    library: Library,
) -> None:
    current = [d for d in library.documents if not d.superseded and d.clauses]
    missing = [
        question
        for doc in current
        for question in (f"{doc.title}第一条", f"《{doc.title}》第1条讲了什么")
        if library.answer(question).status == "not_in_library"
    ]
    assert missing == []
