"""Matrix message content → the text the person wrote (bot/adapters/matrix/text.py): only the reply fallback goes."""
from bot.adapters.matrix.text import html_to_text, message_text, strip_reply_fallback


def name(user, label):
    return {"@carla:example.org": "Carla Smith"}.get(user, label)


def test_only_the_reply_fallback_is_removed_from_a_body():
    assert strip_reply_fallback("> <@bot:example.org> Reply to this message\n> more\n\nOur text.") == "Our text."
    assert strip_reply_fallback("> * <@bot:example.org> waves\n\nOur text.") == "Our text."
    own = "> The Cartagena Action Plan says X.\n\nNorway agrees."
    assert strip_reply_fallback(own) == own                                    # the delegate's own quote
    assert strip_reply_fallback("> <@bot:example.org> x\n\nOur text.", reply=False) == \
        "> <@bot:example.org> x\n\nOur text."                                   # not a reply: nothing to remove
    assert message_text({"body": own, "m.relates_to": {"m.in_reply_to": {"event_id": "$p"}}}) == own


def test_element_html_back_to_markdown_like_text():
    formatted = ('<mx-reply><blockquote><a href="https://matrix.to/#/!r/$e">In reply to</a> '
                 '<a href="https://matrix.to/#/@bot:example.org">bot</a><br>prompt</blockquote></mx-reply>'
                 "<p>Our points:</p>\n<ul>\n<li>first <em>point</em></li>\n<li>use <code>x = 1</code></li>\n</ul>\n"
                 '<ol start="3">\n<li>three</li>\n<li><strong>four</strong></li>\n</ol>\n'
                 "<blockquote>\n<p>quoted<br />\nover two lines</p>\n</blockquote>\n"
                 '<p>As <a href="https://matrix.to/#/@carla:example.org">Carla</a> said, see '
                 '<a href="https://example.org/doc">the doc</a>.</p>\n<pre><code>code\n  block\n</code></pre>\n')
    assert html_to_text(formatted, name) == (
        "Our points:\n\n- first *point*\n- use `x = 1`\n\n3. three\n4. **four**\n\n> quoted\n> over two lines\n\n"
        "As Carla Smith said, see the doc (https://example.org/doc).\n\n```\ncode\n  block\n```")


def test_html_without_markup_keeps_its_paragraphs_and_a_command_can_keep_ids():
    content = {"format": "org.matrix.custom.html", "body": "x",
               "formatted_body": '!convene member <a href="https://matrix.to/#/@carla:example.org">Carla</a> Peru'}
    assert message_text(content, lambda user, label: user) == "!convene member @carla:example.org Peru"
    assert message_text({"format": "org.matrix.custom.html", "formatted_body": "First.\n\nSecond."}) == \
        "First.\n\nSecond."
    assert message_text({"body": "plain\n\ntext"}) == "plain\n\ntext"


def test_a_loose_list_keeps_its_markers():
    assert html_to_text("<ul>\n<li>\n<p>a</p>\n</li>\n<li>\n<p>b</p>\n</li>\n</ul>\n<p>after</p>", name) == \
        "- a\n- b\n\nafter"
