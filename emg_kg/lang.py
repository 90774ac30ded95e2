"""One language setting for every command, query, the API and the web app.

The order, first wins: an explicit choice (``--lang``, a query's ``lang`` parameter, the web
page's language switch ``?lang=``), then on the web the browser's ``Accept-Language``, then the
environment variable ``EMG_KG_LANG``, then :data:`DEFAULT`, Chinese: the language of the report,
so that the evidence is shown in its own words unless English is asked for.

Examples
--------
>>> negotiate("en-GB,en;q=0.9,zh;q=0.8", None, default="zh")
'en'
>>> negotiate("fr, zh-CN;q=0.5, en;q=0.4", None, default="en")
'zh'
>>> negotiate("en", "zh")
'zh'
>>> negotiate(None, None, default="en")
'en'
"""

from __future__ import annotations

import os

from emg_kg.errors import EmgKgError

__all__ = ["LANGS", "DEFAULT", "ENV", "default_lang", "negotiate", "parse_accept_language"]
__all__ += ["MESSAGES", "words", "message", "messages"]

LANGS = ("zh", "en")
DEFAULT = "zh"
ENV = "EMG_KG_LANG"


def default_lang() -> str:
    """``EMG_KG_LANG`` when set (zh or en; anything else is an error), else :data:`DEFAULT`."""
    value = os.environ.get(ENV, "").strip().lower()
    if not value:
        return DEFAULT
    if value not in LANGS:
        raise EmgKgError(f"{ENV}={value!r}: the language is zh or en")
    return value


def parse_accept_language(header: str | None) -> list[tuple[str, float]]:
    """Language ranges with their weights, best first (RFC 9110 section 12.5.4)."""
    ranges: list[tuple[str, float]] = []
    for position, part in enumerate((header or "").split(",")):
        tag, *params = (p.strip() for p in part.split(";"))
        if not tag:
            continue
        weight = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        ranges.append((tag.lower(), weight - position * 1e-6))  # ties keep the header's order
    return sorted((r for r in ranges if r[1] > 0), key=lambda r: -r[1])


def negotiate(accept_language: str | None, explicit: str | None, default: str | None = None) -> str:
    """The language of a page: the switch (``?lang=``), else the best of ``Accept-Language``
    that the app speaks, else the configured default. Shared by every web front end."""
    if explicit and explicit.lower() in LANGS:
        return explicit.lower()
    for tag, _ in parse_accept_language(accept_language):
        primary = tag.split("-")[0]
        if primary in LANGS:
            return primary
    if default is not None:
        return default
    try:
        return default_lang()
    except EmgKgError:
        return DEFAULT


#: The one message table: what the pages say, by key, in (Chinese, English). Words used once
#: in a template stay there, through ``tr(zh, en)``, which picks with :func:`words` too.
MESSAGES: dict[str, tuple[str, str]] = {
    # an entity page (web/entity.html)
    "types": ("类型", "Types"),
    "names": ("名称", "Names"),
    "facts": ("事实", "Facts"),
    "incoming": ("指向本实体的", "Pointing here"),
    "rows_shown": (
        "仅显示前 {shown} 条（共 {total} 条）。",
        "The first {shown} of {total} are shown.",
    ),
    "show_all": ("全部显示", "Show all"),
    "property": ("属性", "Property"),
    "value": ("值", "Value"),
    "evidence": ("依据", "Evidence"),
    "stated": ("本依据陈述的事实", "Facts this evidence states"),
    "supporters": ("支持者", "Who supports it"),
    "level": ("证据级别", "Evidence level"),
    "reasoning": ("推理", "Reasoning"),
    "chain": ("任务链", "Mandate chain"),
    "chain_table": ("详表", "as a table"),
    "graph": ("邻域图", "Neighbourhood"),
    "formats": ("其他格式", "Other formats"),
    "none": ("报告中没有支持者。", "No supporter in the report."),
    "subject": ("主语", "Subject"),
    "text": ("原文", "Text"),
    "interactive": ("交互式图", "interactive view"),
    # a view's links back into the app
    "home": ("首页", "Home"),
    "all_views": ("所有视图", "All views"),
    "other_language": ("English", "中文"),
    "entity_page": ("实体页面", "Entity page"),
    # the gap report page (web/views.py) and the coverage matrix (views/matrix.py)
    "matrix_view": ("爱知目标覆盖矩阵", "Aichi target coverage matrix (SVG)"),
    "no_un_or_mea": ("无联合国系统或多边环境协定联系", "No UN-system or MEA link"),
    "only_monitored": ("仅有监测联系", "Only monitored"),
    "only_blanket": ("仅有笼统声明的实施联系", "Implemented only by a blanket claim"),
    "coverage_head": ("目标|有支持者|未覆盖的目标", "Goal|Supported|Unaddressed"),
    "open_at_report": ("截至报告日期仍未完成的任务", "Mandates still open at the report date"),
    "whole_plan": ("整体", "whole"),
    "organizations": ("支持方数目", "organizations"),
    "pale_blanket": ("淡色：笼统声明（未点名具体目标）", "pale: a blanket claim (no target named)"),
    "column_all": ("全部", "all"),  # a whole-plan column: the target set
    "column_plan": ("计划", "plan"),  # the Strategic Plan
    # the matrix's row groups (views/matrix.py GROUPS) and the view's note on an organization
    "group_report": ("报告中提及", "Named in the report"),
    "group_un-system": ("联合国系统（外部来源）", "UN system (outside sources)"),
    "group_mea": (
        "多边环境协定（外部来源）",
        "Multilateral environmental agreements (outside sources)",
    ),
    "group_other": ("其他组织（外部来源）", "Other organizations (outside sources)"),
    "group_user": ("用户映射新增的组织", "Added by your mapping (not in the graph)"),
    # the matrix's legend: a link's role and its evidence level
    "role_implements": ("实施", "implements"),
    "role_aligns": ("计划对接", "aligns its plan"),
    "role_monitors": ("监测（指标）", "monitors (indicator)"),
    "role_benefits": ("受益", "benefits"),
    "level_stated": ("报告明文", "stated in the report"),
    "level_derived": ("据报告推断", "derived from the report's text"),
    "level_curated": ("外部来源", "curated from a named source"),
    "level_user": ("用户映射", "user mapping"),
}


def words(lang: str, zh: str, en: str) -> str:
    """The Chinese or the English words, by ``lang`` (anything but ``zh`` is English).

    >>> words("zh", "首页", "Home"), words("en", "首页", "Home")
    ('首页', 'Home')
    """
    return zh if lang == "zh" else en


def message(key: str, lang: str) -> str:
    """One entry of :data:`MESSAGES` in ``lang``.

    >>> message("home", "zh"), message("home", "en")
    ('首页', 'Home')
    """
    return words(lang, *MESSAGES[key])


def messages(lang: str) -> dict[str, str]:
    """Every entry of :data:`MESSAGES` in ``lang`` (a template's ``t``)."""
    return {key: words(lang, *pair) for key, pair in MESSAGES.items()}
