"""Matrix message content: escaping, no mentions, and Matrix's event size limit."""
import json

from bot.adapters.matrix import render
from commands.reply import Code, Reply, Section, Strong, line


def size(c):
    return len(json.dumps(c, ensure_ascii=False).encode("utf-8"))


def test_html_escaped_and_no_mentions():
    c = render.content(Reply(text="x", title="<T>", sections=[Section(heading=line(Strong("<b>"), Code("2.6")),
                                                                      body=[line("@room <a href='x'>y</a>")])]))
    assert c["m.mentions"] == {} and c["msgtype"] == "m.notice"
    assert "<h3>&lt;T&gt;</h3>" in c["formatted_body"] and "<b>&lt;b&gt;</b>" in c["formatted_body"]
    assert "&lt;a href=&#x27;x&#x27;&gt;" in c["formatted_body"] and "@room" not in c["body"]


def test_many_long_sections_are_cut_to_fit_with_a_pointer():
    reply = Reply(text="inputs", sections=[Section(heading=line(Strong(f"Delegation {i}")),
                                                   body=[line("支持" * 1200)]) for i in range(60)])
    c = render.content(reply)
    assert size(c) <= render.MAX_CONTENT_BYTES
    assert "Delegation 0" in c["body"] and "more parts not shown" in c["body"]
    assert "formatted_body" in c


def test_one_huge_section_falls_back_to_clipped_plain_text():
    reply = Reply(text="one", sections=[Section(body=[line("我们支持两项公约之间的一致性。" * 3000)])])
    c = render.content(reply)
    assert size(c) <= render.MAX_CONTENT_BYTES and "formatted_body" not in c and "cut" in c["body"]


def test_links_become_anchors_with_escaped_addresses():
    from commands.reply import Link
    c = render.content(Reply(text="x", sections=[Section(body=[line(
        Link("Agenda page", "https://convene.example.org/groups/abc/?a=1&b=\"2\""))])]))
    assert ('<a href="https://convene.example.org/groups/abc/?a=1&amp;b=&quot;2&quot;">Agenda page</a>'
            in c["formatted_body"])
    assert "Agenda page: https://convene.example.org/groups/abc/" in c["body"]
