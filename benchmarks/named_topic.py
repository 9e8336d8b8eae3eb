"""A document named with one topic word (issue 23): `劳动合同法 试用期`, `消保法关于退货的规定`.

    .venv/bin/python -m benchmarks.named_topic [--n 300] [--library all|extra]

Held-out questions made from the laws of ../shared/laws (all loaded beside the seeds, cached
by benchmarks/datasets.py): for a random article of a random current law, its most
informative word (general-language IDF; a whole word of the article in both jieba's precise
and search cuts) that is not in the title and is found in at most three of that law's
clauses; the question is the law's core title with that word, in one of three wordings.
Right: answered with a first clause of that law containing the word. Nothing here is fitted;
the figures say how often a named document and one word abstain or drift elsewhere.
"""

from __future__ import annotations

import argparse
import random
from collections import Counter

from benchmarks import datasets
from retrieval.documents.naming import core_title
from retrieval.library import Library
from retrieval.model import Document
from retrieval.words.normalize import fold_for_search

FORMS = ("{name} {word}", "{name}关于{word}的规定", "{name}里{word}怎么规定")


def topic_questions(library: Library, n: int, seed: int = 23) -> list[tuple[str, Document, str]]:
    """(question, document, word) for n random articles of current laws."""
    rng = random.Random(seed)
    laws = [d for d in library.documents if d.kind == "regulation" and not d.superseded]
    out = []
    tokenizer = library.tokenizer
    for doc in rng.sample(laws, min(n, len(laws))):
        name = core_title(doc.title)
        articles = [c for c in doc.clauses if c.kind == "article"]
        if len(articles) < 5 or len(name) > 20:
            continue
        clause = rng.choice(articles)
        counts = Counter(t for c in doc.clauses for t in set(tokenizer.tokens(c.text)))
        searched = set(tokenizer.tokens(clause.text))
        words = [
            t
            for t in dict.fromkeys(tokenizer.cut(fold_for_search(clause.text)))
            if len(t) >= 2 and t in searched and t not in name and counts[t] <= 3 and t.isalpha()
        ]
        if not words:
            continue
        word = max(words, key=tokenizer.informativeness)
        form = rng.choice(FORMS)
        out.append((form.format(name=name, word=word), doc, word))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300)
    args = parser.parse_args()
    library = datasets.library("all", datasets.law_files())
    questions = topic_questions(library, args.n)
    outcome: Counter[str] = Counter()
    for question, doc, word in questions:
        answer = library.answer(question)
        if answer.status != "ok" or not answer.hits:
            outcome[answer.status] += 1
        elif answer.hits[0].clause.doc_id != doc.doc_id:
            outcome["other document"] += 1
        elif word not in answer.hits[0].clause.text:
            outcome["other clause"] += 1
        else:
            outcome["right"] += 1
    total = len(questions)
    print(f"named document + one topic word: {total} questions")
    for key, count in outcome.most_common():
        print(f"  {key:15s} {count:4d}  {count / total:.3f}")


if __name__ == "__main__":
    main()
