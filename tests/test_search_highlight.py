"""Search results mark the words searched for (issue 19: "with the matched words
highlighted"), in every list and in the site search, without letting markup through."""

import pytest

from partnerships.templatetags.partnerships_tags import highlight


def test_each_word_searched_is_marked_whatever_its_case():
    assert highlight("Suzhou Bureau of Education", "bureau suzhou") == (
        "<mark>Suzhou</mark> <mark>Bureau</mark> of Education"
    )


def test_words_left_out_with_a_minus_and_or_are_not_marked():
    assert highlight("Suzhou or Wuxi", "Suzhou OR -Wuxi") == "<mark>Suzhou</mark> or Wuxi"


def test_the_text_and_the_words_are_escaped():
    assert highlight("A <b> & B", "<b>") == "A <mark>&lt;b&gt;</mark> &amp; B"
    assert highlight("<script>", "") == "&lt;script&gt;"


@pytest.mark.parametrize(
    "url,q,marked",
    [
        ("/partnerships/", "Wuxi", "<mark>Wuxi</mark> Bureau of Education"),
        ("/alliances/", "special", "Alliance of <mark>Special</mark> Education"),
        ("/organizations/", "Suihua", "<mark>Suihua</mark> University"),
        ("/conferences/", "Jiangsu", "<mark>Jiangsu</mark> International"),
        ("/search/", "Suihua", "<mark>Suihua</mark> University"),
    ],
)
def test_a_result_marks_the_words_searched_for(client, seed, url, q, marked):
    assert marked in client.get(url, {"q": q}).content.decode()


def test_a_list_without_a_search_marks_nothing(client, seed):
    assert "<mark>" not in client.get("/partnerships/").content.decode()
