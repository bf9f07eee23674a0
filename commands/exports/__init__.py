"""Exports, one module per format, all built from storage. ``render`` is the single entry point
used by chat commands and the CLI alike."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage import agenda as agenda_store
from storage.models import Group, Session

FORMATS = {
    "docx": ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "md": ("md", "text/markdown; charset=utf-8"),
    "csv": ("csv", "text/csv; charset=utf-8"),
    "json": ("json", "application/json"),
    "ics": ("ics", "text/calendar; charset=utf-8"),
    "yaml": ("yaml", "application/yaml; charset=utf-8"),
}


@dataclass
class Exported:
    filename: str
    content: bytes
    mimetype: str
    title: str




def render(db, group: Group, fmt: str, session: Session | None, now: datetime, *, edition: str | None = None,
           paper: str = "a4") -> Exported:
    """A file of ``fmt``. Compilations come in two editions: ``public`` (their default, without coordinators-only
    inputs: what may be forwarded) and ``full`` (with them, marked restricted on every page); JSON is the whole
    group, a backup (``full`` unless ``public`` is asked: then without restricted inputs); the calendar has no
    inputs."""
    from commands.exports.compilation import compile_inputs
    ext, mime = FORMATS[fmt]
    if fmt == "json":
        from commands.exports.json_export import export_json
        edition = edition or "full"
        public = edition == "public"
        return Exported(f"{group.slug}{'-public' if public else ''}.json", export_json(db, group, edition), mime,
                        f"{group.name} — {'public' if public else 'full'} export (JSON)")
    if fmt == "yaml":
        from commands.exports.yaml_export import build_yaml
        name = f"{group.slug}-session-{session.id}.yaml" if session else f"{group.slug}-agenda.yaml"
        return Exported(name, build_yaml(db, group, session), mime, f"{group.name} — agenda (YAML)")
    if fmt == "ics":
        from commands.exports.ics_export import build_ics
        sessions = [session] if session else agenda_store.sessions_of_group(db, group.id)
        name = f"{group.slug}-session-{session.id}.ics" if session else f"{group.slug}-calendar.ics"
        return Exported(name, build_ics(db, group, sessions, now), mime, f"{group.name} — calendar")
    edition = edition or "public"
    comp = compile_inputs(db, group, session, now, edition=edition)
    if fmt == "docx":
        from commands.exports.docx_export import build_docx
        data = build_docx(comp, paper)
    elif fmt == "md":
        from commands.exports.markdown_export import build_markdown
        data = build_markdown(comp)
    else:
        from commands.exports.csv_export import build_csv
        data = build_csv(comp)
    stem = f"{group.slug}-session-{session.id}" if session else f"{group.slug}-lists"
    return Exported(export_filename(stem, ext, edition), data, mime,
                    f"Compilation of written inputs — {comp.title}" + (" (full edition)" if edition == "full" else ""))


def export_filename(stem: str, ext: str, edition: str = "public") -> str:
    return f"{stem}-inputs{'-full' if edition == 'full' else ''}.{ext}"
