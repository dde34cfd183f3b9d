// Writes payload objects as exact JSON text: 64-bit ids (decimal strings) come out as JSON numbers, never via a JS number.

/** Marks a decimal id string so toJsonText writes it as a bare JSON number. */
export type JsonId = string & { readonly __jsonId: unique symbol };

const MARK = '\u0001';
const MARKED = /"\\u0001(\d+)"/g;

export function jsonId(digits: string): JsonId {
  if (!/^\d+$/.test(digits)) throw new Error(`not a decimal id: ${digits}`);
  return (MARK + digits) as JsonId;
}

export function jsonIdOrNull(digits: string | null | undefined): JsonId | null {
  return digits == null ? null : jsonId(digits);
}

/** Removes control characters that could collide with the id mark (used on free text from outside). */
export function cleanText(s: string): string {
  return s.replace(/[\u0000-\u001f]/g, ' ');
}

/** JSON.stringify (native speed), then the marked ids are unquoted into number literals. */
export function toJsonText(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(MARKED, '$1');
}
