/**
 * Text that came from outside (server replies, account names, file contents, environment variables) made safe to
 * print (DESIGN §8): its control characters are written as `\uXXXX`, so none can retitle the terminal, write the
 * clipboard, move the cursor or forge a line of output. The escape is also valid inside a JSON string, where it
 * reads back as the same character.
 *
 * @since 0.1.0
 */

// C0 controls, DEL, C1 controls, and the line and paragraph separators (line breaks to JavaScript-based readers).
// eslint-disable-next-line no-control-regex
const controls = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g
// The same without newline and tab.
// eslint-disable-next-line no-control-regex
const controlsButLayout = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/g

const escape = (c: string): string => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`

/**
 * One line from outside: every control character escaped, newline, carriage return and tab included.
 *
 * @since 0.1.0
 */
export const printable = (text: string): string => text.replace(controls, escape)

/**
 * Text of several lines: every control character escaped except newline and tab.
 *
 * @since 0.1.0
 */
export const printableLines = (text: string): string => text.replace(controlsButLayout, escape)

/**
 * Whether `printableLines` would change the text (it holds a control character other than newline and tab).
 *
 * @since 0.1.0
 */
export const hasControlCharacter = (text: string): boolean => printableLines(text) !== text
