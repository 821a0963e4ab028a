"""Tells English, Traditional Chinese and Simplified Chinese apart, without a model.

Used to fill in `lang` when a user's file leaves it out and to break evaluation down by language.
A text with a fair share of CJK characters is Chinese; its script is decided by counting characters
that are written differently in the two scripts.
"""

from __future__ import annotations

import re

LANGS: tuple[str, ...] = ("en", "zh-Hant", "zh-Hans")

# Han (with extension A and the compatibility block), then kana and hangul, as inclusive code point
# ranges. Language detection counts Han only; the features' character grams use all of them.
HAN_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF))
CJK_RANGES = (*HAN_RANGES, (0x3040, 0x30FF), (0xAC00, 0xD7AF))
_CJK = re.compile("[" + "".join(f"{chr(a)}-{chr(b)}" for a, b in HAN_RANGES) + "]")
_LATIN_WORD = re.compile(r"[A-Za-z]+")

# Common characters whose Simplified and Traditional forms differ (each string holds one script).
_SIMPLIFIED_ONLY = frozenset(
    "这们来为说时国会经过还发现进动对种后开关门问长东车书马鸟鱼见觉读语认识话讯计设请谁调谈费资质"
    "买卖价产业务农电脑网络软件数据库图视频音识别机学习汇报纸样让应该实际验证总统选举战争军队华员头"
    "热烧爱灯钟铁钱银针错锁键闻闭间阅阳阴陆险难顺须领题风飞饭馆驾驶鸡齐龙边达运远连递逻辑辆轮转载较"
    "辅输优势术师创务导层帮带广庆库应态惯户扩护拟挥损换据权构标检气汽测浏灵盘确积简类红级线组织终"
    "结给统绘继续维综编缩网罗职联脑虚补装规觉订训记评译诊试诚详语诺谋购贸资赛赞趋践车轨软较过运进远"
    "选钢锂闪问闻阶际陈随隐韩页项顾预频题颜风驱验鲁鸿麦黄齿"
)
_TRADITIONAL_ONLY = frozenset(
    "這們來為說時國會經過還發現進動對種後開關門問長東車書馬鳥魚見覺讀語認識話訊計設請誰調談費資質"
    "買賣價產業務農電腦網絡軟體數據庫圖視頻識別機學習匯報紙樣讓應該實際驗證總統選舉戰爭軍隊華員頭"
    "熱燒愛燈鐘鐵錢銀針錯鎖鍵聞閉間閱陽陰陸險難順須領題風飛飯館駕駛雞齊龍邊達運遠連遞邏輯輛輪轉載較"
    "輔輸優勢術師創務導層幫帶廣慶庫應態慣戶擴護擬揮損換據權構標檢氣測瀏靈盤確積簡類紅級線組織終"
    "結給統繪繼續維綜編縮網羅職聯腦虛補裝規覺訂訓記評譯診試誠詳語諾謀購貿資賽贊趨踐車軌軟較過運進遠"
    "選鋼鋰閃問聞階際陳隨隱韓頁項顧預頻題顏風驅驗魯鴻麥黃齒體"
)


def detect_language(text: str) -> str:
    """Return "en", "zh-Hant" or "zh-Hans"; mixed texts follow their Chinese script."""
    cjk = _CJK.findall(text)
    words = len(_LATIN_WORD.findall(text))
    if not cjk or len(cjk) < 0.5 * words:
        return "en"
    simplified = sum(ch in _SIMPLIFIED_ONLY for ch in cjk)
    traditional = sum(ch in _TRADITIONAL_ONLY for ch in cjk)
    return "zh-Hans" if simplified > traditional else "zh-Hant"


def approx_words(text: str) -> float:
    """Length in English-word equivalents: a Latin word is one, a CJK character half."""
    return len(_LATIN_WORD.findall(text)) + len(_CJK.findall(text)) / 2


def length_bucket(text: str) -> str:
    """'tagline' under 15 word-equivalents, 'long' from 80, 'blurb' in between."""
    words = approx_words(text)
    if words < 15:
        return "tagline"
    return "long" if words >= 80 else "blurb"


def encodable(text: str) -> bool:
    """False for text holding a lone surrogate: legal in a Python str (and in JSON through a
    \\u escape) but not encodable as UTF-8, so it cannot be stored or written faithfully."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
