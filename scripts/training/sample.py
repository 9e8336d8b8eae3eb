"""Sample articles from shared/laws for question writing. Output: one JSONL of tasks per writer."""

import hashlib
import json
import pathlib
import random
import re
import sys

root = pathlib.Path(__file__).resolve().parents[3] / "shared" / "laws"
ART = re.compile(r"^第[零一二三四五六七八九十百千]+条(之[一二三四五六七八九十]+)?(?=[\s　])")
FOLDERS = [
    "行政法规",
    "行政法",
    "经济法",
    "社会法",
    "部门规章",
    "宪法相关法",
    "民法商法",
    "诉讼与非诉讼程序法",
]


def articles(path):
    lines = path.read_text(encoding="utf-8").splitlines()
    title = lines[0].lstrip("# ").strip()
    body = "\n".join(lines)
    if "<!-- INFO END -->" in body:
        body = body.split("<!-- INFO END -->", 1)[1]
    arts, cur = [], None
    for ln in body.splitlines():
        s = ln.strip()
        if not s:
            continue
        m = ART.match(s)
        if m:
            cur = [m.group(0), [s]]
            arts.append(cur)
        elif s.startswith("#"):
            cur = None
        elif cur is not None:
            cur[1].append(s)
    return title, [(a, "\n".join(t)) for a, t in arts]


rng = random.Random(20261207)
cands = []
for f in FOLDERS:
    for p in sorted((root / f).rglob("*.md")):
        if p.name == "README.md":
            continue
        title, arts = articles(p)
        good = [a for a in arts if 40 <= len(a[1]) <= 900]
        if len(good) >= 8 and "修正" not in title and "决定" not in title:
            cands.append((f, p, title, good))
# dedupe titles (editions): keep one file per title
seen = {}
for c in cands:
    seen.setdefault(c[2], c)
cands = list(seen.values())
rng.shuffle(cands)
# Round 2 (`sample.py 2`): documents no earlier round used, train split only, so the test split
# (documents never fitted on) stays the same set.
ROUND = int(sys.argv[1]) if len(sys.argv) > 1 else 1
if ROUND > 1:
    gen = pathlib.Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "generated"
    used = {json.loads(ln)["doc"] for f in gen.glob("*.jsonl") for ln in f.open(encoding="utf-8")}
    cands = [
        c
        for c in cands
        if c[2] not in used and int(hashlib.sha256(c[2].encode()).hexdigest(), 16) % 5 != 0
    ]
# weight toward policy domains: take up to quota per folder
quota = {
    "行政法规": 150 if ROUND == 1 else 120,
    "行政法": 50,
    "经济法": 50,
    "社会法": 20,
    "部门规章": 20,
    "宪法相关法": 20,
    "民法商法": 12,
    "诉讼与非诉讼程序法": 8,
}
chosen, count = [], {}
for c in cands:
    if count.get(c[0], 0) < quota[c[0]]:
        chosen.append(c)
        count[c[0]] = count.get(c[0], 0) + 1
writers = 3
for w in range(writers):
    name = f"tasks_w{w + 1}.jsonl" if ROUND == 1 else f"tasks_r{ROUND}_w{w + 1}.jsonl"
    out = open(name, "w", encoding="utf-8")  # noqa: SIM115  (closed at exit)
    for i, (_folder, p, title, good) in enumerate(chosen):
        if i % writers != w:
            continue
        k = min(7, len(good))
        step = len(good) / k
        picks = [good[int(j * step + rng.random() * step)] for j in range(k)]
        out.write(
            json.dumps(
                {
                    "doc": title,
                    "file": str(p.relative_to(root)),
                    "n_articles": len(good),
                    "articles": [{"section": a, "text": t} for a, t in picks],
                },
                ensure_ascii=False,
            )
            + "\n"
        )
