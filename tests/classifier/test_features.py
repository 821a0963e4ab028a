import pickle
import re
import unicodedata

from hypothesis import given
from hypothesis import strategies as st
from sklearn.feature_extraction.text import TfidfVectorizer

from classifier.features import CharWbNgrams, CjkNgrams, WordNgrams, display_term, normalise


def test_normalise_folds_width_case_links_and_controls():
    assert normalise("ＲＯＢＯＴ\x00 Arm\n\nsee https://x.io/a?b=1") == "robot arm see urltoken"


def reference_normalise(text: str) -> str:
    """The definition normalise() is an optimised form of, written the plain way."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = re.sub(r"https?://\S+|www\.\S+", " urltoken ", text)
    text = "".join(c for c in text if ord(c) >= 32 or c in "\t\n\r")
    return re.sub(r"\s+", " ", text).strip()


@given(st.text(max_size=200) | st.text(alphabet="ａＡ　 \t\n\x0b\x1c\u2028\u3000é́ﬁ①", max_size=40))
def test_normalise_equals_its_plain_definition(text):
    assert normalise(text) == reference_normalise(text)


def test_word_ngrams_with_prefixes():
    grams = WordNgrams((1, 2), prefix=5)("Robotics robots, GPT-4o!")
    assert grams[:4] == ["robotics", "robots", "gpt", "4o"]
    assert "robotics robots" in grams and "^robot" in grams


def test_cjk_ngrams_come_from_cjk_runs_only():
    assert CjkNgrams((1, 2))("AI 機器人 robot") == ["機", "器", "人", "機器", "器人"]


def test_folding_makes_both_scripts_give_the_same_grams():
    folding = CjkNgrams((1, 2), fold_scripts=True)
    assert folding("機器人識別語音") == folding("机器人识别语音")
    assert CjkNgrams((1, 2))("機器人") != CjkNgrams((1, 2))("机器人")


def test_an_analyzer_pickled_before_folding_existed_does_not_fold():
    old = CjkNgrams.__new__(CjkNgrams)
    old.__dict__.update({"ngram_range": (1, 1)})  # the attributes an older model carries
    restored = pickle.loads(pickle.dumps(old))
    assert restored("機") == ["機"]


def test_char_wb_matches_scikit_learn():
    reference = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(1, 4), lowercase=False, preprocessor=normalise
    ).build_analyzer()
    for text in ["a robot  arm", "x", "ab abcde", "語音 API"]:
        assert CharWbNgrams((1, 4))(text) == reference(text)


def test_display_term_strips_block_and_prefix_marks():
    assert display_term("char__ robo") == "robo" and display_term("word__^robot") == "robot"
