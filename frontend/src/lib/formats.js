// Client-side twins of service/forms/formats.py and service/households/identity.py.
// Each *Problem function returns null when the value is fine, else the reason in Chinese
// (the same wording the server uses, so a caseworker sees one message whichever side caught it).

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK = '10X98765432';

/** GB 11643 check character of the first 17 digits. */
export function residentIdCheckChar(first17) {
  let sum = 0;
  for (let i = 0; i < 17; i += 1) sum += Number(first17[i]) * ID_WEIGHTS[i];
  return ID_CHECK[sum % 11];
}

export function residentIdProblem(value) {
  if (typeof value !== 'string') return '应为文本';
  const number = value.replace(/[\s-]/g, '').toUpperCase();
  if (number.length !== 18) return '身份证号应为 18 位';
  if (!/^\d{17}[\dX]$/.test(number)) return '身份证号格式错误';
  if (number[17] !== residentIdCheckChar(number)) return '身份证号校验位错误';
  const y = Number(number.slice(6, 10));
  const m = Number(number.slice(10, 12));
  const d = Number(number.slice(12, 14));
  const birth = new Date(Date.UTC(y, m - 1, d));
  if (y < 1900 || birth.getUTCFullYear() !== y || birth.getUTCMonth() !== m - 1 || birth.getUTCDate() !== d
      || birth.getTime() > Date.now()) {
    return '身份证号中的出生日期无效';
  }
  return null; // the address code is checked by the server against the official list
}

export function luhnValid(digits) {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i -= 1) {
    let n = Number(digits[i]);
    if (double) {
      n *= 2;
      if (n > 9) n -= 9;
    }
    sum += n;
    double = !double;
  }
  return sum % 10 === 0;
}

export function bankCardProblem(value) {
  if (typeof value !== 'string') return '应为文本';
  const digits = value.replace(/ /g, '');
  if (!/^\d{12,19}$/.test(digits)) return '银行卡号应为 12 至 19 位数字';
  if (!luhnValid(digits)) return '银行卡号校验位错误，请核对';
  return null;
}

export function moneyProblem(value) {
  if (typeof value === 'boolean' || (typeof value !== 'number' && typeof value !== 'string')) return '金额应为数字';
  const text = String(value).trim();
  if (!/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(text)) return '金额应为数字';
  const amount = Number(text);
  if (!Number.isFinite(amount)) return '金额应为数字';
  if (amount < 0) return '金额不能为负数';
  const cents = amount * 100;
  if (Math.abs(cents - Math.round(cents)) > 1e-6 * Math.max(1, Math.abs(cents))) return '金额最多保留两位小数';
  return null;
}

export function dateProblem(value) {
  if (typeof value !== 'string') return null;
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return '日期格式应为 YYYY-MM-DD';
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) {
    return '日期格式应为 YYYY-MM-DD';
  }
  return null;
}

/** Generic message per format, as in FORMAT_MESSAGES on the server. */
export const FORMAT_MESSAGES = {
  'cn-resident-id': '身份证号无效',
  'bank-card': '银行卡号无效',
  money: '金额无效',
  date: '日期格式应为 YYYY-MM-DD',
};

export const FORMAT_PROBLEMS = {
  'cn-resident-id': residentIdProblem,
  'bank-card': bankCardProblem,
  money: moneyProblem,
  date: dateProblem,
};

/** ajv format definitions for @rjsf/validator-ajv8's customizeValidator({customFormats}). */
export const customFormats = {
  'cn-resident-id': { type: 'string', validate: (v) => residentIdProblem(v) === null },
  'bank-card': { type: 'string', validate: (v) => bankCardProblem(v) === null },
  money: { type: 'number', validate: (v) => moneyProblem(v) === null },
  date: { type: 'string', validate: (v) => dateProblem(v) === null },
};
