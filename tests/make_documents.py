"""Write PDF and Word versions of a text, as offices publish them, for the format tests.

PDFs use reportlab's built-in STSong-Light (an Adobe-GB1 CID font every PDF reader knows), so
no font file is needed: A4, a running header, page numbers as `— 3 —`, two-character
first-line indents, lines wrapped inside sentences. Word files get a header and a PAGE field
in the footer, where Word keeps them.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

from docx import Document as new_docx
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate

from retrieval.reading.plain import read_source

FONT = "STSong-Light"
HEADER = "政策文件汇编 2024年第3期"


def blocks_of(path: Path) -> list[str]:
    """The text blocks of a corpus file, as a PDF or Word version of it would show them."""
    return list(read_source(path.read_text(encoding="utf-8")).blocks)


def write_pdf(blocks: list[str], target: Path, header: str = HEADER) -> Path:
    """A text-layer PDF of the blocks, one paragraph each, with header and page numbers."""
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    body = ParagraphStyle(
        "body", fontName=FONT, fontSize=14, leading=24, wordWrap="CJK", firstLineIndent=28
    )

    def furniture(canvas: Canvas, doc: SimpleDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 10)
        canvas.drawCentredString(A4[0] / 2, A4[1] - 14 * mm, header)
        canvas.drawCentredString(A4[0] / 2, 14 * mm, f"— {doc.page} —")
        canvas.restoreState()

    doc = SimpleDocTemplate(
        str(target),
        pagesize=A4,
        leftMargin=28 * mm,
        rightMargin=26 * mm,
        topMargin=30 * mm,
        bottomMargin=30 * mm,
    )
    story = [Paragraph(escape(block), body) for block in blocks]
    doc.build(story, onFirstPage=furniture, onLaterPages=furniture)
    return target


def write_scanned_pdf(target: Path, pages: int = 2) -> Path:
    """A PDF whose pages carry only drawings, like a scan without a text layer."""
    canvas = Canvas(str(target), pagesize=A4)
    for _ in range(pages):
        canvas.rect(50, 50, 400, 600, fill=1)
        canvas.showPage()
    canvas.save()
    return target


def write_docx(blocks: list[str], target: Path, header: str = HEADER) -> Path:
    """A .docx of the blocks with a header and a `— PAGE —` footer field."""
    document = new_docx()
    style = document.styles["Normal"]
    style.font.size = Pt(16)  # type: ignore[attr-defined]
    section = document.sections[0]
    section.header.paragraphs[0].text = header
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run("— ")
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        run = footer.add_run()
        element = OxmlElement("w:fldChar" if kind else "w:instrText")
        if kind:
            element.set(qn("w:fldCharType"), kind)
        else:
            element.text = text
        run._r.append(element)
    footer.add_run(" —")
    for block in blocks:
        paragraph = document.add_paragraph(block)
        paragraph.paragraph_format.first_line_indent = Pt(32)
    document.save(str(target))
    return target


def paragraph_bomb(paragraphs: int) -> bytes:
    """A tiny .docx whose body is `paragraphs` empty paragraphs (millions zip to kilobytes)."""
    ns = "http://schemas.openxmlformats.org"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            f'<Types xmlns="{ns}/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/>'
            '<Override PartName="/word/document.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
        archive.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{ns}/package/2006/relationships"><Relationship Id="rId1" '
            f'Type="{ns}/officeDocument/2006/relationships/officeDocument" '
            'Target="word/document.xml"/></Relationships>',
        )
        archive.writestr(
            "word/document.xml",
            f'<w:document xmlns:w="{ns}/wordprocessingml/2006/main"><w:body>'
            + "<w:p/>" * paragraphs
            + "</w:body></w:document>",
        )
    return buffer.getvalue()
