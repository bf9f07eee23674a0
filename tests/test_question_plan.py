"""The matching a re-import follows (commands/rules/questions.py), on its own."""
from hypothesis import given, settings, strategies as st

from commands.rules import questions as qp


def S(i, ref, text, inputs=0):
    return qp.Stored(i, ref, text, inputs)


def test_the_reported_case_drop_the_first_reword_the_second():
    stored = [S(1, "1.1", "How can the flow of funds be made faster?", 1),
              S(2, "1.2", "Which mechanisms favour national ownership?", 1)]
    changes = qp.plan(stored, [qp.Incoming("1.1", "Which mechanisms best favour national ownership?")])
    assert [(c.kind, c.old.id if c.old else None, c.new.ref if c.new else None) for c in changes] == [
        ("reworded", 2, "1.1"), ("removed", 1, None)]
    assert [c.needs_confirmation for c in changes] == [False, True]


def test_identical_texts_match_whatever_the_order_and_case():
    stored = [S(1, "2.1", "Alpha question?"), S(2, "2.2", "Beta question?")]
    changes = qp.plan(stored, [qp.Incoming("2.1", "BETA  question"), qp.Incoming("2.2", "alpha question?")])
    assert [(c.kind, c.old.id) for c in changes] == [("moved", 2), ("moved", 1)]


def test_equally_similar_texts_keep_their_labels():
    stored = [S(1, "1.1", "Same words here?"), S(2, "1.2", "Same words here?")]
    changes = qp.plan(stored, [qp.Incoming("1.1", "Same words here?"), qp.Incoming("1.2", "Same words here?")])
    assert [(c.kind, c.old.id) for c in changes] == [("unchanged", 1), ("unchanged", 2)]


def test_unrelated_text_at_the_same_place_is_a_new_question():
    changes = qp.plan([S(1, "1.1", "How can the flow of funds be made faster?", 3)],
                      [qp.Incoming("1.1", "Which mechanisms favour national ownership?")])
    assert [c.kind for c in changes] == ["added", "removed"]
    assert changes[1].needs_confirmation


texts = st.text(alphabet="abcdefgh ?", min_size=1, max_size=30)


@settings(max_examples=200, deadline=None)
@given(st.lists(texts, max_size=6), st.lists(texts, max_size=6), st.lists(st.integers(0, 2), min_size=6, max_size=6))
def test_an_answered_question_never_continues_under_substantially_different_text(old, new, inputs):
    stored = [S(i, f"1.{i}", t, inputs[i]) for i, t in enumerate(old)]
    changes = qp.plan(stored, [qp.Incoming(f"1.{j}", t) for j, t in enumerate(new)])
    assert sorted(c.old.id for c in changes if c.old) == list(range(len(old)))      # every stored one decided
    assert [c.new.ref for c in changes if c.new] == [f"1.{j}" for j in range(len(new))]
    for c in changes:
        if c.keeps_identity and c.old.inputs:
            assert qp.similarity(c.old.text, c.new.text) >= qp.MINOR
