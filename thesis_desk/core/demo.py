"""The demo workspace: the five seed articles, and three theses grounded in them.

Nothing is invented: every quote below is located in a seed's text exactly as it
stands (the seeds are messy on purpose; sentences run together). The theses, their
pillars, convictions and notes are the demo author's reading of the seeds and carry
the tag "demo" and a line saying so, so nobody takes them for their own research.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from thesis_desk.core.errors import UserError
from thesis_desk.core.records import DocumentMeta, EvidenceInput, PillarInput, ThesisInput
from thesis_desk.core.timeutil import parse_date

DEMO_TAG = "demo"
DEMO_NOTE = ("*Demo thesis, built from the five seed articles that ship with Thesis Desk. "
             "The quotes are verbatim; the judgement is an example.*\n\n")

JEF, CITIC, REUTERS, BABA_REVAL, ARBITRAGE = (
    "000_2f07c438691f6022.txt", "001_f3003735395ee855.txt", "002_a2ee4af6bab04f5c.txt",
    "003_cd6d62745e296335.txt", "004_f9ab1a86d1ef58b7.txt")


@dataclass(frozen=True)
class Quote:
    seed: str
    text: str
    stance: str
    weight: int
    pillar: str | None = None  # key into the thesis's pillars
    note: str = ""


@dataclass(frozen=True)
class DemoThesis:
    thesis: ThesisInput
    pillars: dict[str, PillarInput]
    quotes: tuple[Quote, ...]


def _t(title: str, claim: str, narrative: str, **kw: object) -> ThesisInput:
    return ThesisInput(title=title, claim=claim, narrative=DEMO_NOTE + narrative,
                       tags=(DEMO_TAG, *kw.pop("tags", ())), **kw)  # type: ignore[arg-type]


THESES: tuple[DemoThesis, ...] = (
    DemoThesis(
        _t("Alibaba revaluation hinges on capex allocation",
           "Alibaba re-rates from an e-commerce multiple once its AI and cloud spending is "
           "seen to earn a return.",
           "## The argument\n\nBefore the rebound the market paid about 10x earnings for "
           "Alibaba's e-commerce profits and little for cloud and AI. The re-rating goes on "
           "only if capex is allocated where it earns cloud revenue.\n\n## Watch\n\n"
           "- Capex against cloud revenue each quarter\n- Qwen's standing against US models",
           direction="long", status="active", conviction=60,
           instruments=("BABA", "9988.HK"), tags=("china", "ai", "capex")),
        {
            "value": PillarInput("pillar", "The market starts to value Alibaba's cloud and AI, "
                                 "not only its e-commerce profits"),
            "return": PillarInput("pillar", "AI capex earns a return: spending turns into cloud "
                                  "revenue growth"),
            "models": PillarInput("pillar", "Alibaba's models stay competitive with leading "
                                  "US models"),
            "kill": PillarInput("kill", "Capex keeps outrunning cloud revenue and the market "
                                "treats it as maintenance capex"),
            "earnings": PillarInput("catalyst", "Earnings report that shows the scale of AI and "
                                    "cloud investment (seed 003: 'February 20th')"),
            "geo": PillarInput("risk", "Geopolitics and export controls cap compute"),
        },
        (
            Quote(BABA_REVAL, "Before this rebound, Alibaba's price-to-earnings (P/E) ratio was "
                  "hovering around the 10 times mark, significantly lower than the average 20 "
                  "times P/E ratio observed within the US tech sector", "supports", 3, "value",
                  "The gap to US tech is the upside if cloud/AI get credit."),
            Quote(BABA_REVAL, "Some analysts have pointed out that the market valuation appears "
                  "to assign only a 10 times P/E to Alibaba’s e-commerce profits, neglecting to "
                  "account for its cloud and AI ventures.", "supports", 2, "value"),
            Quote(BABA_REVAL, "True movement toward a genuine AI theme market rally will only "
                  "occur when the debate shifts towards how Alibaba intends to allocate its "
                  "capital expenditures", "supports", 3, "return",
                  "The thesis in one sentence."),
            Quote(BABA_REVAL, "the technical strength and commercial ability of Tongyi Qwen "
                  "emerged as the standout choice, presenting a substantial market opportunity "
                  "that covers over 200 million iOS users in China", "supports", 2, "value"),
            Quote(BABA_REVAL, "In evaluations conducted by the authoritative platform ChatBot "
                  "Arena, Tongyi Qwen 2.5-Max scored 1332 points, ranking seventh globally",
                  "supports", 1, "models"),
            Quote(REUTERS, "In the June quarter, combined capital expenditure at Baidu, Alibaba "
                  "and Tencent surged 168% from the prior period, with Alibaba and Baidu "
                  "reporting gains of 57% and 30%, respectively.", "context", 2, "return"),
            Quote(REUTERS, "Jefferies noted that Chinese firms have already surpassed US peers in "
                  "the ratio of cloud-related investment to cloud revenue, at 121% in the June "
                  "quarter versus 94% for US companies.", "contradicts", 2, "kill",
                  "Spending already exceeds cloud revenue: the kill criterion to watch."),
            Quote(ARBITRAGE, "For Baidu and Alibaba, the ratio has inverted. The market views "
                  "their AI spending as \"maintenance Capex\"—money that must be spent just to "
                  "keep their existing businesses from collapsing, rather than money that will "
                  "create new markets.", "contradicts", 3, "return"),
            Quote(ARBITRAGE, "Alibaba Cloud faces intense price competition from state-owned "
                  "telecom carriers", "contradicts", 2, "return"),
            Quote(ARBITRAGE, "Chinese firms operate under a persistent hardware deficit due to "
                  "export controls.", "contradicts", 2, "models"),
        ),
    ),
    DemoThesis(
        _t("China AI valuation gap narrows as earnings catch up",
           "Chinese AI leaders close part of their valuation gap with US peers as capex, "
           "models and then earnings catch up.",
           "## The argument\n\nJefferies and CITIC both describe Chinese AI assets early in "
           "their re-rating. The gap closes for good only when earnings arrive; until then "
           "every quarter has to verify it.",
           direction="long", status="active", conviction=55,
           instruments=("BABA", "0700.HK", "BIDU"), tags=("china", "ai")),
        {
            "gap": PillarInput("pillar", "The valuation discount to US AI peers narrows"),
            "earnings": PillarInput("pillar", "Earnings begin to catch up with the re-rating"),
            "capex": PillarInput("pillar", "Chinese AI capex keeps rising toward US levels"),
            "kill": PillarInput("kill", "Quarterly results fail to verify the re-rating"),
        },
        (
            Quote(JEF, "The market capitalization of Jefferies’ selected basket of Chinese AI "
                  "stocks has surged approximately $732 billion, or 88%, since January 2025, "
                  "reaching an estimated total of $1.8 trillion.", "supports", 2, "gap"),
            Quote(JEF, "these stocks only represent around 6.5% of the market capitalization of "
                  "global AI peers, increasing to roughly 8% when major private firms are "
                  "considered.", "supports", 2, "gap", "Room to run, on Jefferies' numbers."),
            Quote(JEF, "The report also noted a reduction in performance disparities between "
                  "leading Chinese and U.S. AI models, with the gap narrowing from 8% to "
                  "approximately 6%.", "supports", 2, None),
            Quote(JEF, "China's AI industry remains in the initial monetization phase compared "
                  "to its U.S. counterparts", "contradicts", 2, "earnings"),
            Quote(JEF, "capital expenditures related to AI from China’s hyperscalers are "
                  "projected to be about 18% of U.S. spending during 2023–2025, with "
                  "expectations of further increases", "supports", 2, "capex"),
            Quote(REUTERS, "The four leading Chinese firms spent about $45 billion in the past 12 "
                  "months, compared with $291 billion by the top US players.", "context", 2,
                  "capex"),
            Quote(CITIC, "Since January, the stock prices of leading companies such as Alibaba, "
                  "SMIC (688981.SH), BYD (002594.SZ), and Xiaomi Group have increased by 51%, "
                  "43%, 37%, and 30%, respectively.", "supports", 1, "gap"),
            Quote(CITIC, "the sustainability of this revaluation depends on the quarterly "
                  "verification of leading companies' performance", "context", 3, "kill"),
            Quote(CITIC, "Currently, American model companies still significantly lead, "
                  "maintaining strong advantages in cutting-edge fields such as multimodal, "
                  "world models, and reinforcement learning.", "contradicts", 2, None),
            Quote(CITIC, "sustained valuation increases require performance verification "
                  "quarter by quarter", "contradicts", 1, "earnings"),
        ),
    ),
    DemoThesis(
        _t("Chinese big tech's structural discount persists",
           "Compute limits, regulation and a slower consumer flywheel keep Chinese big tech "
           "priced as utilities, whatever their AI spending.",
           "## The bear case\n\nThe last seed argues the discount is rational: three frictions "
           "(compute, regulation, the monetisation flywheel) cap what AI can add to these "
           "companies. It dies if a Chinese AI application breaks out that US models cannot "
           "copy.",
           direction="short", status="draft", conviction=45,
           instruments=("BABA", "0700.HK", "BIDU"), tags=("china", "bear-case")),
        {
            "compute": PillarInput("pillar", "Compute constraints cap Chinese model performance"),
            "regulation": PillarInput("pillar", "Regulation slows model iteration"),
            "flywheel": PillarInput("pillar", "The consumer-internet flywheel that funded R&D "
                                    "has slowed"),
            "kill": PillarInput("kill", "A Vertical AI Breakout: a Chinese AI application US "
                                "models cannot replicate"),
        },
        (
            Quote(ARBITRAGE, "restricted access to Tier-1 compute hardware, a regulatory "
                  "framework that prioritizes content control over model velocity, and an "
                  "erosion of the traditional consumer internet \"flywheel\" that previously "
                  "funded Chinese R&D", "supports", 3, None, "The three frictions."),
            Quote(ARBITRAGE, "Investors perceive this as a capped ceiling on performance.",
                  "supports", 2, "compute"),
            Quote(ARBITRAGE, "In a sector where a three-month lead can result in a dominant "
                  "ecosystem position, a six-month approval process is a strategic liability.",
                  "supports", 2, "regulation"),
            Quote(ARBITRAGE, "The market is no longer pricing these companies as \"Growth Tech\" "
                  "but as \"Utility Tech.\"", "supports", 2, "flywheel"),
            Quote(ARBITRAGE, "This flywheel has slowed significantly.", "supports", 1,
                  "flywheel"),
            Quote(JEF, "Chinese cloud service providers, AI software firms, and data center "
                  "companies are trading at discounts relative to their U.S. counterparts",
                  "supports", 2, None),
            Quote(BABA_REVAL, "DeepSeek's cost-effective models challenge the prevailing notion "
                  "that substantial capital investment is necessary for AI development",
                  "contradicts", 2, "compute"),
            Quote(CITIC, "DeepSeek, on its own, has changed the expectation of \"U.S. AI's "
                  "cliff-like lead,\" thereby altering global investors' judgments on the value "
                  "of Chinese technology assets.", "contradicts", 3, None),
            Quote(CITIC, "Compared to comparable companies in the United States, leading Chinese "
                  "AI companies have a significant valuation advantage.", "context", 1, None),
            Quote(REUTERS, "Jefferies argued that the country’s emphasis on efficiency and "
                  "commercialization could spur faster adoption of AI applications "
                  "domestically", "contradicts", 1, "kill"),
        ),
    ),
)


@dataclass(frozen=True)
class DemoMetric:
    """A value a seed states, with the date it states it for, and the passage it is in."""

    name: str
    unit: str
    value: float
    on: str  # ISO date
    seed: str
    passage: str
    thesis: str  # title of the demo thesis that tracks it
    expected: str  # up / down / none
    note: str


# Only seed 002 is dated, so only its figures can be placed on a date; the undated
# seeds' figures (P/E near 10 vs 20, the 8% -> 6% model gap, the $1.8 trillion basket)
# stay evidence, not observations: a date would have to be invented.
METRICS: tuple[DemoMetric, ...] = (
    DemoMetric("China top-4 cloud providers' capex, trailing 12 months", "US$ bn", 45,
               "2025-09-01", REUTERS, "The four leading Chinese firms spent about $45 billion "
               "in the past 12 months, compared with $291 billion by the top US players.",
               "China AI valuation gap narrows as earnings catch up", "up",
               "'about $45 billion in the past 12 months', as reported on 2025-09-01"),
    DemoMetric("Top US players' capex, trailing 12 months", "US$ bn", 291, "2025-09-01",
               REUTERS, "The four leading Chinese firms spent about $45 billion in the past 12 "
               "months, compared with $291 billion by the top US players.",
               "China AI valuation gap narrows as earnings catch up", "none",
               "'$291 billion by the top US players', as reported on 2025-09-01"),
    DemoMetric("China cloud capex / cloud revenue", "%", 121, "2025-06-30", REUTERS,
               "Jefferies noted that Chinese firms have already surpassed US peers in the ratio "
               "of cloud-related investment to cloud revenue, at 121% in the June quarter versus "
               "94% for US companies.", "Alibaba revaluation hinges on capex allocation", "down",
               "June quarter (the article of 2025-09-01 calls it 'the June quarter')"),
    DemoMetric("US cloud capex / cloud revenue", "%", 94, "2025-06-30", REUTERS,
               "Jefferies noted that Chinese firms have already surpassed US peers in the ratio "
               "of cloud-related investment to cloud revenue, at 121% in the June quarter versus "
               "94% for US companies.", "Alibaba revaluation hinges on capex allocation", "none",
               "June quarter (the article of 2025-09-01 calls it 'the June quarter')"),
)


def manifest(seeds: Path) -> list[dict]:
    return json.loads((seeds / "manifest.json").read_text(encoding="utf-8"))["documents"]


def build_demo(ws, seeds: Path) -> dict[str, int]:  # ws: thesis_desk.app.Workspace
    """Fill an empty workspace with the demo. Refuses a workspace that has content."""
    if not ws.is_empty():
        raise UserError("This workspace already has theses, documents or metrics; the demo "
                        "only goes into an empty one. Use --data-dir to make a fresh "
                        "workspace for it.")
    doc_ids: dict[str, int] = {}
    for entry in manifest(seeds):
        meta = DocumentMeta(
            title=entry["title"], publisher=entry["publisher"], author=entry["author"],
            published_on=parse_date(entry["published_on"]) if entry["published_on"] else None)
        result = ws.library.import_file(seeds / entry["file"], meta)
        if result.document is None:
            raise UserError(f"Demo seed could not be imported: {result.message}")
        doc_ids[entry["file"]] = result.document.id
    counts = {"documents": len(doc_ids), "theses": 0, "evidence": 0}
    for demo in THESES:
        thesis = ws.theses.create(demo.thesis, reason="Demo workspace")
        pillar_ids = {key: ws.theses.add_pillar(thesis.id, p).id
                      for key, p in demo.pillars.items()}
        for q in demo.quotes:
            ws.evidence.add(EvidenceInput(
                thesis_id=thesis.id, quote=q.text, stance=q.stance, weight=q.weight,
                note=q.note, pillar_id=pillar_ids[q.pillar] if q.pillar else None,
                document_id=doc_ids[q.seed]))
            counts["evidence"] += 1
        counts["theses"] += 1
    counts["metrics"] = _demo_metrics(ws, doc_ids)
    return counts


def _demo_metrics(ws, doc_ids: dict[str, int]) -> int:  # noqa: ANN001
    from thesis_desk.core.metrics import MetricInput

    for m in METRICS:
        info = ws.metrics.create(MetricInput(
            name=m.name, unit=m.unit, source="Jefferies via Investing.com (seed 002)",
            description=f"Demo metric: the value stated in a seed article. {m.note}."))
        thesis_id = ws.theses.resolve(m.thesis)
        evidence = next((e for e in ws.evidence.for_thesis(thesis_id) if e.quote == m.passage),
                        None)
        ws.metrics.observe(info.id, parse_date(m.on), m.value, note=m.note,
                           document_id=doc_ids[m.seed],
                           evidence_id=evidence.id if evidence else None)
        ws.metrics.link(thesis_id, info.id, m.expected)
    return len(METRICS)
