/**
 * The one rule that decides whether content is text the analysis reads or binary data it refuses,
 * shared by every front end: the CLI applies it to a file's bytes decoded as UTF-8, the language
 * server to what the editor holds. A file they disagreed on was refused by `check` as binary while
 * the server published a thousand diagnostics for it.
 *
 * GNU `as` reads NUL and other control bytes inside comments (clang `-g` output can hold
 * `.byte 0 # ^@` with a raw NUL), and random edits leave a few stray bytes in a text; neither makes
 * a file binary. Content is binary when more than one character in ten is a control character
 * other than tab, line feed, vertical tab, form feed, carriage return and escape, or a byte that is
 * not UTF-8 (decoded as U+FFFD): random bytes are about half that, assembly text almost none.
 */

/** Control characters other than \t \n \v \f \r and ESC, DEL, and the replacement character. */
const nonText = /[\u0000-\u0008\u000e-\u001a\u001c-\u001f\u007f\ufffd]/g;

/**
 * Why `text` is binary content rather than text, as a phrase for a message; undefined for text.
 * Linear in the text's length, and it stops as soon as the answer is known.
 */
export function binaryContent(text: string): string | undefined {
  const limit = Math.floor(text.length / 10);
  nonText.lastIndex = 0;
  let count = 0;
  let reason: string | undefined;
  while (reason === undefined && nonText.exec(text) !== null) {
    if (++count > limit) reason = `more than one character in ten is a control character or a byte that is not UTF-8 (${count} of the first ${nonText.lastIndex} characters)`;
  }
  nonText.lastIndex = 0;
  return reason;
}
