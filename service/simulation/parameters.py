"""The simulation's rates and amounts. Defaults come from the seed (923 households falling to 160 over five
years, 3,017 household-times, over 7 million yuan, 468 students aided with about 1.3 million yuan) and the domain
brief (低保 lines, categories, exit reasons); each is a parameter so that a centre can replay its own figures.

Each default says where it comes from. Those the seed gives no figure for are either the issue's own words ("about
1 %", "a few", "now and then") or set so that the seed's totals come out: the exit rate from the register's fall,
the 金秋助学 share and amounts from the students and their yuan, the living-aid share from the total yuan. The
household-times are not tuned: they follow (the service counts one per award approved, in every programme, 送温暖
and 金秋助学 included, as the seed's 帮扶…户次 beside its 投入资金 counts the help given in money)."""
import math
from dataclasses import dataclass, field, fields, replace
from datetime import date
from decimal import Decimal


@dataclass
class Parameters:
    years: int = 5  # the seed's five years
    households: int = 923  # the register when the replay begins (the seed: 923 households)
    seed: int = 7
    start: date = date(2021, 1, 1)
    unions: int = 6
    # New households declared a month (户/月). The seed has no figure; together with the exits below it decides how
    # many households pass through the register, and the exit rate is set for the 160 the seed ends with.
    declarations_per_month: float = 6.0
    # The procedure's rates: no figure in the seed; the "some returned for correction, some not eligible",
    # "a few irregularities", "an objection now and then".
    returned_for_correction: float = 0.12  # 初审 退回补正, once per case
    not_eligible: float = 0.08  # 初审 不予通过
    re_review_refused: float = 0.03  # 复审 不予通过
    irregular_visits: float = 0.05  # 走访监督 finds an irregularity: the centre answers it
    objections: float = 0.04  # an objection during the notice (公示异议), most not upheld
    objection_upheld: float = 0.25  # of those
    # 建档 with monthly living aid (the rest: legal aid, training, job placement, no money). The seed has no share:
    # set so that the five years' yuan come to the seed's "over 7 million" (700余万元) beside 金秋助学 and 送温暖
    # below; living aid is most of the money, at the category's cap under the half-year's standard.
    living_aid_share: float = 0.23
    categories: dict = field(default_factory=lambda: {"deep": 0.3, "relative": 0.6, "sudden": 0.1})  # the brief's three
    # The January review's exits in a year, as a share of the opening register: the seed's 923 → 160 in five years
    # is 153 fewer households a year; with about 75 filed a year (declarations above, returns: 363 to 397 in five
    # years in four full runs) and some 18 leaving between reviews, the review takes out 210 a year, 0.228 × 923.
    # A straight line, as the seed's two ends are all it gives: the share of the reviewed who leave rises as the
    # register shrinks (driver._review_exits).
    annual_exit_rate: float = 0.228
    exit_reasons: dict = field(default_factory=lambda: {  # the brief's reasons (邹城 2023, 江苏 2019 脱困/解困)
        "out_of_hardship": 0.45, "relieved": 0.30, "retired": 0.12, "moved_away": 0.08, "died": 0.03,
        "gave_up": 0.02})
    exits_any_time_per_month: float = 1.5  # the brief's 随时脱困随时撤档 between reviews (no figure)
    return_to_hardship: float = 0.12  # of the 脱困 follow-up visits (the brief's 防返困): the worker declares again
    failed_transfers: float = 0.01  # bank result lines that fail (account closed, frozen): the "about 1 %"
    # Households with a student aged 15-22 applying for 金秋助学 in September: the seed's 468 students aided in
    # five years (近5年来共资助大学生468名).
    education_share: float = 0.42
    warmth_refused: float = 0.02  # households the approver leaves off the 送温暖 list ("a few")
    dibao_2020: Decimal = Decimal("995")  # Suzhou's 低保 line in 2020, rising each year by
    dibao_rise: Decimal = Decimal("0.04")  # 4 %: 1,210 yuan in 2025, the brief's 1,208 "when checked"
    warmth_amount: Decimal = Decimal("500")  # 送温暖 per household: no figure in the seed or the brief
    # 金秋助学 per student: the seed's about 1.3 million yuan for 468 students is 2,778 yuan each; with the replay's
    # mix of levels (five years of age at university, 18-22, to three at high school, 15-17) these two average 2,625. (The brief's
    # 5,000 / 3,000 are 天门's 2024 amounts, another city's and a later year's.)
    education_university: Decimal = Decimal("3000")
    education_high_school: Decimal = Decimal("2000")
    act_chance: float = 0.7  # a user takes up a task on a given working day (else it waits a day longer)

    @property
    def end(self):
        return date(self.start.year + self.years, self.start.month, self.start.day)


# The rates and amounts a replay may change from the command line (`--set name=value`); the rest are set by their
# own options (years, households, seed, start) or are tables (categories, exit reasons). Rates are shares of 0..1;
# the per-month counts and the amounts are any number from 0.
TUNABLE = {f.name: f.type for f in fields(Parameters) if f.type in (float, Decimal)}
COUNTS = {"declarations_per_month", "exits_any_time_per_month"}


def with_settings(params, settings):
    """`params` with each "name=value" of `settings` applied; ValueError naming the setting otherwise."""
    changes = {}
    for setting in settings:
        name, _, text = (part.strip() for part in setting.partition("="))
        if name not in TUNABLE:
            raise ValueError(f"{setting}：没有名为 {name} 的参数（可设：{'、'.join(sorted(TUNABLE))}）")
        try:
            value = TUNABLE[name](text)
        except (ValueError, ArithmeticError):
            raise ValueError(f"{setting}：{name} 应为数字") from None
        if not math.isfinite(value) or value < 0:
            raise ValueError(f"{setting}：{name} 应为不小于 0 的数字")
        if TUNABLE[name] is float and name not in COUNTS and value > 1:
            raise ValueError(f"{setting}：{name} 是比率，应在 0 到 1 之间")
        changes[name] = value
    return replace(params, **changes)
