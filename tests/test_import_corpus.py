"""The importer scored on a corpus of programmes, agendas and question papers written for this purpose in the styles
secretariats publish (tests/fixtures/corpus: each document with its expected reading), and on the two seed
documents. Run this file alone with -s to see the score per style and every miss."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from commands.importers import read_document
from commands.importers.apply import parse_start

CORPUS = Path(__file__).parent / "fixtures" / "corpus"
CATEGORIES = ("items", "times", "presenters", "breaks", "questions", "lists")


def _hm(moment):
    return moment.strftime("%H:%M") if moment else None


def score(doc_path: Path) -> tuple[dict[str, list[int]], list[str]]:
    """(category → [right, total], misses) for one document of the corpus."""
    expected = yaml.safe_load(doc_path.with_suffix(".yaml").read_text(encoding="utf-8"))
    args = expected.get("args") or {}
    fallback = parse_start(args["start"]).date() if "start" in args else None
    got = read_document(str(doc_path), fallback_date=fallback)
    tally = {c: [0, 0] for c in CATEGORIES}
    misses: list[str] = []

    def check(category, ok, what):
        tally[category][1] += 1
        if ok:
            tally[category][0] += 1
        else:
            misses.append(f"{category}: {what}")

    sessions = {s.start.date().isoformat(): s for s in got.sessions}
    for exp in expected.get("sessions") or []:
        s = sessions.get(str(exp["date"]))
        if "title" in exp:
            check("items", s is not None and s.title == exp["title"],
                  f"title {exp['title']!r} vs {s.title if s else None!r}")
        items = list(s.items) if s else []
        for e in exp["items"]:
            if "break" in e:
                match = next((it for it in items if it.kind == "break" and it.title == e["break"]), None)
                check("breaks", match is not None, f"break {e['break']!r} on {exp['date']}")
                if match:
                    items.remove(match)
                    for key in ("start", "end"):
                        check("times", _hm(getattr(match, key)) == e.get(key),
                              f"{e['break']} {key} {e.get(key)} vs {_hm(getattr(match, key))}")
                continue
            match = next((it for it in items if it.kind == "item" and it.title == e["title"]), None)
            check("items", match is not None and match.number == (str(e["n"]) if e["n"] is not None else None),
                  f"item {e['n']} {e['title']!r} vs "
                  f"{[(it.number, it.title) for it in items if it.kind == 'item'][:3]}")
            if match is None:
                continue
            items.remove(match)
            for key in ("start", "end"):
                check("times", _hm(getattr(match, key)) == e.get(key),
                      f"{e['title']} {key} {e.get(key)} vs {_hm(getattr(match, key))}")
            check("presenters", list(match.presenters) == list(e.get("presenters") or []),
                  f"{e['title']} presenters {e.get('presenters')} vs {match.presenters}")
            check("questions", list(match.questions) == list(e.get("questions") or []),
                  f"{e['title']} questions {e.get('questions')} vs {match.questions}")
        for extra in items:
            check("items" if extra.kind == "item" else "breaks", False, f"unexpected {extra.kind} {extra.title!r}")
    if not expected.get("sessions"):
        check("items", not got.sessions, f"sessions read from a question paper: {[s.title for s in got.sessions]}")
    for exp in expected.get("lists") or []:
        lst = next((x for x in got.lists if x.short == exp["short"]), None)
        check("lists", lst is not None, f"list {exp['short']} vs {[x.short for x in got.lists]}")
        if lst:
            check("lists", [list(q) for q in lst.questions] == exp["questions"],
                  f"{exp['short']} {exp['questions']} vs {lst.questions}")
    return tally, misses


DOCUMENTS = sorted(p for ext in ("txt", "docx", "pdf") for p in CORPUS.glob(f"*.{ext}")
                   if p.with_suffix(".yaml").exists())
# The corpus's overall score (right / checked, every document) may not drop below this. Raised as the reader
# learns; documents not yet at 100% say why in their YAML (known_miss).
OVERALL_FLOOR = 0.99         # 1707/1720 = 99.2% when the issue-24 blind batch was taken in


def _expected(doc: Path) -> dict:
    return yaml.safe_load(doc.with_suffix(".yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("doc", DOCUMENTS, ids=[d.name for d in DOCUMENTS])
def test_every_item_time_presenter_break_question_and_list_right(doc):
    """Never refused (a refusal raises here); every check right, unless the document is a known miss (its YAML says
    why), which is held by the overall floor below."""
    tally, misses = score(doc)
    expected = _expected(doc)
    right = sum(r for r, _ in tally.values())
    total = sum(t for _, t in tally.values())
    print(f"\n{expected['style']}: {right}/{total} " + ", ".join(f"{c} {r}/{t}" for c, (r, t) in tally.items() if t))
    if expected.get("known_miss"):
        assert misses, f"{doc.name} is marked a known miss but reads right: remove known_miss from its YAML"
        return
    assert misses == []


def _origin(doc: Path) -> str:
    return "blind" if "written blind" in _expected(doc)["style"] else "own"


def test_the_corpus_score_per_style_and_overall_does_not_drop():
    """The score per kind of file (text, Word, PDF), per origin (written blind, without reading the reader; written
    for it) and overall; the overall score may not fall below OVERALL_FLOOR."""
    groups: dict[str, list[int]] = {}
    at_100 = 0
    for doc in DOCUMENTS:
        tally, misses = score(doc)
        right, total = sum(r for r, _ in tally.values()), sum(t for _, t in tally.values())
        at_100 += not misses
        for key in (f"{doc.suffix[1:]} documents", f"{_origin(doc)} documents", "overall"):
            g = groups.setdefault(key, [0, 0])
            g[0] += right
            g[1] += total
    for key, (right, total) in groups.items():
        print(f"\n{key}: {right}/{total} = {100 * right / total:.1f}%", end="")
    print(f"\ndocuments read entirely right: {at_100}/{len(DOCUMENTS)}")
    right, total = groups["overall"]
    assert right / total >= OVERALL_FLOOR


def test_a_question_paper_is_named_by_its_own_title():
    from commands.importers import read_document as read
    [lst] = read(str(CORPUS / "spanish_questionnaire.txt")).lists
    assert (lst.name, lst.symbol) == ("Cuestionario sobre cooperación y asistencia", "APLC/CONF/2027/WP.3")
