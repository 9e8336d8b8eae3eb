"""Document names read from their snapshot are the names made from the documents."""

from __future__ import annotations

from pathlib import Path

import pytest

from retrieval.documents.names import Names
from retrieval.library import Library
from retrieval.storage import snapshot
from retrieval.words.normalize import fold_for_search, strip_name_marks

QUESTIONS = [
    "数据安全法第二十一条",
    "数据二十条的总体要求是什么",
    "个人信息保护法",
    "公共数据意见的工作原则有哪些",
    "网络安全",
    "民法典",
    "数据要素二十条",
]


def behaviour(names: Names, text: str) -> tuple[object, ...]:
    folded = fold_for_search(text)
    key = strip_name_marks(folded)
    return (
        [d.doc_id for d in names.resolve(folded)],
        names.mentioned(folded),
        names.shared_in(folded)[0],
        names.spans(key),
        [d.doc_id for d in names.shared(key)],
    )


def test_names_from_the_snapshot_answer_as_names_made_anew(
    library: Library, tmp_path: Path
) -> None:
    made = snapshot.names(tmp_path, library.documents, fold_for_search)  # writes it
    assert (tmp_path / snapshot.NAMES).is_file()
    read = snapshot.names(tmp_path, library.documents, fold_for_search)
    fresh = Names(library.documents)
    assert read.state() == made.state() == fresh.state()
    for text in QUESTIONS:
        assert behaviour(read, text) == behaviour(fresh, text)


@pytest.mark.parametrize("damage", ["bytes", "other-library", "other-code"])
def test_a_snapshot_that_does_not_fit_is_made_again(
    library: Library, tmp_path: Path, damage: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    snapshot.names(tmp_path, library.documents, fold_for_search)
    path = tmp_path / snapshot.NAMES
    documents = library.documents
    if damage == "bytes":
        path.write_bytes(path.read_bytes()[:-9] + b"\x00" * 9)
    elif damage == "other-library":
        documents = documents[1:]
    else:
        monkeypatch.setattr(snapshot, "_code", lambda: "another names.py")
    names = snapshot.names(tmp_path, documents, fold_for_search)
    assert names.state() == Names(documents).state()
