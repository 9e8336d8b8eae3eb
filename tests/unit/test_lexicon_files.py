"""The lexicon directory: synonyms, the curated lexicon folder, extra glossaries, bridges."""

from __future__ import annotations

from pathlib import Path

from config.settings import LEXICON_DIR
from retrieval.words.tokenize import Lexicon, Tokenizer


def write(directory: Path, name: str, text: str) -> None:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_the_lexicon_folder_adds_colloquial_lines_and_glossaries(tmp_path: Path) -> None:
    write(tmp_path, "synonyms.txt", "# header\n汇报 报告\n")
    write(tmp_path, "lexicon/laodong.txt", "# domain: 劳动\n老板欠薪 拖欠工资\n孤零零\n")
    write(tmp_path, "lexicon/glossary_en_extra.txt", "wage arrears = 拖欠工资\n")
    lexicon = Lexicon.from_dir(tmp_path)
    assert ("汇报", "报告") in lexicon.synonyms
    assert ("老板欠薪", "拖欠工资") in lexicon.curated
    assert all(len(line) >= 2 for line in lexicon.curated)  # a word alone expands to nothing
    assert ("wage arrears", "拖欠工资") in lexicon.glossary


def test_our_glossary_wins_over_an_added_one(tmp_path: Path) -> None:
    write(tmp_path, "glossary_en.txt", "data = 数据\n")
    write(tmp_path, "lexicon/glossary_en_extra.txt", "data = 资料\n")
    assert dict(Lexicon.from_dir(tmp_path).glossary)["data"] == "数据"


def test_bridges_are_read_with_their_probability(tmp_path: Path) -> None:
    write(
        tmp_path,
        "bridge.tsv",
        "# made by a script\n老板\t用人单位\t0.25\t7\n坏行\n監管\t监督管理\tx\t3\n",
    )
    assert Lexicon.from_dir(tmp_path).bridge == (("老板", "用人单位", 0.25),)


def test_a_colloquial_phrase_is_found_in_the_text_not_only_among_tokens(tmp_path: Path) -> None:
    write(tmp_path, "lexicon/laodong.txt", "老板欠薪 拖欠工资\n欠薪 拖欠劳动报酬\n")
    tokenizer = Tokenizer(Lexicon.from_dir(tmp_path), tmp_path)
    found = tokenizer.lexicon_phrases("老板欠薪三个月了怎么办")
    assert found == [("老板欠薪", ("拖欠工资",), True)]  # the longest phrase, not 欠薪 inside


def test_the_shipped_lexicon_leaves_the_user_dictionary_alone(tmp_path: Path) -> None:
    shipped = Lexicon.from_dir(LEXICON_DIR)
    assert len(shipped.curated) >= 2000
    bare = Tokenizer(Lexicon(userdict=shipped.userdict, stopwords=shipped.stopwords), tmp_path)
    full = Tokenizer(shipped, tmp_path)
    text = "老板欠薪三个月，推进一网通办和公共数据授权运营"
    assert full.tokens(text) == bare.tokens(text)  # the index's tokens do not change


def test_the_shipped_lexicon_read_from_the_cache_is_the_one_its_files_give(
    tmp_path: Path,
) -> None:
    first = Lexicon.from_dir(LEXICON_DIR, tmp_path)  # folded and written
    assert len(list(tmp_path.glob("lexicon-*.json"))) == 1
    assert Lexicon.from_dir(LEXICON_DIR, tmp_path) == first == Lexicon.from_dir(LEXICON_DIR)


def test_a_changed_lexicon_file_is_read_again_not_taken_from_the_cache(tmp_path: Path) -> None:
    data, cache = tmp_path / "data", tmp_path / "cache"
    write(data, "synonyms.txt", "汇报 报告\n")
    assert ("汇报", "报告") in Lexicon.from_dir(data, cache).synonyms
    write(data, "synonyms.txt", "匯報 總結\n")  # traditional: folded on reading
    assert Lexicon.from_dir(data, cache).synonyms == (("汇报", "总结"),)
    assert len(list(cache.glob("lexicon-*.json"))) == 1  # the stale one is gone


def test_a_damaged_lexicon_cache_is_read_again_from_the_files(tmp_path: Path) -> None:
    data, cache = tmp_path / "data", tmp_path / "cache"
    write(data, "synonyms.txt", "汇报 报告\n")
    Lexicon.from_dir(data, cache)
    [cached] = cache.glob("lexicon-*.json")
    cached.write_text(cached.read_text(encoding="utf-8").replace("报告", "报废"), "utf-8")
    assert Lexicon.from_dir(data, cache).synonyms == (("汇报", "报告"),)
