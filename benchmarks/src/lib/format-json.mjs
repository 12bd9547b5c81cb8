// @ts-check
/** The repository's JSON style (biome, line width 110): 2-space indent, arrays of plain values on one line when they fit. */
const LINE_WIDTH = 110;

/** @param {unknown} value @returns {string} the text with a final newline */
export function formatJson(value) {
  const text = JSON.stringify(value, null, 2);
  const collapsed = text.replace(
    /^( *)("(?:[^"\\]|\\.)*": )?\[\n([^[\]{}]*?)\n *\](,?)$/gm,
    (whole, indent, key = '', body, comma) => {
      const line = `${indent}${key}[${body
        .split(',\n')
        .map((/** @type {string} */ item) => item.trim())
        .join(', ')}]${comma}`;
      return line.length <= LINE_WIDTH ? line : whole;
    },
  );
  return `${collapsed}\n`;
}
