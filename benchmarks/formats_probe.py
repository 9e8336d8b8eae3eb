"""Do real laws parse alike in every format a tester would upload? Convert, read, compare.

    .venv/bin/python -m benchmarks.formats_probe [--laws 40] [--seed 5] [--work /tmp/formats_probe]

Takes a seeded, varied choice of laws from ../shared/laws and makes each, with common tools,
into .txt (the Markdown as is, and stripped of its markup), .html (rendered by the `markdown`
package, or a <p> per line when it is missing; and a browser-saved page with <br> breaks, a
breadcrumb and a <title>), .docx (python-docx, a paragraph per line; LibreOffice from the HTML)
and .pdf (LibreOffice from either .docx: pdf-lo, pdf-lo-html) when `soffice` is installed.
Each is read by the bot's own reader (retrieval.corpus.read_file) and compared with the
Markdown's parse: title, clause labels and each clause's text after fold_layout (titles too).
Converted files stay in --work; nothing is committed.
"""

from __future__ import annotations

import argparse
import html
import json
import random
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from benchmarks.datasets import LAWS
from retrieval.corpus import read_file
from retrieval.documents.dedup import Copy
from retrieval.reading.plain import clean_line
from retrieval.words.normalize import fold_layout

_INFO_END = "<!-- INFO END -->"


def choose_laws(root: Path, count: int, seed: int) -> list[Path]:
    """A varied, seeded choice: every folder, 之一 articles, chapters, long and short laws."""
    rng = random.Random(seed)
    files = sorted(p for p in root.rglob("*.md") if p.name != "README.md")
    texts = {p: p.read_text(encoding="utf-8") for p in files}
    chosen: list[Path] = []

    def take(pool: list[Path], n: int) -> None:
        pool = [p for p in pool if p not in chosen]
        chosen.extend(rng.sample(pool, min(n, len(pool))))

    take([p for p in files if re.search(r"^第.{1,8}条之[一二三四五]", texts[p], re.M)], 4)
    take([p for p in files if len(texts[p]) > 150_000], 2)
    take([p for p in files if len(texts[p]) < 4_000], 4)
    take([p for p in files if "\n### 第" in texts[p]], 3)
    take([p for p in files if not re.search(r"^第.{1,8}条", texts[p], re.M)], 2)
    folders = sorted({p.relative_to(root).parts[0] for p in files})
    while len(chosen) < count:
        for folder in folders:
            if len(chosen) < count:
                take([p for p in files if p.relative_to(root).parts[0] == folder], 1)
    return chosen


def plain_lines(markdown: str) -> list[str]:
    """The Markdown's lines as a reader sees them: no '#', links, comment or blank lines."""
    lines = []
    for line in re.sub(r"<!--.*?-->", "", markdown, flags=re.S).splitlines():
        line = clean_line(re.sub(r"^#{1,6}\s+", "", line))  # links and emphasis as shown
        if line:
            lines.append(line)
    return lines


def render_markdown(markdown: str, python: str | None) -> str:
    """Markdown rendered as a full HTML page by the `markdown` package (here or in `python`)."""
    try:
        import markdown as md  # type: ignore[import-not-found,unused-ignore]

        body = md.markdown(markdown)
    except ImportError:
        if python is None:
            body = "\n".join(f"<p>{html.escape(line)}</p>" for line in plain_lines(markdown))
        else:
            code = "import sys, markdown; sys.stdout.write(markdown.markdown(sys.stdin.read()))"
            body = subprocess.run(
                [python, "-c", code], input=markdown, capture_output=True, text=True, check=True
            ).stdout
    return (
        f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"></head><body>\n{body}\n</body></html>'
    )


def browser_page(markdown: str) -> str:
    """A page as saved from a browser: a <title>, entities, &nbsp; indents, <br> line breaks."""
    lines = plain_lines(markdown)
    title = html.escape(lines[0]) if lines else ""
    body = "<br>\n".join(f"&nbsp;&nbsp;&nbsp;&nbsp;{html.escape(line)}" for line in lines[1:])
    return (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
        f"<title>{title} - 国家法律法规数据库</title></head>\n<body>"
        f'<div class="nav">首页 &gt; 法律</div><div class="content"><h2>{title}</h2>\n'
        f"{body}\n</div></body></html>"
    )


def write_docx(markdown: str, target: Path) -> None:
    import docx

    document = docx.Document()
    for line in plain_lines(markdown):
        document.add_paragraph(line)
    document.save(str(target))


def soffice(sources: list[Path], fmt: str, outdir: Path) -> None:
    """Convert files with LibreOffice in one run (one run per file costs seconds each)."""
    outdir.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            "soffice",
            "--headless",
            "--convert-to",
            fmt,
            "--outdir",
            str(outdir),
            *map(str, sources),
        ],
        capture_output=True,
        timeout=1800,
        check=False,
    )


@dataclass(frozen=True, slots=True)
class Parse:
    titles: tuple[str, ...]
    labels: tuple[str, ...]
    texts: tuple[str, ...]
    problems: tuple[str, ...]


def parse(path: Path) -> Parse:
    copies, problems = read_file(path)
    clauses = [c for copy in copies for c in _clauses(copy)]
    return Parse(
        tuple(c.title for c in copies),
        tuple(label for label, _ in clauses),
        tuple(text for _, text in clauses),
        tuple(f"{p.kind}:{p.message}" for p in problems),
    )


def _clauses(copy: Copy) -> list[tuple[str, str]]:
    return [(c.label, fold_layout((c.heading or "") + c.text)) for c in copy.clauses]


