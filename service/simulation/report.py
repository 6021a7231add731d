"""The replay's printout after the months: the service's own yearly report figures, what the simulation
counted, the checks, the month time ratio and the last line."""
from datetime import timedelta
from statistics import mean

from ..households.models import EXIT_REASONS
from ..money.reports import Period, money_report
from ..wording import yuan

# The checks' names (checks.check_all's keys) as the operator reads them.
CHECK_LABELS = {"money": "资金核对", "twice": "重复检查", "stuck": "停滞检查", "register": "档案核对", "audit": "审计日志"}


def summary_lines(session, simulation, months, verdict, years_words, seconds):
    kept, params = simulation.kept, simulation.p
    lines = ["", "帮扶资金报表（服务自身的年度报表）："]
    last_day = params.end - timedelta(days=1)
    for year in range(params.start.year, last_day.year + 1):
        made = money_report(session, Period(year, None), last_day)
        money, register = made.money["programme"].total, made.register.total
        lines.append(f"  {year}年  在档 {register.at_start if register else 0} → {register.at_end if register else 0} 户"
                     f"（新建档 {register.entered if register else 0}，退出 {register.exited if register else 0}）  "
                     f"户次 {money.times if money else 0}  审批 {yuan(money.awarded) if money else yuan(0)}  "
                     f"发放 {yuan(money.paid) if money else yuan(0)}")
    lines.append("  退出原因：" + "，".join(f"{EXIT_REASONS.get(reason, reason)} {count}" for reason, count in kept.exits.most_common()))
    if kept.refusals:
        lines.append(f"  服务拒绝的操作 {len(kept.refusals)} 次，例如：")
        lines += [f"    {day} {what}：{message[:200]}" for day, what, message in kept.refusals[:10]]
    lines += problem_lines(verdict.problems)
    first = [m.seconds for m in months if m.year == months[0].year]
    last = [m.seconds for m in months if m.year == months[-1].year]
    lines.append(f"总用时 {seconds:.0f} s（逐月合计 {sum(m.seconds for m in months):.0f} s，"
                 f"本进程 CPU {sum(m.cpu_seconds for m in months):.0f} s）")
    lines.append(f"month time ratio last year/first year: {mean(last) / mean(first):.2f}")
    figures = verdict.figures
    differs = "; ".join(p for problems in verdict.problems.values() for p in problems)
    lines.append(f"{years_words}: households {kept.opening} -> {kept.register}, household-times {figures['times']}, "
                 f"yuan {figures['period_paid']:.2f}, reconciled: {'yes' if verdict.ok else 'no (' + differs + ')'}")
    return lines


def problem_lines(problems):
    """A line per failed check, named in Chinese."""
    return [f"  ✗ {CHECK_LABELS.get(name, name)}：{problem}" for name, found in problems.items() for problem in found]
