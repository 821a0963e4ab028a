"""Words that hint at a stage without deciding it, and phrases no real author writes.

A corpus in which "robot" only ever appears in `physical` texts teaches the model that the word
is the label. `cue_balance` measures, for each ambiguous cue, how often it appears under a label
other than its most common one; the corpus check asks for at least `MIN_OTHER_SHARE`.

The phrase lists catch text that was written to match the labeling guidelines rather than the
way people describe products: wording lifted from the guidelines' rules, and sentences that only
pin a label ("it does not generate anything").
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

MIN_OTHER_SHARE = 0.15

# name -> pattern, matched case-insensitively. English cues match whole words (so "bot" is not
# found in "robot" or "bottle"); Chinese cues match anywhere, in either script.
CUES: dict[str, str] = {
    "agent": r"\bagents?\b",
    "bot": r"\bbots?\b",
    "robot": r"\brobots?\b",
    "robotic": r"\brobotics?\b",
    "autonomous": r"\bautonomous(?:ly)?\b",
    "self-driving": r"\bself[- ]driving\b",
    "driver": r"\bdrivers?\b",
    "generate": r"\bgenerat(?:e|es|ed|ing)\b",
    "generator": r"\bgenerators?\b",
    "detect": r"\bdetect(?:s|ed|ing|ion|or|ors)?\b",
    "recognise/recognize": r"\brecogni[sz](?:e|es|ed|ing|ation)\b",
    "translate": r"\btranslat(?:e|es|ed|ing|ion|ions|or)\b",
    "summarise/summarize": r"\bsummari[sz](?:e|es|ed|ing|ation)\b",
    "vision": r"\bvision\b",
    "voice": r"\bvoices?\b",
    "smart": r"\bsmart\b",
    "AI-powered": r"\bai[- ]powered\b",
    "智能体": "智能体|智能體",
    "代理": "代理",
    "机器人/機器人": "机器人|機器人",
    "自动/自動": "自动|自動",
    "自主": "自主",
    "驱动/驅動": "驱动|驅動",
    "生成": "生成",
    "检测/檢測": "检测|檢測",
    "识别/辨識": "识别|識別|辨识|辨識",
    "翻译/翻譯": "翻译|翻譯",
    "摘要": "摘要",
    "智能/智慧": "智能|智慧",
    "视觉/視覺": "视觉|視覺",
    "语音/語音": "语音|語音",
}

# Wording of the labeling guidelines' rules. Real product pages and news never use it; a corpus
# that does teaches the model our documents instead of the world's.
GUIDELINE_PHRASES = (
    "core function",
    "core job",
    "stage of ai",
    "in the physical world",
    "perceives and acts",
    "pursue a goal on its own",
    "pursues a goal on its own",
    "returns a finished result",
    "with little guidance",
    "steers it turn by turn",
    "recognise or understand",
    "recognize or understand",
    "out of scope",
    "general-purpose ml infrastructure",
    "stage-specific",
    "only sound like ai",
    "at the most advanced stage",
    "label what the software does",
)

# Sentences that exist only to pin a label. A few occur in real documentation, so a small share
# is allowed (MAX_DISCLAIMER_SHARE).
DISCLAIMER_PATTERNS = (
    r"\bdoes(?:n't| not) (?:generate|write|draft|create|plan|act on|speak)\b",
    r"\bno (?:ai|ml|machine learning|model) (?:involved|inside|at all)\b",
    r"\bpurely rule[- ]based\b",
    r"\bonly (?:scores|classifies|detects|listens|transcribes)\b.{0,40}\bnever\b",
    r"\bnever (?:rewrites|generates|drafts|acts on its own)\b",
    r"不(?:会|會)?生成任何",
    r"只做(?:识别|識別|辨識)",
    r"不(?:会|會)自己(?:行动|行動|下单|下單)",
)
MAX_DISCLAIMER_SHARE = 0.005

_CUES = {name: re.compile(pattern, re.IGNORECASE) for name, pattern in CUES.items()}
_DISCLAIMERS = re.compile("|".join(DISCLAIMER_PATTERNS), re.IGNORECASE)


@dataclass(frozen=True)
class CueRow:
    cue: str
    texts: int
    top_label: str | None
    other_share: float  # share of the texts whose label is not `top_label`
    none_texts: int

    @property
    def ok(self) -> bool:
        return self.texts == 0 or self.other_share >= MIN_OTHER_SHARE


def cue_balance(texts: Sequence[str], labels: Sequence[str]) -> list[CueRow]:
    rows = []
    for name, pattern in _CUES.items():
        found = Counter(
            label for text, label in zip(texts, labels, strict=True) if pattern.search(text)
        )
        total = sum(found.values())
        top, top_count = found.most_common(1)[0] if found else (None, 0)
        other = (total - top_count) / total if total else 0.0
        rows.append(CueRow(name, total, top, round(other, 4), found.get("none", 0)))
    return rows


def guideline_phrases_in(text: str) -> list[str]:
    lowered = text.lower()
    return [phrase for phrase in GUIDELINE_PHRASES if phrase in lowered]


def has_disclaimer(text: str) -> bool:
    return _DISCLAIMERS.search(text) is not None
