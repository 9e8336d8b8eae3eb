"""Tokenisation: normalisation, the lexicon, and sentence-wise caching that changes nothing."""

from __future__ import annotations

from retrieval.library import Library
from retrieval.search.index import index_text
from retrieval.words.normalize import fold_for_search


def test_sentence_by_sentence_equals_whole_text(library_with_regulation: Library) -> None:
    tokenizer = library_with_regulation.tokenizer
    for clause in library_with_regulation.clauses:
        text = index_text(clause)
        whole = [
            t for t in tokenizer._jieba.cut_for_search(fold_for_search(text)) if tokenizer._keep(t)
        ]
        assert tokenizer.tokens(text) == whole, clause.label


def test_question_tokens_from_its_cut_equal_jiebas_search_mode(
    library_with_regulation: Library,
) -> None:
    """own_tokens rebuilds search mode from the precise cut it shares with `words`: the same
    tokens as jieba's cut_for_search, on every clause and on questions with unknown words."""
    tokenizer = library_with_regulation.tokenizer
    texts = [fold_for_search(index_text(c)) for c in library_with_regulation.clauses]
    texts += [
        "个仁信细保护怎么办？数剧交易所在哪里",
        "中华人民共和国个人信息保护法第十条",
        "ai 大模型备案",
    ]
    for text in texts:
        searched = [t for t in tokenizer._jieba.cut_for_search(text) if tokenizer._keep(t)]
        tokenizer._memo.clear()
        tokenizer._cuts.clear()
        assert tokenizer.own_tokens(text) == searched, text


def test_user_dictionary_keeps_policy_terms_whole(library: Library) -> None:
    tokens = library.tokenizer.tokens("推进一网通办和公共数据授权运营")
    assert "一网通办" in tokens
    assert "授权运营" in tokens


def test_stop_words_and_punctuation_are_dropped(library: Library) -> None:
    assert library.tokenizer.tokens("的了吗？！，。") == []


def test_traditional_and_full_width_are_folded() -> None:
    assert fold_for_search("數據ＡＢＣ１２") == "数据abc12"


def test_colloquial_words_expand_to_formal_terms(library: Library) -> None:
    _, extra = library.tokenizer.query_tokens("小企业怎么办")
    assert "中小企业" in extra
