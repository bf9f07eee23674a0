"""The hand-written agenda format (YAML). Documented in docs/agenda-format.md.

    title: Special Session on International Cooperation and Assistance
    date: 2010-06-25
    start: "10:00"
    end: "13:00"
    timezone: Europe/Zurich        # optional; default: the group's
    venue: Palais des Nations, Room XX
    symbol: APLC/MSP.10/2010/CRP.1 # optional
    background: |
      Free text.
    items:
      - number: 1
        title: Introductory remarks
        start: "10:00"
        presenters: [Ambassador Susan Eckey of Norway]
      - break: Coffee break
        start: "11:00"
        end: "11:15"
      - number: 2
        title: Victim assistance
        questions:
          - How can we gain greater clarity …?
    lists:                         # optional question lists of the group
      - symbol: APLC/MSP.10/2010/WP.15
        name: Issues to address
        questions:
          a: Improving efficiency …
          b: Identifying obstacles …

Several sessions go under ``sessions:`` as a list of the mappings above.
"""
from __future__ import annotations

import re
from datetime import date, datetime, time

import yaml

from commands.importers.model import DocumentError, ParsedDocument, ParsedItem, ParsedList, ParsedSession
from commands.importers.question_list import short_name
from commands.text.slugs import slugify

TIME_RE = re.compile(r"^([01]?\d|2[0-3])[:.h]([0-5]\d)$")


MAX_ALIASES = 20     # a hand-written agenda needs none; a "billion laughs" document needs many


