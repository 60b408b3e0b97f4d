import { ZFilePath, ZTag } from "@hearth/db";

// Text that becomes part of a store key must survive tuple encoding unchanged: NUL and
// other control characters, and unpaired UTF-16 surrogates (which UTF-8 cannot carry),
// do not, so they are refused at the door.
// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing them is the point
const CONTROL = /[\u0000-\u001f\u007f]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function isKeySafe(text: string): boolean {
  return !CONTROL.test(text) && !LONE_SURROGATE.test(text);
}

const KEY_SAFE_MESSAGE = "Control characters and unpaired surrogates are not allowed here.";

/** A workspace tag (indexed per tag). */
export const ZTagInput = ZTag.refine(isKeySafe, KEY_SAFE_MESSAGE);

/** A file path inside a workspace, as a buffer's key. */
export const ZBufferPath = ZFilePath.refine(isKeySafe, KEY_SAFE_MESSAGE);
