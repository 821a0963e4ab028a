"""What a tagging run found: counts for the terminal, and a self-contained HTML report.

The HTML report draws its charts as inline SVG, with no scripts and no external files, so it
can be mailed or archived as one file and still open years later.
"""

from __future__ import annotations

import heapq
import html
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from classifier.taxonomy import LABELS

LOW_CONFIDENCE = 0.5
LOWEST_KEPT = 25
COLORS = {
    "perception": "#2f7ed8",
    "generative": "#9b59b6",
    "agentic": "#e67e22",
    "physical": "#27ae60",
    "none": "#7f8c8d",
}


@dataclass
class TagSummary:
    records: int = 0
    tagged: int = 0
    errors: int = 0
    low_confidence: int = 0
    per_label: Counter = field(default_factory=Counter)
    confidence_bins: list[int] = field(default_factory=lambda: [0] * 10)
    per_period: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    lowest: list[tuple[float, int, dict]] = field(default_factory=list)
    skipped: int = 0  # records already in the output of a resumed run
    model_version: str = ""

    def add(self, row: dict, period: str | None) -> None:
        self.records += 1
        if "error" in row:
            self.errors += 1
            return
        self.tagged += 1
        label, confidence = row["label"], row["confidence"]
        self.per_label[label] += 1
        self.confidence_bins[min(9, int(confidence * 10))] += 1
        if confidence < LOW_CONFIDENCE:
            self.low_confidence += 1
        if period:
            self.per_period[period][label] += 1
        entry = (-confidence, self.records, _review_entry(row))
        if len(self.lowest) < LOWEST_KEPT:
            heapq.heappush(self.lowest, entry)
        else:
            heapq.heappushpop(self.lowest, entry)

    def to_dict(self) -> dict[str, object]:
        return {
            "records": self.records,
            "tagged": self.tagged,
            "errors": self.errors,
            "low_confidence": self.low_confidence,
            "skipped_as_already_done": self.skipped,
            "per_label": {label: self.per_label.get(label, 0) for label in LABELS},
        }

    def lowest_confidence(self) -> list[dict]:
        return [entry for _, _, entry in sorted(self.lowest, key=lambda e: -e[0])]


def _review_entry(row: dict) -> dict:
    text = str(row.get("title") or row.get("text") or row.get("body") or "")
    text = " ".join(text.split())
    return {
        "id": str(row.get("id", "")),
        "label": row["label"],
        "confidence": row["confidence"],
        "snippet": text[:160] + ("…" if len(text) > 160 else ""),
        "runner_up": sorted(row["scores"].items(), key=lambda kv: -kv[1])[1][0],
    }


def period_of(value: object) -> str | None:
    """'2026-03-14' or '2026-03-14T10:00Z' -> '2026-03'; anything else -> None."""
    text = str(value or "")
    if len(text) >= 7 and text[4] == "-" and text[:4].isdigit() and text[5:7].isdigit():
        return text[:7]
    return None


# -- HTML ------------------------------------------------------------------------------------


def _bar_chart(counts: dict[str, int], width: int = 560) -> str:
    top = max(counts.values(), default=0) or 1
    rows = []
    for i, (label, n) in enumerate(counts.items()):
        length = (width - 190) * n / top
        y = 10 + i * 34
        rows.append(
            f'<text x="0" y="{y + 17}" class="lbl">{label}</text>'
            f'<rect x="100" y="{y}" width="{length:.1f}" height="24" rx="4" '
            f'fill="{COLORS[label]}"/>'
            f'<text x="{106 + length:.1f}" y="{y + 17}" class="num">{n}</text>'
        )
    height = 20 + 34 * len(counts)
    return f'<svg viewBox="0 0 {width} {height}" role="img">{"".join(rows)}</svg>'


def _histogram(bins: list[int], width: int = 560, height: int = 200) -> str:
    top = max(bins) or 1
    bar = (width - 60) / len(bins)
    parts = []
    for i, n in enumerate(bins):
        h = (height - 50) * n / top
        x = 40 + i * bar
        color = "#c0392b" if i < 5 else "#2c3e50"
        parts.append(
            f'<rect x="{x + 2:.1f}" y="{height - 30 - h:.1f}" width="{bar - 4:.1f}" '
            f'height="{h:.1f}" '
            f'fill="{color}" rx="3"/><text x="{x + bar / 2:.1f}" y="{height - 34 - h:.1f}" '
            f'class="num" text-anchor="middle">{n}</text>'
            f'<text x="{x + bar / 2:.1f}" y="{height - 12}" class="axis" text-anchor="middle">'
            f"{i / 10:.1f}</text>"
        )
    return f'<svg viewBox="0 0 {width} {height}" role="img">{"".join(parts)}</svg>'


