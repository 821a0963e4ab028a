import json

import pytest

from classifier.errors import TaxonomyError
from classifier.taxonomy import LABELS, _raw_taxonomy, check_label, load_taxonomy, parse_taxonomy


def test_taxonomy_has_the_five_labels_in_stage_order():
    taxonomy = load_taxonomy()
    assert taxonomy.labels == LABELS
    orders = [stage.order for stage in taxonomy.stages]
    assert orders == [1, 2, 3, 4, None]


def test_every_stage_is_defined_in_english_and_traditional_chinese():
    for stage in load_taxonomy().stages:
        for text in (stage.definition, stage.names, stage.summary):
            assert text.in_("en") and text.in_("zh-Hant")
            assert text.in_("en") != text.in_("zh-Hant")
        assert stage.capabilities.in_("en") and stage.capabilities.in_("zh-Hant")


def test_stages_carry_the_article_chinese_names():
    taxonomy = load_taxonomy()
    assert taxonomy.stage("perception").names.zh_hant == "感知 AI"
    assert taxonomy.stage("generative").names.zh_hant == "生成 AI"
    assert "AI 代理" in taxonomy.stage("agentic").names.zh_hant
    assert "實體 AI" in taxonomy.stage("physical").names.zh_hant


@pytest.mark.parametrize(
    ("label", "example"),
    [
        ("perception", "AlexNet"),
        ("generative", "ChatGPT"),
        ("generative", "Gemini"),
        ("generative", "DeepSeek"),
        ("agentic", "AutoGPT"),
        ("agentic", "Copilot"),
        ("physical", "Cosmos"),
        ("physical", "Humanoid"),
    ],
)
def test_article_examples_are_attached_to_their_stage(label, example):
    names = " ".join(e.name for e in load_taxonomy().stage(label).examples)
    assert example in names


def test_all_fifteen_hard_case_rules_are_present_in_both_languages():
    rules = load_taxonomy().rules
    assert [rule.id for rule in rules] == list(range(1, 16))
    assert all(rule.en and rule.zh_hant for rule in rules)


def test_rules_for_a_label_include_the_rules_that_name_it():
    ids = [rule.id for rule in load_taxonomy().rules_for("agentic")]
    assert 3 in ids and 13 in ids and 12 not in ids


def test_unknown_label_is_a_taxonomy_error():
    with pytest.raises(TaxonomyError, match="unknown label 'robotic'"):
        load_taxonomy().stage("robotic")
    with pytest.raises(TaxonomyError):
        check_label("Perception")


def test_definitions_missing_a_translation_are_refused():
    raw = json.loads(_raw_taxonomy())
    del raw["stages"][2]["definition"]["zh-Hant"]
    with pytest.raises(TaxonomyError, match="invalid"):
        parse_taxonomy(json.dumps(raw).encode())


def test_definitions_with_stages_out_of_order_are_refused():
    raw = json.loads(_raw_taxonomy())
    raw["stages"][0], raw["stages"][1] = raw["stages"][1], raw["stages"][0]
    with pytest.raises(TaxonomyError, match="in that order"):
        parse_taxonomy(json.dumps(raw).encode())