class _LineLoader(yaml.SafeLoader):
    """SafeLoader that remembers the line of every mapping, for error messages, and refuses documents with
    more than a few aliases (``*name``), which can make a small file expand beyond any memory."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.events.AliasEvent):
            self._aliases = getattr(self, "_aliases", 0) + 1
            if self._aliases > MAX_ALIASES:
                mark = self.peek_event().start_mark
                raise DocumentError(f"more than {MAX_ALIASES} YAML aliases (*name): an agenda needs none; write each "
                                    "value out", mark.line + 1)
        return super().compose_node(parent, index)


def _construct_mapping(loader, node):
    mapping = loader.construct_mapping(node, deep=True)
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
# Dates stay strings so that a bad one is reported with its line, not as a crash inside PyYAML.
_LineLoader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()}


def parse_yaml_agenda(text: str, *, default_date: date | None = None) -> ParsedDocument:
    try:
        data = yaml.load(text, Loader=_LineLoader)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        raise DocumentError(f"this is not valid YAML: {e.problem or e.context}", mark.line + 1 if mark else None)
    except yaml.YAMLError as e:
        raise DocumentError(f"this is not valid YAML: {e}")
    if not isinstance(data, dict):
        raise DocumentError("expected a mapping with 'title', 'date' and 'items' (see docs/agenda-format.md)", 1)
    doc = ParsedDocument()
    session_maps = data.get("sessions")
    if session_maps is None and "title" in data:
        session_maps = [data]
    if session_maps is not None:
        if not isinstance(session_maps, list):
            raise DocumentError("'sessions' must be a list of sessions", data["__line__"])
        for s in session_maps:
            doc.sessions.append(_session(s, default_date))
    lists = data.get("lists") or []
    if not isinstance(lists, list):
        raise DocumentError("'lists' must be a list of question lists", data["__line__"])
    for lst in lists:
        doc.lists.append(_list(lst))
    if not doc.sessions and not doc.lists:
        raise DocumentError("expected 'title' and 'items' (one session), 'sessions' or 'lists'", data["__line__"])
    return doc


def _need(m: dict, key: str, what: str):
    if not isinstance(m, dict):
        raise DocumentError(f"expected a mapping with '{key}' ({what})")
    if m.get(key) in (None, ""):
        raise DocumentError(f"missing '{key}': expected {what}", m.get("__line__"))
    return m[key]


def _text(value, line, what) -> str:
    if not isinstance(value, (str, int, float)):
        raise DocumentError(f"expected {what} as text", line)
    return str(value).strip()


def _time(value, line, field) -> time:
    if isinstance(value, int) and not isinstance(value, bool):   # YAML 1.1 reads 10:00 as 600 (sexagesimal)
        value = f"{value // 60}:{value % 60:02d}"
    m = TIME_RE.match(str(value).strip())
    if not m:
        raise DocumentError(f"'{field}: {value}' is not a time: expected HH:MM such as \"10:00\"", line)
    return time(int(m.group(1)), int(m.group(2)))


def _date(value, line, default_date) -> date:
    if value in (None, ""):
        if default_date is None:
            raise DocumentError("missing 'date': expected YYYY-MM-DD (or pass --date)", line)
        return default_date
    if default_date is not None:
        raise DocumentError("the document has a 'date'; --date only fills in a missing date. Use --start to move it",
                            line)
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise DocumentError(f"'date: {value}' is not a date: expected YYYY-MM-DD", line)


def _session(s: dict, default_date) -> ParsedSession:
    line = s.get("__line__") if isinstance(s, dict) else None
    title = _text(_need(s, "title", "the session title"), line, "the title")
    day = _date(s.get("date"), line, default_date)
    items = []
    seen = {}
    raw_items = s.get("items") or []
    if not isinstance(raw_items, list):
        raise DocumentError("'items' must be a list of items (each a mapping with 'title', or 'break')", line)
    for raw in raw_items:
        if not isinstance(raw, dict):
            raise DocumentError("each item must be a mapping with 'title' (or 'break')", line)
        iline = raw["__line__"]
        kind = "break" if raw.get("break") else "item"
        title_i = _text(raw.get("break") if kind == "break" else _need(raw, "title", "the item title"), iline, "title")
        number = raw.get("number")
        if kind == "item" and "number" in raw and number is None:
            pass                                   # number: null — an item without a number (no questions then)
        elif kind == "item":
            number = str(number) if number is not None else str(1 + sum(1 for it in items if it.kind == "item"))
            if number in seen:
                raise DocumentError(f"item number {number} appears twice (first on line {seen[number]})", iline)
            seen[number] = iline
        presenters = raw.get("presenters") or []
        if isinstance(presenters, str):
            presenters = [presenters]
        if not isinstance(presenters, list):
            raise DocumentError("'presenters' must be a list of names", iline)
        questions = raw.get("questions") or []
        if kind == "break" and questions:
            raise DocumentError("a break cannot carry questions", iline)
        if kind == "item" and number is None and questions:
            raise DocumentError("an item without a number cannot carry questions (their refs are NUMBER.N)", iline)
        if not isinstance(questions, list):
            raise DocumentError("'questions' must be a list of texts", iline)
        start = datetime.combine(day, _time(raw["start"], iline, "start")) if raw.get("start") else None
        end = datetime.combine(day, _time(raw["end"], iline, "end")) if raw.get("end") else None
        items.append(ParsedItem(number=number if kind == "item" else None, title=title_i, kind=kind,
                                start=start, end=end, presenters=[str(p) for p in presenters],
                                description=raw.get("description"),
                                questions=[_text(q, iline, "a question") for q in questions], line=iline))
    start_t = s.get("start") or next((it.start.strftime("%H:%M") for it in items if it.start), None)
    if start_t is None:
        raise DocumentError("missing 'start': expected the session's start time such as \"10:00\"", line)
    start = datetime.combine(day, _time(start_t, line, "start"))
    end_t = s.get("end")
    end = datetime.combine(day, _time(end_t, line, "end")) if end_t else max(
        [t for it in items for t in (it.end, it.start) if t] + [start])
    if end <= start:
        raise DocumentError("the session ends before it starts", line)
    key = s.get("key") or f"{slugify(title)}@{day.isoformat()}"
    deadline = None
    if s.get("deadline"):
        try:
            deadline = datetime.strptime(str(s["deadline"]).strip().replace("T", " "), "%Y-%m-%d %H:%M")
        except ValueError:
            raise DocumentError(f"'deadline: {s['deadline']}' is not a date and time: expected "
                                "\"YYYY-MM-DD HH:MM\"", line)
    return ParsedSession(title=title, start=start, end=end, items=items, key=str(key),
                         venue=s.get("venue"), symbol=s.get("symbol"), background=s.get("background"),
                         timezone=s.get("timezone"), deadline=deadline)


def _list(lst: dict) -> ParsedList:
    line = lst.get("__line__") if isinstance(lst, dict) else None
    symbol = _text(_need(lst, "symbol", "the document symbol such as APLC/MSP.10/2010/WP.15"), line, "symbol")
    raw_q = lst.get("questions")
    questions: list[tuple[str, str]] = []
    if isinstance(raw_q, dict):
        questions = [(str(k), _text(v, line, "a question")) for k, v in raw_q.items() if k != "__line__"]
    elif isinstance(raw_q, list):
        questions = [(chr(ord("a") + i), _text(v, line, "a question")) for i, v in enumerate(raw_q)]
    if not questions:
        raise DocumentError("a list needs 'questions' (a mapping of letter to text, or a list)", line)
    return ParsedList(name=str(lst.get("name") or "Questions"), symbol=symbol, short=short_name(symbol),
                      questions=questions, description=lst.get("description"))
