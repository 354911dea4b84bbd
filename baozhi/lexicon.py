"""Closed word lists shared by the stages (units, multipliers, direction and cue words).

Kept in one place so that repair, extraction and evaluation agree on what a unit is.
"""

from __future__ import annotations

from decimal import Decimal

MULTIPLIERS: dict[str, Decimal] = {
    "万亿": Decimal(10) ** 12,
    "千亿": Decimal(10) ** 11,
    "百亿": Decimal(10) ** 10,
    "亿": Decimal(10) ** 8,
    "千万": Decimal(10) ** 7,
    "百万": Decimal(10) ** 6,
    "万": Decimal(10) ** 4,
    "千": Decimal(10) ** 3,
    "百": Decimal(10) ** 2,
}

# Base units, longest first matters only for the regex built from them.
BASE_UNITS = [
    "美元", "欧元", "港元", "日元", "英镑", "元",
    "千瓦时", "千瓦", "吉瓦", "兆瓦", "瓦", "度",
    "立方米", "平方米", "平方公里", "公里", "千米", "米", "公顷", "亩",
    "吨", "千克", "公斤", "斤",
    "GB", "TB", "PB", "MB",
    "人次", "人", "户", "家", "个", "部", "台", "辆", "架", "艘", "头", "只", "套", "项", "件", "座", "所",
    "条", "册", "份", "张", "篇", "次", "批", "宗", "笔", "名", "位", "款", "处", "间", "床", "天", "块",
    "标准箱", "箱", "TEU",
]

PERCENT_UNITS = {"%": "%", "个百分点": "百分点", "百分点": "百分点", "‰": "‰", "个基点": "基点", "基点": "基点"}

# Words whose sign is positive / negative when they introduce a change.
UP_WORDS = ["增长", "提高", "上升", "回升", "加快", "增加", "上涨", "扩大", "提升", "增多", "多增", "攀升", "反弹",
            "上调", "回暖", "增", "涨"]
DOWN_WORDS = ["下降", "回落", "降低", "减少", "放缓", "下滑", "下跌", "缩小", "收窄", "少增", "减", "降", "下调",
              "回调", "萎缩", "跌"]
FLAT_WORDS = ["持平"]

RATE_WORDS = ["增速", "增幅", "降幅", "涨幅", "跌幅", "增长率", "增长速度", "降速"]
SHARE_WORDS = ["比重", "占比", "份额"]

CUE_VERBS = ["强调", "要求", "指出", "提出", "部署", "号召", "明确", "决定", "表示", "认为"]
# Cue verbs that by themselves mark a directive; 表示/认为/指出 need a following 要/必须.
DIRECTIVE_CUES = {"强调", "要求", "部署", "号召", "明确", "决定"}

CHINESE_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
                  "八": 8, "九": 9}
CHINESE_UNITS = {"十": 10, "百": 100, "千": 1000}

APPROX_BEFORE = ["约", "近", "不超过", "不超", "超过", "超", "逾", "大约", "接近", "将近", "不足", "不到", "高达", "达到约"]
APPROX_AFTER = ["左右", "以上", "多", "余", "以下", "上下"]

# Gold format 2: the closed value sets of the analyst-complete fact fields and page furniture
# (annotations/GUIDELINES.md, "Gold format 2"), shared by gold checks, extraction and tables.
MODALITIES = ("actual", "target", "forecast", "prior")
BASIS_CLASSES = ("yoy", "mom", "vs_period", "two_year_avg")
SCOPE_KINDS = ("region", "company", "group", "market")
FURNITURE_KINDS = ("masthead", "running_head", "footer", "credit", "contact", "daodu", "advert", "other")
ARTICLE_KINDS = ("article", "brief", "qa")
