/** One PEM block: type, optional RFC 1421 headers (kept so encrypted legacy keys stay usable), DER bytes. */
export interface PemBlock {
  readonly type: string;
  readonly headers: ReadonlyMap<string, string>;
  readonly bytes: Uint8Array;
}

const LINE_WIDTH = 64;

/**
 * PEM text in the layout Go's `pem.EncodeToMemory` produces: no trailing blank line, base64 at 64
 * columns, `Proc-Type` first then the other headers sorted, then an empty line.
 */
export function encodePem(type: string, bytes: Uint8Array, headers?: ReadonlyMap<string, string>): string {
  let out = `-----BEGIN ${type}-----\n`;
  if (headers && headers.size > 0) {
    const procType = headers.get('Proc-Type');
    if (procType !== undefined) out += `Proc-Type: ${procType}\n`;
    for (const key of [...headers.keys()].filter((k) => k !== 'Proc-Type').sort()) {
      out += `${key}: ${headers.get(key)}\n`;
    }
    out += '\n';
  }
  const body = Buffer.from(bytes).toString('base64');
  for (let i = 0; i < body.length; i += LINE_WIDTH) out += `${body.slice(i, i + LINE_WIDTH)}\n`;
  return `${out}-----END ${type}-----\n`;
}

const BLOCK = /-----BEGIN ([^\n-]*)-----\r?\n([\s\S]*?)-----END \1-----/g;
const BASE64_BODY = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Every well-formed PEM block of `text` in order; text between blocks and blocks whose body is not
 * valid base64 are skipped, as Go's `pem.Decode` loop does.
 */
export function decodePemBlocks(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  for (const match of text.matchAll(BLOCK)) {
    const type = match[1] ?? '';
    const lines = (match[2] ?? '').split(/\r?\n/);
    const headers = new Map<string, string>();
    let bodyStart = 0;
    if (lines[0]?.includes(':')) {
      let i = 0;
      for (; i < lines.length; i++) {
        const line = lines[i] ?? '';
        if (line.trim() === '') break;
        const colon = line.indexOf(':');
        if (colon < 0) break;
        headers.set(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
      }
      bodyStart = i + 1;
    }
    const body = lines
      .slice(bodyStart)
      .join('')
      .replace(/[ \t\r]/g, '');
    if (!BASE64_BODY.test(body) || body.length % 4 !== 0) continue;
    blocks.push({ type, headers, bytes: Buffer.from(body, 'base64') });
  }
  return blocks;
}
