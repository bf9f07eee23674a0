"""PDF and Word documents to the text the readers understand, their tables read as tables.

PDF (pdfplumber, chosen over pypdf): pdfplumber gives each word with its position and finds ruled tables with
their cells; pypdf's text, even in its layout mode, gives lines of text with spaces and no cell boundaries, so a
speaker column runs into the title. Here, a table's rows become ``cell | cell | cell`` lines (the form the
normaliser splits back into cells), and text outside tables is rebuilt into lines from the words' positions, a
wide horizontal gap (a column set apart by position, not by ruling) kept as a tab. Word (python-docx): the body's
paragraphs and tables in document order, each table row as ``cell | cell``.
"""
from __future__ import annotations

import io
import re
import zipfile

from commands.importers.model import DocumentError
from commands.importers.tables import table_lines

MAX_PAGES = 80
MAX_PAGE_OBJECTS = 10_000   # drawing and text objects on one page beyond which it is a drawing, not a page of text
MAX_EXPANDED = 100_000_000   # bytes a Word file's parts may expand to (a zip bomb expands to gigabytes)
COLUMN_GAP = 12.0        # points between two words that makes them two columns
LINE_TOLERANCE = 3.0     # points: words whose tops differ less are on one line


def is_pdf(data: bytes) -> bool:
    return data[:5] == b"%PDF-" or b"%PDF-" in data[:1024]


def is_docx(data: bytes) -> bool:
    if data[:4] != b"PK\x03\x04":
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return "word/document.xml" in z.namelist()
    except zipfile.BadZipFile:
        return False


def pdf_text(data: bytes) -> str:
    import pdfplumber
    from pdfminer.pdfdocument import PDFPasswordIncorrect
    from pdfminer.pdfparser import PDFSyntaxError
    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except (PDFSyntaxError, PDFPasswordIncorrect) as e:
        raise DocumentError(f"this PDF cannot be read ({type(e).__name__}): is it damaged or password-protected?")
    except Exception as e:      # pdfminer raises many kinds on broken files
        raise DocumentError(f"this PDF cannot be read ({type(e).__name__}): is it damaged?")
    pages: list[str] = []
    with pdf:
        if len(pdf.pages) > MAX_PAGES:
            raise DocumentError(f"the PDF has {len(pdf.pages)} pages; an agenda or question paper is expected to have "
                                f"at most {MAX_PAGES}")
        drawings = _drawing_pages(data)
        for page in pdf.pages:
            try:
                if page.page_number - 1 in drawings:
                    pages.append(drawings[page.page_number - 1])
                else:
                    pages.append(_page_text(page))
            except MemoryError:
                raise DocumentError(f"page {page.page_number} of the PDF needs more memory to read than any agenda "
                                    "does")
            except Exception as e:
                raise DocumentError(f"page {page.page_number} of the PDF cannot be read ({type(e).__name__})")
            finally:
                page.close()              # its layout is not kept: 80 pages need the memory of one
    text = "\f".join(pages)
    if not text.strip():
        raise DocumentError("this PDF has no text in it (a scanned image?): export it from the original as PDF with "
                            "text, or paste the text into a .txt file")
    return text


def _drawing_pages(data: bytes) -> dict[int, str]:
    """Pages that are drawings (a map, a chart: tens of thousands of vector objects), with their text as pdfium reads
    it. Laying such a page out word by word (pdfplumber) takes seconds and hundreds of MB; pdfium counts a page's
    objects and gives its text in milliseconds. An agenda's page has a few hundred objects."""
    try:
        import pypdfium2 as pdfium
        import pypdfium2.raw as pdfium_raw
        doc = pdfium.PdfDocument(data)
    except Exception:
        return {}                      # pdfplumber says why the file cannot be read
    out: dict[int, str] = {}
    try:
        for i in range(min(len(doc), MAX_PAGES)):
            page = doc[i]
            try:
                if pdfium_raw.FPDFPage_CountObjects(page.raw) > MAX_PAGE_OBJECTS:
                    out[i] = page.get_textpage().get_text_range().replace("\r\n", "\n")
            finally:
                page.close()
    except Exception:
        return out
    finally:
        doc.close()
    return out


