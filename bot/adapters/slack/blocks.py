"""Reply → Block Kit (messages, the App Home, modals), within Slack's limits.

Limits honoured (Slack's documented caps): 50 blocks per message, 100 in modals and the Home tab;
3,000 characters per section text; 150 per header; 75 per option label; 24 per modal title;
3,000 per plain_text_input; 3,000 for private_metadata. A reply that would exceed them is cut with
a pointer to a narrower command, never sent to fail with an API error.
"""
from __future__ import annotations

import json
import re
from datetime import timezone

from bot.adapters.slack.text import escape, notification_text, plain_escape
from commands.text.words import count
from commands.text import timefmt
from commands.contract import STALE, ActionError, EditField, FormContext, SubmitInput
from commands.reply import Code, Form, Link, Quote, Reply, Strong, When

MESSAGE_BLOCKS = 50
SURFACE_BLOCKS = 100
SECTION_CHARS = 3000
HEADER_CHARS = 150
OPTION_LABEL = 75
MODAL_TITLE = 24
INPUT_MAX = 3000
OPTIONS_MAX = 100
TEXT_CHARS = 3000
ACTION_SUBMIT = SubmitInput.action_id
FORM_CALLBACK = "convene_form:"


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _when(w: When) -> str:
    token = {"time": "{time}", "date": "{date_long_pretty}", "datetime": "{date_short_pretty} {time}"}[w.style]
    fallback = f"{w.plain()} {timefmt.zone_label(w.tz)}"
    ts = int(w.moment.astimezone(timezone.utc).timestamp())
    return f"<!date^{ts}^{token}|{fallback}>"


def mrkdwn_line(ln) -> str:
    out = []
    for p in ln:
        if isinstance(p, str):
            out.append(escape(p))
        elif isinstance(p, Strong):
            out.append(f"*{escape(p.text).replace('*', '∗')}*")
        elif isinstance(p, Code):
            out.append(f"`{escape(p.text).replace('`', 'ʼ')}`")
        elif isinstance(p, When):
            out.append(_when(p))
        elif isinstance(p, Quote):
            out.append("\n".join("&gt; " + escape(ln) for ln in p.text.split("\n")))
        elif isinstance(p, Link):
            url = p.url.replace("|", "%7C").replace(">", "%3E").replace("<", "%3C")
            out.append(f"<{url}|{escape(p.label).replace('|', '¦')}>")
    return "".join(out)


def _chunks(lines: list[str], limit: int = SECTION_CHARS) -> list[str]:
    """Join lines into texts of at most ``limit`` characters, cutting only an over-long single line."""
    out, cur = [], ""
    for ln in lines:
        ln = _clip(ln, limit)
        if cur and len(cur) + 1 + len(ln) > limit:
            out.append(cur)
            cur = ln
        else:
            cur = f"{cur}\n{ln}" if cur else ln
    if cur:
        out.append(cur)
    return out


def _context(lines: list[str]) -> dict:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": _clip(t, TEXT_CHARS)} for t in lines[:10]]}


ACTIONS_PER_BLOCK = 25


def action_id(action: str, i: int) -> str:
    """Slack wants the buttons of one actions block told apart: the first keeps the action's id, the next get
    ``:1``, ``:2`` … (``action_pattern`` matches them all)."""
    return action if i == 0 else f"{action}:{i}"


def action_pattern(action: str) -> re.Pattern:
    return re.compile(rf"^{re.escape(action)}(?::\d+)?$")


