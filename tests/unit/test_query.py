"""Query syntax: weights, negatives, phrases and example images."""

from __future__ import annotations

import pytest

from photoseek.core.errors import QueryError
from photoseek.core.search import parse_query


def _parts(q: str) -> list[tuple[float, str | None]]:
    return [(p.weight, p.text if p.text is not None else p.image) for p in parse_query(q)]


def test_weights_and_negatives():
    assert _parts("beach +2:sunset -people") == [(1, "beach"), (2, "sunset"), (-1, "people")]


def test_decimal_weight_and_plain_plus():
    assert _parts("dog +0.5:snow +grass") == [(1, "dog"), (0.5, "snow"), (1, "grass")]


def test_plain_words_form_one_phrase():
    assert _parts("sunset over mountains") == [(1, "sunset over mountains")]


def test_quoted_phrase_kept_together():
    assert _parts('"boats on a lake" -fog') == [(1, "boats on a lake"), (-1, "fog")]


def test_hyphenated_words_are_not_negatives():
    assert _parts("black-and-white portrait") == [(1, "black-and-white portrait")]


def test_existing_image_path_is_an_image_part(tmp_path, make_photo):
    ref = make_photo(tmp_path / "ref.jpg", "red")
    parts = parse_query(f"{ref} +0.5:winter")
    assert parts[0].image == str(ref) and parts[0].text is None and parts[0].weight == 1
    assert (parts[1].weight, parts[1].text) == (0.5, "winter")


def test_quoted_image_path_with_spaces(tmp_path, make_photo):
    ref = make_photo(tmp_path / "my photos" / "ref.png", "red", fmt="PNG")
    parts = parse_query(f'"{ref}" beach')
    assert parts[0].image == str(ref) and parts[1].text == "beach"


def test_negative_image_part(tmp_path, make_photo):
    ref = make_photo(tmp_path / "ref.jpg", "red")
    parts = parse_query(f"beach -{ref}")
    assert (parts[1].weight, parts[1].image) == (-1, str(ref))


def test_path_that_does_not_exist_stays_text(tmp_path):
    missing = tmp_path / "nope.jpg"
    assert _parts(f"{missing}") == [(1, str(missing))]


@pytest.mark.parametrize("q", ["", "   ", '""'])
def test_empty_query_is_an_error(q):
    with pytest.raises(QueryError, match="empty"):
        parse_query(q)


def test_only_negative_is_an_error_with_hint():
    with pytest.raises(QueryError, match="only negative") as ei:
        parse_query("-people -cars")
    assert ei.value.hint


def test_marked_quoted_phrase_loses_its_quotes():
    assert _parts('beach -"foggy morning" +2:"red boat"') == [(1, "beach"), (-1, "foggy morning"), (2, "red boat")]


def test_negative_quoted_image_path_with_spaces(tmp_path, make_photo):
    ref = make_photo(tmp_path / "my photos" / "ref.jpg", "red")
    parts = parse_query(f'beach -"{ref}"')
    assert (parts[1].weight, parts[1].image) == (-1, str(ref))


def test_mark_applies_to_one_word_only():
    # the CLI help says "'+2:word' weighs, '-word' subtracts": the words after it are positive again
    assert _parts("-people beach at dusk") == [(-1, "people"), (1, "beach at dusk")]
    assert _parts("+2:sunset over mountains") == [(2, "sunset"), (1, "over mountains")]
