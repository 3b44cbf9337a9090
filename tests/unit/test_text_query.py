"""How a query is split into a word search and a meaning search (pure)."""

from __future__ import annotations

from photoseek.core.text_query import MatchMode, split_text_query


def test_text_prefix_searches_words_only_and_keeps_the_rest_for_ordering():
    q = split_text_query('text:"moonlight 42"')
    assert (q.mode, q.words, q.phrase, q.meaning) == (MatchMode.WORDS, "moonlight 42", True, "")
    q = split_text_query("sign TEXT:exit")
    assert (q.mode, q.words, q.phrase, q.meaning) == (MatchMode.WORDS, "exit", False, "sign")


def test_a_query_that_is_one_quoted_phrase_searches_words_only():
    q = split_text_query('  "open 7am" ')
    assert (q.mode, q.words, q.phrase, q.explicit) == (MatchMode.WORDS, "open 7am", True, False)
    assert split_text_query("text:open").explicit


def test_other_queries_search_both_with_the_positive_words():
    q = split_text_query('"boats on a lake" -fog +2:sunset ~/ref.jpg')
    assert q.mode is MatchMode.BOTH
    assert q.words == "boats on a lake sunset"
    assert q.meaning == '"boats on a lake" -fog +2:sunset ~/ref.jpg'
    assert split_text_query("bakery").words == "bakery"
