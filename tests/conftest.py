"""Shared fixtures: a tiny inline dataset, a model trained on it once per session, and a
temporary registry holding that model, published through the real code path."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

from classifier.dataset import Dataset, load_dataset
from classifier.model import ModelParams
from classifier.registry import Registry
from classifier.training import TrainedModel, TrainingConfig, train

# CI explores the same examples on every run (a red build must be reproducible); local runs
# keep exploring new ones.
hypothesis_settings.register_profile("ci", derandomize=True, deadline=None)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")

TINY: dict[str, list[str]] = {
    "perception": [
        "Speech-to-text API that transcribes call-centre recordings with speaker labels.",
        "Detects scratches and dents on car doors from line-scan camera images.",
        "OCR for receipts: pulls totals, dates and merchant names out of photos.",
        "Face recognition gate for office turnstiles, works with masks on.",
        "Flags fraudulent card transactions in real time with an anomaly score.",
        "語音辨識引擎，把台語與國語會議錄音轉成逐字稿。",
        "影像辨識系統自動找出晶圓上的瑕疵並標出位置。",
        "基于深度学习的车牌识别模块，识别率高达百分之九十九。",
        "垃圾邮件分类器，为每封邮件打出可疑分数。",
        "Sentiment classifier for product reviews in twelve languages.",
    ],
    "generative": [
        "Write product descriptions, emails and blog posts in your brand voice.",
        "Text-to-image model that paints concept art from a one-line prompt.",
        "A chatbot that answers customer questions about your return policy.",
        "Turns any article into a natural-sounding podcast with synthetic voices.",
        "Code completion in your editor: suggests the next line as you type.",
        "聊天機器人可以陪你練習英文對話，隨時回答問題。",
        "輸入一段文字，就能生成一支三十秒的宣傳影片。",
        "AI 写作助手，帮你一键生成营销文案和小红书笔记。",
        "机器翻译服务，把中文合同翻译成流畅的英文。",
        "Summarises long PDF reports into a one-page brief.",
    ],
    "agentic": [
        "Give it a goal and it plans the steps, searches the web and books the trip for you.",
        "An autonomous coding agent that takes a ticket, edits files, runs tests and opens a PR.",
        "Agent that logs into your vendor portals, downloads invoices and files them in the ERP.",
        "Framework for orchestrating multiple tool-calling agents that hand tasks to each other.",
        "Operates your browser on its own to compare prices and place the order.",
        "AI 代理只要一個指令，就會自己拆解步驟、查資料並交出完整報告。",
        "自動幫你比價、下單、追蹤物流的購物代理。",
        "智能体自主调用企业系统的 API，完成报销审批的整个流程。",
        "给它一个需求，它会自己写代码、跑测试、提交合并请求。",
        "Research agent that reads fifty papers, runs the analysis and writes up the findings.",
    ],
    "physical": [
        "Humanoid robot that unloads boxes from trucks in warehouses.",
        "Self-driving robotaxi service now operating without safety drivers.",
        "Autonomous drone that inspects wind turbines and lands itself to recharge.",
        "Robot vacuum that sees socks and cables and steers around them.",
        "World foundation model that learns physics to train robots in simulation.",
        "人形機器人在工廠產線上搬運零件，能自己避開工人。",
        "自駕車在台北街頭測試，遇到行人會自動減速停車。",
        "农业无人机自主规划航线，精准喷洒农药。",
        "仓储机器人自动分拣包裹，一小时处理上万件。",
        "Robotic arm that learns to pick unfamiliar objects from a bin.",
    ],
    "none": [
        "A fast JSON parser for Rust with zero-copy deserialisation.",
        "Stainless steel electric kettle with a 1.7 litre capacity.",
        "The home team won 3-1 after two late goals in the second half.",
        "Chip export controls tightened again as the H20 now needs a licence.",
        "The data centre will draw 300 megawatts from the regional grid.",
        "台積電第三季營收創新高，先進製程需求強勁。",
        "這款電熱水壺有保溫功能，適合辦公室使用。",
        "新版记账软件支持多币种和银行流水导入。",
        "GPU 芯片出口管制再度收紧，相关概念股大跌。",
        "A CSS framework with utility classes and dark mode.",
    ],
}


def tiny_rows() -> list[dict[str, str]]:
    rows = []
    for label, texts in TINY.items():
        for index, text in enumerate(texts):
            rows.append(
                {
                    "id": f"{label}-{index}",
                    "text": text,
                    "label": label,
                    "group": f"{label}-{index % 5}",
                }
            )
    return rows


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
    )
    return path


@pytest.fixture(scope="session")
def tiny_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder laid out like training_data/: corpus plus holdout."""
    root = tmp_path_factory.mktemp("data")
    rows = tiny_rows()
    write_jsonl(root / "corpus" / "tiny.jsonl", rows)
    write_jsonl(root / "holdout" / "tiny.jsonl", rows[::3])
    return root


@pytest.fixture(scope="session")
def tiny_dataset(tiny_data_dir: Path) -> Dataset:
    return load_dataset([tiny_data_dir / "corpus"])


@pytest.fixture(scope="session")
def tiny_config() -> TrainingConfig:
    # Cue-free copies help on thousands of texts; on fifty they turn one-word remnants into
    # label cues ("kettle" reads as physical), so the unit tests' tiny model goes without them
    # (tests/classifier/test_augment.py covers them).
    return TrainingConfig(params=ModelParams(cue_free_copies=False), cv_folds=0)


@pytest.fixture(scope="session")
def tiny_trained(tiny_dataset: Dataset, tiny_config: TrainingConfig) -> TrainedModel:
    return train(tiny_dataset, tiny_config)


@pytest.fixture(scope="session")
def tiny_classifier(tiny_trained: TrainedModel):
    return tiny_trained.classifier


@pytest.fixture()
def registry(tmp_path: Path, tiny_trained: TrainedModel) -> Registry:
    """A fresh registry per test, holding one promoted model."""
    registry = Registry(tmp_path / "models")
    registry.publish(tiny_trained, promote=True)
    return registry