def compare(want: Parse, got: Parse) -> tuple[str, list[str]]:
    """The verdict (same / title / labels / texts / failed) and the first differences."""
    if not got.labels:
        return "failed", [f"no clauses; {got.problems[:2]}"]
    notes: list[str] = []
    verdict = "same"
    # Titles compare after fold_layout too: a PDF's 1999 年 is the Markdown's 1999年.
    if [fold_layout(t) for t in got.titles] != [fold_layout(t) for t in want.titles]:
        verdict = "title"
        notes.append(f"title {want.titles[:3]} -> {got.titles[:3]}")
    if got.labels != want.labels:
        verdict = "labels"
        gone = [x for x in want.labels if x not in set(got.labels)]
        new = [x for x in got.labels if x not in set(want.labels)]
        notes.append(
            f"labels {len(want.labels)} -> {len(got.labels)}; missing {gone[:4]} extra {new[:4]}"
        )
    else:
        for label, a, b in zip(want.labels, want.texts, got.texts, strict=True):
            if a != b:
                if verdict == "same":
                    verdict = "texts"
                if len(notes) < 4:
                    notes.append(f"{label}: {_diff(a, b)}")
    return verdict, notes


def _diff(a: str, b: str) -> str:
    start = 0
    while start < min(len(a), len(b)) and a[start] == b[start]:
        start += 1
    end = 0
    while end < min(len(a), len(b)) - start and a[-1 - end] == b[-1 - end]:
        end += 1
    lo = max(0, start - 8)
    return f"…{a[lo : len(a) - end + 8]!r} -> …{b[lo : len(b) - end + 8]!r}"


Maker = Callable[[str, Path], None]


def make_forms(laws: list[Path], work: Path, markdown_python: str | None) -> dict[str, list[Path]]:
    """Every law in every form: {form: [file per law]} (LibreOffice forms when installed)."""
    if work.exists():
        shutil.rmtree(work)
    forms: dict[str, list[Path]] = {}
    makers: dict[str, tuple[str, Maker]] = {
        "txt": (".txt", lambda text, p: p.write_text(text, encoding="utf-8")),
        "txt-plain": (
            ".txt",
            lambda text, p: p.write_text("\n".join(plain_lines(text)), encoding="utf-8"),
        ),
        "html-md": (
            ".html",
            lambda text, p: p.write_text(render_markdown(text, markdown_python), encoding="utf-8"),
        ),
        "html-br": (".html", lambda text, p: p.write_text(browser_page(text), encoding="utf-8")),
        "docx": (".docx", lambda text, p: write_docx(text, p)),
    }
    for form, (suffix, make) in makers.items():
        folder = work / form
        folder.mkdir(parents=True)
        forms[form] = []
        for n, law in enumerate(laws):
            target = folder / f"{n:02d}{suffix}"
            make(law.read_text(encoding="utf-8"), target)
            forms[form].append(target)
    if shutil.which("soffice"):
        soffice(forms["html-md"], "docx:MS Word 2007 XML", work / "docx-lo")
        soffice(forms["docx"], "pdf", work / "pdf-lo")
        docx_lo = [work / "docx-lo" / f"{n:02d}.docx" for n in range(len(laws))]
        # HTML to PDF in one step (writer_web_pdf_Export) leaves the <h1> out: via Word.
        soffice(docx_lo, "pdf", work / "pdf-lo-html")
        for form, suffix in (("docx-lo", ".docx"), ("pdf-lo", ".pdf"), ("pdf-lo-html", ".pdf")):
            forms[form] = [work / form / f"{n:02d}{suffix}" for n in range(len(laws))]
    return forms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--laws", type=int, default=40)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--work", type=Path, default=Path("/tmp/formats_probe"))
    parser.add_argument("--reuse", action="store_true", help="read the files --work holds")
    parser.add_argument("--markdown-python", help="a python with `markdown`, if this has none")
    parser.add_argument("--show", type=int, default=3, help="differing laws shown per form")
    parser.add_argument("--json", type=Path, help="write every verdict here")
    args = parser.parse_args()
    laws = choose_laws(LAWS, args.laws, args.seed)
    if args.reuse:
        forms = {
            d.name: [next(d.glob(f"{n:02d}.*"), d / "missing") for n in range(len(laws))]
            for d in sorted(args.work.iterdir())
            if d.is_dir()
        }
    else:
        forms = make_forms(laws, args.work, args.markdown_python)
    wants = [parse(law) for law in laws]
    verdicts: dict[str, dict[str, str]] = {}
    table = []
    for form, files in forms.items():
        counts = dict.fromkeys(("same", "title", "labels", "texts", "failed"), 0)
        shown = 0
        verdicts[form] = {}
        for law, want, path in zip(laws, wants, files, strict=True):
            got = parse(path) if path.exists() else Parse((), (), (), ("not converted",))
            verdict, notes = compare(want, got)
            counts[verdict] += 1
            verdicts[form][law.name] = verdict
            if verdict != "same" and shown < args.show:
                shown += 1
                print(f"[{form}] {law.relative_to(LAWS)} ({path.name}): {verdict}")
                for note in notes:
                    print(f"    {note[:220]}")
        table.append((form, counts))
    print(f"\n{len(laws)} laws (seed {args.seed})")
    print(f"{'form':<12} {'same':>5} {'title':>6} {'labels':>7} {'texts':>6} {'failed':>7}")
    for form, counts in table:
        print(
            f"{form:<12} "
            + " ".join(f"{n:>{w}}" for n, w in zip(counts.values(), (5, 6, 7, 6, 7), strict=True))
        )
    if args.json:
        args.json.write_text(json.dumps(verdicts, ensure_ascii=False, indent=1))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
