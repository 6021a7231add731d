"""The money report as one Excel workbook a higher union can read: a sheet per table, each with a title line
(the centre, the period, the table), Chinese headers frozen under it, amounts as numbers with two decimals,
户次 and households as whole numbers, and a bold 合计 row computed from the lines above it."""
from ..casework.export import workbook_of_sheets

MONEY_COLUMNS = ["户次", "审批金额（元）", "发放金额（元）"]
DIMENSION_HEADERS = {"programme": "帮扶项目", "fund_source": "资金来源", "category": "困难类别", "organisation": "基层工会"}
REGISTER_COLUMNS = ["基层工会", "期初在档（户）", "新建档（户）", "退出（户）", "期末在档（户）"]
MONTH_COLUMNS = ["月份", "新建档（户）", "退出（户）", "月末在档（户）"]
GRANT_COLUMNS = ["序号", "学生姓名", "就读阶段", "资助金额（元）", "档案编号", "职工姓名", "基层工会", "审批日期"]


def _money_row(line):
    return (line.label, line.times, line.awarded, line.paid)


def _register_row(line):
    return (line.label, line.at_start, line.entered, line.exited, line.at_end)


def _month_row(line):
    return (line.label, line.entered, line.exited, line.at_end)


def _grant_rows(lines):
    return [(number, g.student_name, g.school_level_label, g.amount, g.file_number, g.worker_name, g.union,
             g.approved_on) for number, g in enumerate(lines, start=1)]


def sheets(report):
    """(name, columns, rows, title, total) of each sheet, in the order a reader goes through them."""
    heading = f"{report.centre} {report.period.label}帮扶资金报表"
    register, months, grants = report.register, report.months, report.grants
    found = [("在档家庭", REGISTER_COLUMNS, [_register_row(x) for x in register.lines], f"{heading}：{register.title}",
              _register_row(register.total) if register.lines else None)]
    for key, table in report.money.items():
        found.append((table.title, [DIMENSION_HEADERS[key]] + MONEY_COLUMNS, [_money_row(x) for x in table.lines],
                      f"{heading}：{table.title}", _money_row(table.total) if table.lines else None))
    grant_total = grants.total
    found.append(("金秋助学", GRANT_COLUMNS, _grant_rows(grants.lines), f"{heading}：{grants.title}",
                  ("合计", f"{len(grants.lines)}人", None, grant_total.amount, None, None, None, None)
                  if grants.lines else None))
    month_total = months.total
    found.append(("在档户数逐月", MONTH_COLUMNS, [_month_row(x) for x in months.lines], f"{heading}：{months.title}",
                  ("合计（在档取期末）", month_total.entered, month_total.exited, month_total.at_end) if months.lines else None))
    return found


def report_workbook(report):
    """Bytes of the report's .xlsx."""
    return workbook_of_sheets(sheets(report))
