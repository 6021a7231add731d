"""Custom JSON-Schema formats the forms use; the same names the web form renderer knows."""
from datetime import date
from decimal import Decimal, InvalidOperation

from jsonschema import FormatChecker

from ..households.identity import bank_card_problem, resident_id_problem

checker = FormatChecker(formats=())
MAX_AMOUNT = Decimal("1e10")  # money columns hold 12 digits with 2 decimals
FORMAT_MESSAGES = {}


def _register(name, message):
    def decorate(func):
        checker.checks(name, raises=ValueError)(func)
        FORMAT_MESSAGES[name] = message
        return func
    return decorate


def money_problem(value):
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return "金额应为数字"
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return "金额应为数字"
    if not amount.is_finite():
        return "金额应为数字"
    if amount < 0:
        return "金额不能为负数"
    if amount.as_tuple().exponent < -2:
        return "金额最多保留两位小数"
    if amount >= MAX_AMOUNT:
        return "金额过大"
    return None


def _raise_if(problem):
    if problem:
        raise ValueError(problem)
    return True


@_register("cn-resident-id", "身份证号无效")
def _resident_id(value):
    return not isinstance(value, str) or _raise_if(resident_id_problem(value))


@_register("bank-card", "银行卡号无效")
def _bank_card(value):
    return not isinstance(value, str) or _raise_if(bank_card_problem(value))


@_register("money", "金额无效")
def _money(value):
    return _raise_if(money_problem(value))


@_register("date", "日期格式应为 YYYY-MM-DD")
def _date(value):
    if isinstance(value, str):
        try:
            if len(value) != 10:
                raise ValueError
            date.fromisoformat(value)
        except ValueError:
            raise ValueError("日期格式应为 YYYY-MM-DD") from None
    return True