def reply_blocks(reply: Reply, *, limit: int = MESSAGE_BLOCKS, slash: str = "/") -> list[dict]:
    blocks: list[dict] = []
    if reply.title:
        blocks.append({"type": "header", "text": {"type": "plain_text", "text": _clip(plain_escape(reply.title),
                                                                                    HEADER_CHARS)}})
    for sec in reply.sections:
        lines = []
        if sec.heading:
            lines.append(mrkdwn_line(sec.heading))
        lines += [mrkdwn_line(ln) for ln in sec.body]
        if sec.table is not None:
            for row in sec.table.rows:
                cells = [mrkdwn_line(c) if isinstance(c, tuple) else escape(str(c)) for c in row]
                lines.append(" · ".join([f"*{cells[0]}*"] + [c for c in cells[1:] if c]) if cells else "")
        if not lines:
            continue
        texts = _chunks(lines)
        for i, text in enumerate(texts):
            block = {"type": "section", "text": {"type": "mrkdwn", "text": text}}
            if sec.button and i == 0:
                block["accessory"] = {"type": "button", "action_id": sec.button.action, "value": sec.button.value,
                                      "text": {"type": "plain_text", "text": _clip(sec.button.label, 75)}}
            blocks.append(block)
        if sec.actions:
            blocks.append({"type": "actions", "elements": [
                {"type": "button", "action_id": action_id(b.action, i), "value": b.value,
                 "text": {"type": "plain_text", "text": _clip(plain_escape(b.label), 75)}}
                for i, b in enumerate(sec.actions[:ACTIONS_PER_BLOCK])]})
    tail = []
    if reply.timezone:
        tail.append(_context([f"Times are shown in your own time zone; the session's is "
                              f"{timefmt.zone_label(reply.timezone)} ({reply.timezone})."]))
    if reply.context:
        tail.append(_context([mrkdwn_line(ln) for ln in reply.context]))
    room = limit - len(tail)
    if len(blocks) > room:
        hidden = len(blocks) - (room - 1)
        blocks = blocks[: room - 1]
        blocks.append(_context([f"… {count(hidden, 'more part')} not shown here: Slack shows at most {limit} blocks. "
                                f"Ask for one item (`{slash}agenda 2`, `{slash}questions 3`) to see it whole."]))
    return blocks + tail


def message(reply: Reply, *, slash: str = "/") -> dict:
    """Arguments for chat.postMessage / an ack body: notification text plus blocks."""
    text = reply.text if reply.ok else f"⚠️ {reply.text}"
    return {"text": _clip(notification_text(text), TEXT_CHARS), "blocks": reply_blocks(reply, slash=slash),
            "unfurl_links": False, "unfurl_media": False}


def home_view(reply: Reply) -> dict:
    return {"type": "home", "blocks": reply_blocks(reply, limit=SURFACE_BLOCKS)}


def notice_view(title: str, reply: Reply) -> dict:
    """A modal that only shows a message (an error when a form could not open)."""
    return {"type": "modal", "title": {"type": "plain_text", "text": _clip(plain_escape(title), MODAL_TITLE)},
            "close": {"type": "plain_text", "text": "Close"},
            "blocks": reply_blocks(reply, limit=SURFACE_BLOCKS)}


def _option(label: str, value: str) -> dict:
    return {"text": {"type": "plain_text", "text": _clip(plain_escape(label), OPTION_LABEL)}, "value": value[:150]}


