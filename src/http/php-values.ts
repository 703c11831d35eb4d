/**
 * How PHP (and so Laravel's validator) sees a decoded JSON value: what counts as numeric, as an
 * integer, how long it is as a string, how many items it holds. A JSON object is a PHP array.
 */

type PhpArray = unknown[] | Record<string, unknown>;

/** An array or an object: both are PHP arrays once `json_decode`d. */
export const isPhpArray = (v: unknown): v is PhpArray => v !== null && typeof v === 'object';

/** `count()` of a PHP array. */
export const count = (v: PhpArray): number => (Array.isArray(v) ? v.length : Object.keys(v).length);

/** The entries of a PHP array with their keys as they appear in an error key. */
export const entries = (v: PhpArray): [string, unknown][] => (Array.isArray(v) ? v.map((x, i) => [String(i), x]) : Object.entries(v));

const NUMERIC = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const INTEGER = /^[+-]?(0|[1-9]\d*)$/;
const INT64_MAX = 2n ** 63n - 1n;

/** PHP 8's `is_numeric`: numbers (`1e400` is INF, still a float), and strings such as `"12"`, `"-1.5"`, `".5"`, `"5."`, `"1e3"`. */
export function isNumeric(v: unknown): boolean {
  if (typeof v === 'number') return true;
  return typeof v === 'string' && NUMERIC.test(v.trim());
}

/** `filter_var($v, FILTER_VALIDATE_INT) !== false`: integers, integer strings without leading zeros, and `true` (read as "1"). */
export function isInteger(v: unknown): boolean {
  if (v === true) return true;
  if (typeof v === 'number') return Number.isInteger(v) && Math.abs(v) < 2 ** 63;
  if (typeof v !== 'string') return false;
  const s = v.replace(/^[ \t\r\n\v]+|[ \t\r\n\v]+$/g, '');
  if (!INTEGER.test(s)) return false;
  const n = BigInt(s);
  return n <= INT64_MAX && n >= -INT64_MAX - 1n;
}

/** `(string) $float` with PHP's default `precision` of 14 (`1.0E+15`, `0.33333333333333`). */
function floatString(n: number): string {
  if (n === 0) return Object.is(n, -0) ? '-0' : '0';
  const [mantissa, exp] = n.toExponential(13).split('e');
  const e = Number(exp);
  const digits = mantissa.replace('-', '').replace('.', '').replace(/0+$/, '');
  const sign = n < 0 ? '-' : '';
  if (e < -4 || e >= 14) return `${sign}${digits[0]}.${digits.slice(1) || '0'}E${e < 0 ? '-' : '+'}${Math.abs(e)}`;
  if (e < 0) return `${sign}0.${'0'.repeat(-e - 1)}${digits}`;
  return digits.length > e + 1 ? `${sign}${digits.slice(0, e + 1)}.${digits.slice(e + 1)}` : `${sign}${digits.padEnd(e + 1, '0')}`;
}

/** `(string) $v` of a scalar: `true` is "1", `false` and `null` are "". */
export function phpString(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === true) return '1';
  if (v === false || v === null || v === undefined) return '';
  if (typeof v === 'number') {
    if (Number.isSafeInteger(v)) return String(v);
    return Number.isInteger(v) && Math.abs(v) < 2 ** 63 ? BigInt(v).toString() : floatString(v);
  }
  return String(v);
}

/** `mb_strlen`: the length in characters (code points), not UTF-16 units. */
export function charLength(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

/** PHP's loose `==` between two strings: numeric strings compare as numbers (`"01" == "1"`). */
export const looseEquals = (a: string, b: string): boolean => a === b || (isNumeric(a) && isNumeric(b) && Number(a) === Number(b));

/**
 * Laravel's TrimStrings then ConvertEmptyStringsToNull: surrounding whitespace (Unicode, and the
 * zero-width characters it names) is removed, and what is left empty is null.
 */
export function trimToNull(s: string): string | null {
  let t = s.trim(); // all of them but U+0085 and U+200B
  if (EXTRA_SPACE.test(t)) t = t.replace(/^[\s\u0085\u200b]+|[\s\u0085\u200b]+$/g, '');
  return t === '' ? null : t;
}
const EXTRA_SPACE = /^[\u0085\u200b]|[\u0085\u200b]$/;
