"""Closed word lists shared by the stages (units, multipliers, direction and cue words).

Kept in one place so that repair, extraction and evaluation agree on what a unit is.
"""

from __future__ import annotations

import re
from decimal import Decimal


def alternation(words) -> str:
    """A regex alternative of the words, longest first, so that `亿元` wins over `亿`."""
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))

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
    "标准箱", "标箱", "重量箱", "箱", "TEU",
    "点", "GWh", "小时", "毫米", "瓩", "微克/立方米",  # index points, battery energy, hours, rainfall, Taiwan kW, PM2.5
    "架次", "辆次", "户次", "亩次", "人年", "台套", "场", "列", "班", "单",
]

PERCENT_UNITS = {"%": "%", "个百分点": "百分点", "百分点": "百分点", "‰": "‰", "个基点": "基点", "基点": "基点"}

# Words whose sign is positive / negative when they introduce a change.
UP_WORDS = ["净增", "增长", "提高", "上升", "回升", "加快", "增加", "上涨", "扩大", "提升", "增多", "多增", "攀升", "反弹",
            "上调", "回暖", "上行", "走高", "增", "涨", "升"]
DOWN_WORDS = ["净减", "下降", "回落", "降低", "减少", "放缓", "下滑", "下跌", "缩小", "收窄", "少增", "减", "降", "下调",
              "回调", "萎缩", "下行", "走低", "跌"]
FLAT_WORDS = ["持平"]
COMPARATIVE_UP, COMPARATIVE_DOWN = ["高"], ["低"]  # 比上月高0.3个百分点: the model's change spans start here
FALL_WORDS = ("降幅", "跌幅")  # a fall that narrows (降幅收窄) is a rise of the rate
NARROW_OR_WIDEN = ("收窄", "扩大", "缩小")


def direction_sign(word: str, metric: str = "") -> Decimal:
    """+1 or −1 for the direction word of a change; narrowing a fall (降幅收窄2个百分点) turns it."""
    sign = Decimal(-1) if word in DOWN_WORDS or word in COMPARATIVE_DOWN else Decimal(1)
    if word in NARROW_OR_WIDEN and any(w in metric for w in FALL_WORDS):
        sign = -sign
    return sign

RATE_WORDS = ["增速", "增幅", "降幅", "涨幅", "跌幅", "增长率", "增长速度", "降速"]
SHARE_WORDS = ["比重", "占比", "份额"]

CUE_VERBS = ["强调", "要求", "指出", "提出", "部署", "号召", "明确", "决定", "表示", "认为"]
# Cue verbs that by themselves mark a directive; 表示/认为/指出 need a following 要/必须.
DIRECTIVE_CUES = {"强调", "要求", "部署", "号召", "明确", "决定"}

CHINESE_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
                  "八": 8, "九": 9}
CHINESE_UNITS = {"十": 10, "百": 100, "千": 1000}

APPROX_BEFORE = ["约", "近", "不超过", "不超", "超过", "超", "逾", "大约", "接近", "将近", "不足", "不到", "高达", "达到约", "不低于", "突破",
                 "不少于", "不高于", "不超过"]
APPROX_AFTER = ["左右", "以上", "多", "余", "以下", "上下", "以内"]

# Gold format 2: the closed value sets of the analyst-complete fact fields and page furniture
# (annotations/GUIDELINES.md, "Gold format 2"), shared by gold checks, extraction and tables.
# Where sentences and clauses end, for every splitter (segment, repair, facts, directives, the model's
# windows and triage, interchange, reports). The view keeps ！？；： full-width, ASCII ones come from the page.
SENTENCE_END = "。！？!?"
CLAUSE_END = SENTENCE_END + "；;"  # a sentence, or a clause of a 一是…；二是… list
CLOSING = "”’」』）)】"  # may follow an end mark inside the same sentence
ELLIPSIS = "…"

MODALITIES = ("actual", "target", "forecast", "prior")
BASIS_CLASSES = ("yoy", "mom", "vs_period", "two_year_avg")
SCOPE_KINDS = ("region", "company", "group", "market")
FURNITURE_KINDS = ("masthead", "running_head", "footer", "credit", "contact", "daodu", "advert", "other")
ARTICLE_KINDS = ("article", "brief", "qa")

# Page furniture and headline groups, read by segmentation (on the simplified, folded view).
CREDIT_ROLES = ("本版责编", "本版责任编辑", "责任编辑", "责编", "本版编辑", "编辑", "本版主编", "主编", "美术编辑", "美编",
                "版式设计", "版式", "校对", "制图", "图表制作", "统筹", "监制")
CONTACT_WORDS = ("电话", "新闻热线", "热线", "传真", "本报地址", "社址", "地址", "邮编", "邮箱", "电子邮箱", "e-mail",
                 "E-mail", "Email", "广告许可证", "广告经营许可证", "国内统一连续出版物号", "国内统一刊号", "邮发代号")
DAODU_HEADINGS = ("导读", "本期导读", "今日导读", "本版导读", "要目", "今日要目", "目录", "本期目录")
BRIEF_HEADINGS = ("简讯", "短讯", "快讯", "短波", "速递", "速览", "一句话新闻", "动态")
CAPTION_PREFIXES = ("图为", "上图", "下图", "左图", "右图", "图①", "图②", "图片", "图：", "图/")

# Modality cue words (GUIDELINES "Gold format 2": modality), nearest cue before the figure wins.
TARGET_WORDS = ("目标", "力争", "确保", "计划", "拟", "争取")
FORECAST_WORDS = ("预计", "预期", "有望", "预测", "料将", "预估")
PRIOR_WORDS = ("前值", "上年同期为", "去年同期为", "上年为", "去年为", "上月为")
MARKET_SCOPES = ("沪深两市", "沪市", "深市", "两市", "全市场", "北向资金", "南向资金", "沪股通", "深股通", "港股通", "A股", "B股",
                 "主板", "创业板", "科创板", "北交所")
GROUP_SCOPE = r"(?:企业|公司|银行|机构|运营商|居民|农户|人口|群体|项目|园区)$"

# A company's name as printed (`江南银行`, `华锂科技`, `浙江恒锐精密机械有限公司`, `騰飛銀行（香港）`), with an
# optional stock code; names that start with a generic word (`商业银行`, `上市公司`) are groups, not firms.
COMPANY_SUFFIXES = ("股份有限公司", "有限责任公司", "有限公司", "股份", "集团", "银行", "证券", "保险", "人寿", "科技",
                    "地产", "置业", "医药", "药业", "酒业", "精密", "电子", "半导体", "能源", "汽车", "控股", "实业",
                    "电气", "通信", "光电", "材料", "化工", "食品", "机械", "航空", "物流", "传媒", "环境")
GENERIC_FIRM_STARTS = ("商业", "国有", "股份制", "城市", "农村", "城商", "外资", "民营", "上市", "大型", "中小", "多家", "各家",
                       "重点", "全国", "全省", "我国", "各大", "中国", "该", "本", "其", "这", "相关", "头部", "主要", "部分", "银行", "保险", "证券")