def _page_text(page) -> str:
    tables = page.find_tables()
    boxes = [t.bbox for t in tables]

    def inside(w) -> bool:
        cx, cy = (w["x0"] + w["x1"]) / 2, (w["top"] + w["bottom"]) / 2
        return any(x0 - 1 <= cx <= x1 + 1 and top - 1 <= cy <= bottom + 1 for x0, top, x1, bottom in boxes)

    words = [w for w in page.extract_words(x_tolerance=1.5, y_tolerance=2, keep_blank_chars=False) if not inside(w)]
    rows: list[tuple[float, float, str]] = layout_rows(_lines(words))      # (top, bottom, text)
    for table in tables:
        try:
            cells = table.extract()
        except Exception:
            continue
        lines = table_lines([[c or "" for c in row] for row in cells])
        if lines:
            rows.append((table.bbox[1], table.bbox[3], "\n".join(lines)))
    rows.sort(key=lambda r: r[0])
    out: list[str] = []
    prev_bottom, heights = None, [b - t for t, b, _ in rows if b > t]
    height = sorted(heights)[len(heights) // 2] if heights else 12.0
    for top, bottom, text in rows:
        if prev_bottom is not None and top - prev_bottom > height * 0.9:
            out.append("")                        # a vertical gap: a paragraph break
        out.append(text)
        prev_bottom = bottom
    return "\n".join(out)


def _segments(line: list[dict]) -> list[dict]:
    """A line's words grouped into the runs a wide gap separates: {x0, x1, top, bottom, text}."""
    out: list[dict] = []
    for w in line:
        if out and w["x0"] - out[-1]["x1"] <= COLUMN_GAP:
            seg = out[-1]
            seg["text"] += " " + w["text"]
            seg["x1"], seg["bottom"] = w["x1"], max(seg["bottom"], w["bottom"])
        else:
            out.append({"x0": w["x0"], "x1": w["x1"], "top": w["top"], "bottom": w["bottom"], "text": w["text"]})
    return out


def layout_rows(lines: list[list[dict]]) -> list[tuple[float, float, str]]:
    """Text outside ruled tables, rebuilt from the words' positions. Where runs of text start at the same few
    positions line after line, the page is set in columns: a column-aligned table when its first column holds
    times (a row starts where that column has text, the other columns' further lines are more of the row's
    cells), else columns of running text (side by side on the page, read one after the other, a line that
    fills its column's width going on on the next). Elsewhere: a line, its runs separated by tabs."""
    segs = [_segments(line) for line in lines]
    plain = [(min(s["top"] for s in ss), max(s["bottom"] for s in ss), "\t".join(s["text"] for s in ss))
             for ss in segs]
    if len(segs) < 4:
        return plain
    left = min(sg["x0"] for ss in segs for sg in ss)
    starts: dict[int, list[float]] = {}
    for ss in segs:
        for sg in ss:
            if sg["x0"] > left + 40:
                starts.setdefault(round(sg["x0"] / 6), []).append(sg["x0"])
    inner = sorted(min(xs) for xs in starts.values() if len(xs) >= 2)
    # merge starts closer than 20 points (one column, words a little apart)
    merged: list[float] = []
    for x in inner:
        if not merged or x - merged[-1] > 20:
            merged.append(x)
    if not merged:
        return plain
    columns = [left] + merged
    at_column = [i for i, ss in enumerate(segs) if any(abs(sg["x0"] - x) <= 6 for sg in ss for x in merged)]
    if len(at_column) < 3:
        return plain
    first, last = at_column[0], at_column[-1]

    def column(x0: float) -> int:
        return max((k for k, x in enumerate(columns) if x <= x0 + 6), default=0)
    region = lines[first:last + 1]
    crossing = sum(1 for line in region if any(w["x0"] < x - 3 and w["x1"] > x + 3 for w in line for x in merged))
    if crossing > max(1, len(region) // 10):
        return plain                        # text runs across the columns: not set in columns after all
    heads = [" ".join(w["text"] for w in line if column(w["x0"]) == 0) for line in region]
    heads = [h for h in heads if h]
    timed = sum(1 for t in heads if _TIMED.match(t))
    if timed * 2 >= len(heads) and timed >= 2:
        block = _aligned_table(region, column, len(columns))
    else:
        block = _side_by_side(region, column, len(columns))
    top = min(w["top"] for line in region for w in line)
    bottom = max(w["bottom"] for line in region for w in line)
    return plain[:first] + [(top, bottom, "\n".join(block))] + plain[last + 1:]


def _aligned_table(region, column, width: int) -> list[str]:
    rows: list[list[str]] = []
    for line in region:
        cells = [""] * width
        for w in line:
            k = column(w["x0"])
            cells[k] = f"{cells[k]} {w['text']}".strip()
        if cells[0] or not rows:
            rows.append(cells)
        else:                                   # the further lines of the row's cells
            for k, text in enumerate(cells):
                if text:
                    rows[-1][k] = f"{rows[-1][k]}\n{text}" if rows[-1][k] else text
    return table_lines(rows)


def _side_by_side(region, column, width: int) -> list[str]:
    out: list[str] = []
    for k in range(width):
        flow = []
        for line in region:
            words = [w for w in line if column(w["x0"]) == k]
            if words:
                flow.append({"x1": max(w["x1"] for w in words), "top": min(w["top"] for w in words),
                             "bottom": max(w["bottom"] for w in words), "text": " ".join(w["text"] for w in words)})
        if not flow:
            continue
        right = max(sg["x1"] for sg in flow)
        lines: list[str] = []
        prev = None
        for sg in flow:
            wrapped = (prev is not None and prev["x1"] >= right - 45 and sg["top"] - prev["bottom"] < 8
                       and not _TIMED.match(sg["text"]) and sg["text"][:1] not in "•-–▪*")
            if wrapped:
                lines[-1] += " " + sg["text"]
            else:
                lines.append(sg["text"])
            prev = sg
        out.extend(lines)
        out.append("")
    return out


_TIMED = re.compile(r"^(?:[01]?\d|2[0-3])(?:\s?[:.h]\s?[0-5]\d|h|\s?[ap]\.?m\b|\s?[–-]\s?\d|\s?heures?|\s?noon)", re.I)


def _lines(words: list[dict]) -> list[list[dict]]:
    lines: list[list[dict]] = []
    for w in sorted(words, key=lambda w: (round(w["top"]), w["x0"])):
        if lines and abs(lines[-1][0]["top"] - w["top"]) <= LINE_TOLERANCE:
            lines[-1].append(w)
        else:
            lines.append([w])
    return [sorted(line, key=lambda w: w["x0"]) for line in lines]


def docx_text(data: bytes) -> str:
    from docx import Document
    from docx.table import Table
    from docx.text.paragraph import Paragraph
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            expanded = sum(i.file_size for i in z.infolist())
    except zipfile.BadZipFile:
        raise DocumentError("this Word file cannot be read: is it damaged?")
    if expanded > MAX_EXPANDED:
        # zipfile reads no more than a part's declared size, so the declared sizes bound what would be read
        raise DocumentError(f"this Word file expands to {expanded / 1e6:,.0f} MB, far more than any document: it is "
                            "not one I read")
    try:
        doc = Document(io.BytesIO(data))
    except Exception as e:
        raise DocumentError(f"this Word file cannot be read ({type(e).__name__}): is it damaged, or an old .doc? "
                            "Save it as .docx")
    out: list[str] = []
    try:
        # the page header carries the document's symbol (a working paper's name): read first, as a running header
        header = [p.text for p in doc.sections[0].header.paragraphs if p.text.strip()] if doc.sections else []
    except Exception:
        header = []
    out.extend(header)
    numbers = _Numbering(doc)
    for block in doc.element.body.iterchildren():
        tag = block.tag.rsplit("}", 1)[-1]
        if tag == "p":
            paragraph = Paragraph(block, doc)
            label = numbers.label(paragraph)
            out.append(f"{label} {paragraph.text}" if label and paragraph.text.strip() else paragraph.text)
        elif tag == "tbl":
            out.append("")
            rows = []
            for row in Table(block, doc).rows:
                values, last = [], None
                for cell in row.cells:
                    if cell._tc is last:
                        continue                   # a merged cell is reported once per column it spans
                    last = cell._tc
                    values.append("\n".join(p.text for p in cell.paragraphs))
                rows.append(values)
            out.extend(table_lines(rows))
            out.append("")
    text = "\n".join(out)
    if not text.strip():
        raise DocumentError("this Word file has no text in it")
    return text


class _Numbering:
    """Word's automatic numbering ("1.", "(a)", "ii.") is not in a paragraph's text: it comes from the paragraph's
    (or its style's) numbering properties and the numbering part's level formats. Counted here in document order."""
    _W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"

    def __init__(self, doc):
        self.levels: dict[tuple[str, int], tuple[str, str, int]] = {}
        self.counters: dict[tuple[str, int], int] = {}
        try:
            root = doc.part.numbering_part.element
        except Exception:
            return
        w = self._W
        abstract = {a.get(f"{w}abstractNumId"): a for a in root.iter(f"{w}abstractNum")}
        for num in root.iter(f"{w}num"):
            ref = num.find(f"{w}abstractNumId")
            a = abstract.get(ref.get(f"{w}val")) if ref is not None else None
            if a is None:
                continue
            for lvl in a.iter(f"{w}lvl"):
                fmt, text, start = lvl.find(f"{w}numFmt"), lvl.find(f"{w}lvlText"), lvl.find(f"{w}start")
                self.levels[(num.get(f"{w}numId"), int(lvl.get(f"{w}ilvl") or 0))] = (
                    fmt.get(f"{w}val") if fmt is not None else "decimal",
                    text.get(f"{w}val") if text is not None else "%1.",
                    int(start.get(f"{w}val")) if start is not None else 1)

    def _num_pr(self, paragraph):
        w = self._W
        ppr = paragraph._p.pPr
        found = ppr.find(f"{w}numPr") if ppr is not None else None
        style = paragraph.style
        while found is None and style is not None:
            sppr = style.element.find(f"{w}pPr")
            found = sppr.find(f"{w}numPr") if sppr is not None else None
            style = style.base_style
        if found is None:
            return None
        num, ilvl = found.find(f"{w}numId"), found.find(f"{w}ilvl")
        return (num.get(f"{w}val") if num is not None else None, int(ilvl.get(f"{w}val")) if ilvl is not None else 0)

    def label(self, paragraph) -> str | None:
        if not self.levels:
            return None
        try:
            key = self._num_pr(paragraph)
        except Exception:
            return None
        if key is None or key not in self.levels:
            return None
        fmt, text, start = self.levels[key]
        if fmt in ("bullet", "none"):
            return "•" if fmt == "bullet" else None
        n = self.counters.get(key, start - 1) + 1
        self.counters[key] = n
        for deeper in [k for k in self.counters if k[0] == key[0] and k[1] > key[1]]:
            del self.counters[deeper]                 # a new item restarts the levels under it
        return text.replace(f"%{key[1] + 1}", _formatted(n, fmt))


def _formatted(n: int, fmt: str) -> str:
    if fmt in ("lowerLetter", "upperLetter"):
        letter = chr(ord("a") + (n - 1) % 26)
        return letter.upper() if fmt == "upperLetter" else letter
    if fmt in ("lowerRoman", "upperRoman"):
        numerals = [(10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")]
        out, k = "", n
        for value, numeral in numerals:
            while k >= value:
                out, k = out + numeral, k - value
        return out.upper() if fmt == "upperRoman" else out
    return str(n)
