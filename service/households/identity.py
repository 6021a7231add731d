"""Checks of personal numbers: resident ID (GB 11643) and bank card (Luhn), plus masking."""
from stdnum import luhn, numdb
from stdnum.cn import ric
from stdnum.exceptions import ValidationError


def resident_id_problem(value):
    """None when valid, else the reason in Chinese.

    Unlike stdnum's `ric.validate`, the address code is not tied to the birth year:
    the code is the one in force when the card was issued, so a worker born in 1975
    legitimately carries 320582 (张家港市, created 1989).
    """
    if not isinstance(value, str):
        return "应为文本"
    number = ric.compact(value)
    if len(number) != 18:
        return "身份证号应为 18 位"
    if not number[:-1].isdigit() or not (number[-1].isdigit() or number[-1] == "X"):
        return "身份证号格式错误"
    if number[-1] != ric.calc_check_digit(number):
        return "身份证号校验位错误"
    try:
        ric.get_birth_date(number)
    except ValidationError:
        return "身份证号中的出生日期无效"
    if not any(part == number[2:6] for part, _ in numdb.get("cn/loc").info(number[:6])[1:]):
        return "身份证号中的地区码无效"
    return None


def bank_card_problem(value):
    if not isinstance(value, str):
        return "应为文本"
    digits = value.replace(" ", "")
    if not digits.isdigit() or not 12 <= len(digits) <= 19:
        return "银行卡号应为 12 至 19 位数字"
    if not luhn.is_valid(digits):
        return "银行卡号校验位错误，请核对"
    return None


def mask_number(value, keep_start=4, keep_end=4):
    if not isinstance(value, str) or len(value) <= keep_start + keep_end:
        return "****" if value else value
    return value[:keep_start] + "*" * (len(value) - keep_start - keep_end) + value[-keep_end:]


def mask_phone(value):
    return mask_number(value, 3, 4)
