"""Assemble writers' raw questions into dev_qa-format train/test splits (split by document)."""

import hashlib
import json
import pathlib
import re
import sys

root = pathlib.Path(__file__).resolve().parents[3] / "shared"
# `assemble.py DEST [ROUND]`: round 1 writes DEST/{train,test}.jsonl; a later round reads
# tasks_rR_w*.jsonl / out_rR_w*.jsonl and appends its items to DEST's files.
dest = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "generated")
ROUND = int(sys.argv[2]) if len(sys.argv) > 2 else 1
PREFIX = "" if ROUND == 1 else f"r{ROUND}_"
tasks = {}
for f in sorted(pathlib.Path(".").glob(f"tasks_{PREFIX}w*.jsonl")):
    for line in f.open(encoding="utf-8"):
        t = json.loads(line)
        tasks[t["doc"]] = t
# one big text to check snippet uniqueness across the whole library (laws + seeds)
texts = [p.read_text(encoding="utf-8") for p in (root / "laws").rglob("*.md")]
texts += [
    p.read_text(encoding="utf-8", errors="ignore")
    for p in (root / "seeds").iterdir()
    if p.is_file()
]
big = re.sub(r"\s+", "", "\n".join(texts))
PUNCT = "，。；：、（）()“”《》！？"


def snippets(text):
    out = []
    for para in text.split("\n"):
        para = re.sub(r"\s+", "", para)
        # drop the article number prefix
        para = re.sub(r"^第[零一二三四五六七八九十百千]+条(之[一二三四五六七八九十]+)?", "", para)
        for start in range(0, max(1, len(para) - 16), 4):
            piece = para[start : start + 16]
            if len(piece) < 12:
                break
            if big.count(piece) == 1:
                out.append(piece)
                break
        if len(out) == 2:
            break
    return out


STYLE_NOTE = {
    "colloquial": "colloquial",
    "english": "English",
    "typo": "typo",
    "traditional": "traditional",
    "near_oos": "near-topic",
}


def split_of(doc):  # 80/20 by document, stable
    return "test" if int(hashlib.sha256(doc.encode()).hexdigest(), 16) % 5 == 0 else "train"


sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2]))
from retrieval.corpus import read_file  # noqa: E402  (the repo root joins the path first)
from retrieval.words.normalize import fold_layout  # noqa: E402

_parsed = {}


def parsed(file):  # the articles as the bot itself parses them
    if file not in _parsed:
        copies, _ = read_file(root / "laws" / file)
        _parsed[file] = {d.label: fold_layout(d.text) for c in copies for d in c.clauses}
    return _parsed[file]


outs: dict[str, list[dict]] = {"train": [], "test": []}
if ROUND > 1:
    for name, items in outs.items():
        items.extend(json.loads(ln) for ln in (dest / f"{name}.jsonl").open(encoding="utf-8"))
bad = 0
seen = {it["query"] for items in outs.values() for it in items}
for f in sorted(pathlib.Path(".").glob(f"out_{PREFIX}w*.jsonl")):
    w = f.stem[-1]
    for i, line in enumerate(f.open(encoding="utf-8")):
        try:
            r = json.loads(line)
        except Exception:
            bad += 1
            continue
        t = tasks.get(r.get("doc"))
        q = (r.get("query") or "").strip()
        if not t or not q or q in seen:
            bad += 1
            continue
        seen.add(q)
        style = r.get("style", "colloquial")
        tag = "" if ROUND == 1 else str(ROUND)
        item = {"id": f"g{tag}{w}{i:04d}", "query": q, "doc": t["doc"], "file": t["file"]}
        if r.get("expect") == "abstain" or style == "near_oos":
            item.update(kind="out_of_scope", gold=[], expect="abstain", note="near-topic")
        else:
            art = next((a for a in t["articles"] if a["section"] == r.get("section")), None)
            if art is None:
                bad += 1
                continue
            sn = snippets(art["text"])
            text = parsed(t["file"]).get(art["section"], "")
            sn = [x for x in sn if fold_layout(x) in text]
            if not sn:
                bad += 1
                continue
            item.update(
                kind="question",
                gold=[{"doc": t["doc"], "section": art["section"], "snippets": sn}],
                expect="answer",
                note=STYLE_NOTE.get(style, "colloquial"),
            )
        outs[split_of(t["doc"])].append(item)
dest.mkdir(parents=True, exist_ok=True)
for name, items in outs.items():
    with (dest / f"{name}.jsonl").open("w", encoding="utf-8") as fh:
        for it in items:
            fh.write(json.dumps(it, ensure_ascii=False) + "\n")
    docs = {it["doc"] for it in items}
    kinds = {}
    for it in items:
        kinds[it["note"]] = kinds.get(it["note"], 0) + 1