def _over_time(per_period: dict[str, Counter], width: int = 760, height: int = 260) -> str:
    periods = sorted(per_period)
    top = max((sum(per_period[p].values()) for p in periods), default=0) or 1
    slot = (width - 60) / max(1, len(periods))
    parts = []
    for i, period in enumerate(periods):
        x = 40 + i * slot
        y = height - 40
        for label in LABELS:
            n = per_period[period].get(label, 0)
            h = (height - 70) * n / top
            y -= h
            if n:
                parts.append(
                    f'<rect x="{x + 3:.1f}" y="{y:.1f}" width="{slot - 6:.1f}" height="{h:.1f}" '
                    f'fill="{COLORS[label]}"><title>{period} {label}: {n}</title></rect>'
                )
        parts.append(
            f'<text x="{x + slot / 2:.1f}" y="{height - 22}" class="axis" '
            f'text-anchor="middle">{period}</text>'
        )
    legend = "".join(
        f'<rect x="{40 + i * 120}" y="4" width="12" height="12" fill="{COLORS[label]}"/>'
        f'<text x="{56 + i * 120}" y="15" class="axis">{label}</text>'
        for i, label in enumerate(LABELS)
    )
    return f'<svg viewBox="0 0 {width} {height}" role="img">{legend}{"".join(parts)}</svg>'


def render_html(summary: TagSummary, source: str) -> str:
    counts = {label: summary.per_label.get(label, 0) for label in LABELS}
    rows = "".join(
        f"<tr><td>{html.escape(e['id'])}</td><td><span class='tag' style='background:"
        f"{COLORS[e['label']]}'>{e['label']}</span></td><td>{e['confidence']:.2f}</td>"
        f"<td>{e['runner_up']}</td><td>{html.escape(e['snippet'])}</td></tr>"
        for e in summary.lowest_confidence()
    )
    time_section = (
        f"<section><h2>Stage over time</h2>{_over_time(summary.per_period)}</section>"
        if summary.per_period
        else ""
    )
    facts = summary.to_dict()
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ai-stage report: {html.escape(source)}</title>
<style>
body {{ font: 15px/1.5 system-ui, sans-serif; max-width: 900px; margin: 24px auto; color: #1d2330;
  padding: 0 16px; }}
section {{ border: 1px solid #dde2ea; border-radius: 10px; padding: 14px 18px; margin: 16px 0; }}
h1 {{ font-size: 24px; margin-bottom: 4px; }} h2 {{ font-size: 17px; margin: 0 0 8px; }}
.facts span {{ display: inline-block; margin-right: 22px; }} .facts b {{ font-size: 20px; }}
svg {{ width: 100%; height: auto; }} .lbl, .num, .axis {{ font: 13px system-ui, sans-serif; }}
.axis {{ fill: #5c6678; }} table {{ border-collapse: collapse; width: 100%; font-size: 13px; }}
td, th {{ border-bottom: 1px solid #eef1f6; padding: 5px 6px; text-align: left;
  vertical-align: top; }}
.tag {{ color: #fff; border-radius: 10px; padding: 1px 8px; font-size: 12px; }}
</style></head><body>
<h1>ai-stage tagging report</h1>
<p>{html.escape(source)} · model {html.escape(summary.model_version)}</p>
<section class="facts"><span><b>{facts["records"]}</b> records</span>
<span><b>{facts["tagged"]}</b> tagged</span><span><b>{facts["errors"]}</b> errors</span>
<span><b>{facts["low_confidence"]}</b> below {LOW_CONFIDENCE:.0%} confidence</span></section>
<section><h2>Stage distribution</h2>{_bar_chart(counts)}</section>
{time_section}
<section><h2>Confidence</h2>{_histogram(summary.confidence_bins)}</section>
<section><h2>Lowest-confidence documents, for review</h2>
<table><tr><th>id</th><th>stage</th><th>confidence</th><th>runner-up</th><th>text</th></tr>
{rows}</table></section>
</body></html>
"""
