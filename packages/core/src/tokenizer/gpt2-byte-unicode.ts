/**
 * GPT-2's byte-to-unicode map, with which Hugging Face tokenizer files (vocab.json, merges.txt, tokenizer.json) write
 * token bytes as printable characters: the 188 printable Latin-1 bytes stand for themselves, the other 68 bytes (controls,
 * space, U+007F–U+00A0, U+00AD) become U+0100 onwards in byte order. Ġ (U+0120) is thus a space.
 */

const PRINTABLE_RANGES: readonly (readonly [number, number])[] = [
  [0x21, 0x7e],
  [0xa1, 0xac],
  [0xae, 0xff],
];

function buildByteToChar(): string[] {
  const chars: string[] = new Array(256);
  for (const [first, last] of PRINTABLE_RANGES) {
    for (let byte = first; byte <= last; byte++) chars[byte] = String.fromCharCode(byte);
  }
  let next = 0x100;
  for (let byte = 0; byte < 256; byte++) chars[byte] ??= String.fromCharCode(next++);
  return chars;
}

const BYTE_TO_CHAR: readonly string[] = buildByteToChar();
const CHAR_TO_BYTE = new Map(BYTE_TO_CHAR.map((char, byte) => [char, byte]));

/** A token's bytes as Hugging Face files spell it. */
export function bytesToHfToken(bytes: Uint8Array): string {
  let token = '';
  for (const byte of bytes) token += BYTE_TO_CHAR[byte];
  return token;
}

/** A Hugging Face token string back to its bytes. Returns undefined when a character is outside the map. */
export function hfTokenToBytes(token: string): Uint8Array | undefined {
  const bytes = new Uint8Array(token.length);
  for (let i = 0; i < token.length; i++) {
    const byte = CHAR_TO_BYTE.get(token[i]!);
    if (byte === undefined) return undefined;
    bytes[i] = byte;
  }
  return bytes;
}