def form_view(form: Form, context: FormContext) -> dict:
    """A modal for ``form``; what it carries back (the command, the room, the group) is ``context``, encoded by the
    contract and decoded (and checked) by it when the form is submitted."""
    blocks: list[dict] = []
    if form.intro:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": _clip(escape(form.intro), SECTION_CHARS)}})
    for f in form.fields:
        block: dict = {"type": "input", "block_id": f.name, "optional": f.optional,
                       "label": {"type": "plain_text", "text": _clip(plain_escape(f.label), 2000)}}
        hint = f.hint
        if f.kind == "select":
            options = [_option(c.label, c.value) for c in f.choices[:OPTIONS_MAX]]
            el = {"type": "static_select", "action_id": "value", "options": options,
                  "placeholder": {"type": "plain_text", "text": _clip(f.placeholder or "Choose a question", 150)}}
            chosen = [o for o in options if o["value"] == f.initial]
            if chosen:
                el["initial_option"] = chosen[0]
            if len(f.choices) > OPTIONS_MAX:
                hint = f"The first {OPTIONS_MAX} are listed; for the others use the command with the ref."
        elif f.kind == "file":
            el = {"type": "file_input", "action_id": "value", "max_files": 1,
                  "filetypes": ["pdf", "docx", "txt", "md", "yaml", "yml"]}
        elif f.kind == "radio":
            options = [_option(c.label, c.value) for c in f.choices]
            el = {"type": "radio_buttons", "action_id": "value", "options": options}
            chosen = [o for o in options if o["value"] == f.initial]
            if chosen:
                el["initial_option"] = chosen[0]
        else:
            el = {"type": "plain_text_input", "action_id": "value", "multiline": f.kind == "multiline"}
            cap = min(f.max_length or INPUT_MAX, INPUT_MAX)
            el["max_length"] = cap
            if f.kind == "multiline" and (f.max_length or 0) > INPUT_MAX:
                hint = (f"Slack takes up to {INPUT_MAX:,} characters in this field. For a longer statement, send the "
                        "first part here, then add the rest with /inputs append REF TEXT (up to "
                        f"{f.max_length:,} characters in all).")
            if f.initial:
                if len(f.initial) <= cap:
                    el["initial_value"] = f.initial
                elif f.too_long:     # the form says what to do with a text too long for the field
                    hint = (f"The current text is {len(f.initial):,} characters, more than this field takes: left "
                            f"empty, it stays as it is. {f.too_long}")
                else:
                    hint = (f"Your current text is {len(f.initial):,} characters, more than this field takes: "
                            "change it with /inputs edit REF TEXT, or add to it with /inputs append REF TEXT.")
        block["element"] = el
        if hint:
            block["hint"] = {"type": "plain_text", "text": _clip(hint, 2000)}
        blocks.append(block)
    return {"type": "modal", "callback_id": FORM_CALLBACK + form.id,
            "title": {"type": "plain_text", "text": _clip(plain_escape(form.title), MODAL_TITLE)},
            "submit": {"type": "plain_text", "text": _clip(plain_escape(form.submit_label), MODAL_TITLE)},
            "close": {"type": "plain_text", "text": "Cancel"},
            "private_metadata": json.dumps(context.encode()),
            "blocks": blocks[:SURFACE_BLOCKS]}


# The fields of the forms Convene opens (commands/families/inputs.py submit_form, commands/families/imports.py; the
# agenda edit form names its fields as commands.contract.EditField values): a submitted form naming another field
# (group_id, action …) is not one we made.
FORM_FIELDS = frozenset({"question", "text", "disclosure", "note", "document", "start"})


def _form_field(name: str) -> bool:
    if name in FORM_FIELDS:
        return True
    try:
        EditField.decode(name)
    except ActionError:
        return False
    return True


def form_values(view: dict) -> dict:
    """The submitted values of a form view, by field name: text for text fields and choices, file ids for a file
    field. A form of another shape (a field we never ask for, a list or an object where text belongs) raises
    ActionError: it is answered like a stale form, never trusted."""
    state = view.get("state") if isinstance(view, dict) else None
    values = state.get("values") if isinstance(state, dict) else None
    if values is None:
        return {}
    if not isinstance(values, dict):
        raise ActionError(STALE)
    out = {}
    for block_id, actions in values.items():
        if not _form_field(block_id) or not isinstance(actions, dict):
            raise ActionError(STALE)
        el = actions.get("value") or {}
        if not isinstance(el, dict):
            raise ActionError(STALE)
        if el.get("type") in ("static_select", "radio_buttons"):
            chosen = el.get("selected_option") or {}
            value = chosen.get("value") if isinstance(chosen, dict) else chosen
        elif el.get("type") == "file_input":
            files = el.get("files") or []
            if not isinstance(files, list) or not all(isinstance(f, dict) for f in files):
                raise ActionError(STALE)
            value = [f.get("id") for f in files if f.get("id")]
            if not all(isinstance(v, str) for v in value):
                raise ActionError(STALE)
            out[block_id] = value
            continue
        else:
            value = el.get("value")
        if value is not None and not isinstance(value, str):
            raise ActionError(STALE)
        out[block_id] = value
    return out


def form_meta(view: dict) -> dict:
    try:
        return json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
