"""The households the replay declares: valid declarations (check digits, a Luhn card in the worker's name, a
family that agrees with its size) of workers whose ID numbers never repeat, each with a child whose age decides
whether 金秋助学 can apply (15-18 high school, 18-22 university)."""
from stdnum import luhn
from stdnum.cn import ric

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = ["建国", "秀英", "志强", "丽华", "海燕", "国平", "红梅", "文斌", "晓东", "春兰", "建华", "玉兰", "卫东",
         "桂芳", "永清", "美玲", "德明", "雪梅", "金龙", "素珍", "宏伟", "小燕", "立新", "凤英"]
REASONS = ["major_illness", "disability", "unemployment", "accident", "education"]
DESCRIPTIONS = {"major_illness": "家庭成员患重大疾病长期治疗，收入微薄。", "disability": "本人残疾，收入低。",
                "unemployment": "配偶失业，家庭收入骤减。", "accident": "遭遇意外，家庭财产损失严重。",
                "education": "子女上学费用高，家庭负担重。"}


class People:
    def __init__(self, rng):
        self.rng = rng
        self.used = set()

    def _id(self, birth_year):
        while True:
            body = f"320582{birth_year}{self.rng.randint(1, 12):02d}{self.rng.randint(1, 28):02d}" \
                   f"{self.rng.randint(0, 999):03d}"
            number = body + ric.calc_check_digit(body + "0")
            if number not in self.used:
                self.used.add(number)
                return number

    def _card(self):
        body = "622848" + "".join(str(self.rng.randint(0, 9)) for _ in range(12))
        return body + luhn.calc_check_digit(body)

    def card(self):
        return self._card()

    def _name(self):
        return self.rng.choice(SURNAMES) + self.rng.choice(GIVEN)

    def declaration(self, employer):
        rng = self.rng
        name, reason = self._name(), rng.choice(REASONS)
        worker_id, income = self._id(rng.randint(1966, 1990)), rng.randrange(1200, 3600, 100)
        child_born = rng.randint(1999, 2014)
        return {
            "name": name, "id_number": worker_id, "phone": f"13{rng.randint(100000000, 999999999)}",
            "employer": employer, "hardship_reasons": [reason], "hardship_description": DESCRIPTIONS[reason],
            "household_size": 3,
            "family_members": [
                {"name": name, "relation": "self", "id_number": worker_id, "health": "healthy",
                 "employment": "employed", "monthly_income": income},
                {"name": self._name(), "relation": "spouse", "id_number": self._id(rng.randint(1966, 1992)),
                 "health": "major_illness" if reason == "major_illness" else "healthy", "employment": "unable",
                 "monthly_income": 0},
                {"name": name[0] + rng.choice(GIVEN), "relation": "child", "id_number": self._id(child_born),
                 "health": "healthy", "employment": "student", "monthly_income": 0},
            ],
            "monthly_household_income": income, "unavoidable_expenses": rng.randrange(2000, 8000, 500),
            "assets": {"homes": 1, "vehicles": 0, "vehicle_for_work": False, "business": False,
                       "financial_assets": rng.randrange(0, 20000, 1000)},
            "bank_name": "中国农业银行张家港支行", "bank_account_name": name, "bank_card_number": self._card(),
            "economic_check_authorised": True,
        }


def student_of(declaration, year):
    """(child member, school level) when the household's child is of an age 金秋助学 aids in September of `year`."""
    child = next(m for m in declaration["family_members"] if m["relation"] == "child")
    age = year - int(child["id_number"][6:10])
    if 15 <= age < 18:
        return child, "high_school"
    if 18 <= age <= 22:
        return child, "university"
    return None, None
