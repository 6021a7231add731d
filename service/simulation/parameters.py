"""The simulation's rates and amounts. Defaults come from the seed (923 households falling to 160 over five
years, 3,017 household-times, over 7 million yuan, 468 university students aided) and the domain brief (低保
lines, categories, exit reasons); each is a parameter so that a centre can replay its own figures."""
import math
from dataclasses import dataclass, field, fields, replace
from datetime import date
from decimal import Decimal


@dataclass
class Parameters:
    years: int = 5
    households: int = 923  # the register when the replay begins
    seed: int = 7
    start: date = date(2021, 1, 1)
    unions: int = 6
    declarations_per_month: float = 6.0  # new households declared (户/月)
    returned_for_correction: float = 0.12  # 初审 退回补正, once per case
    not_eligible: float = 0.08  # 初审 不予通过
    re_review_refused: float = 0.03  # 复审 不予通过
    irregular_visits: float = 0.05  # 走访监督 finds an irregularity: the centre answers it
    objections: float = 0.04  # an objection during the notice (公示异议), most not upheld
    objection_upheld: float = 0.25  # of those
    living_aid_share: float = 0.18  # 建档 with monthly living aid; the rest legal aid, training, job placement
    categories: dict = field(default_factory=lambda: {"deep": 0.3, "relative": 0.6, "sudden": 0.1})
    annual_exit_rate: float = 0.36  # the January review concludes 退出
    exit_reasons: dict = field(default_factory=lambda: {
        "out_of_hardship": 0.45, "relieved": 0.30, "retired": 0.12, "moved_away": 0.08, "died": 0.03,
        "gave_up": 0.02})
    exits_any_time_per_month: float = 1.5  # 随时脱困随时撤档 between reviews
    return_to_hardship: float = 0.12  # of the 脱困 follow-up visits (返困): the worker declares again
    failed_transfers: float = 0.01  # bank result lines that fail (account closed, frozen)
    education_share: float = 0.25  # households with a student aged 15-22 applying for 金秋助学 in September
    warmth_refused: float = 0.02  # households the approver leaves off the 送温暖 list
    dibao_2020: Decimal = Decimal("995")  # Suzhou's 低保 line in 2020, rising each year by
    dibao_rise: Decimal = Decimal("0.04")
    warmth_amount: Decimal = Decimal("500")  # 送温暖 per household
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
