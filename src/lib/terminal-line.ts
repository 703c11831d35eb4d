// A refusal names what the user typed (a scope, an id, an environment value). Printed raw, an escape
// sequence in it would act on their terminal and a line feed would forge a second line of output.
// eslint-disable-next-line no-control-regex -- these are the characters it escapes
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f]/g;

/** `codops: <message>` as one printable line: control characters shown as `\uXXXX`. */
export const terminalLine = (message: string) =>
  `codops: ${message.replace(UNPRINTABLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}\n`;
