// A separate writer process for the cross-process and crash tests. It imports the built dist
// (child processes cannot load .ts); the vitest globalSetup builds it first.
//
//   node writer-child.mjs serial <target> <id> <count> <log>   write <count> sets, logging lock entry/exit
//   node writer-child.mjs loop <target>                        write forever (until SIGKILL)
//   node writer-child.mjs big <target>                         write one set with an 8 KiB file, print the outcome
import { appendFileSync } from 'node:fs';
import { FileWriter } from '../../dist/index.js';

const [mode, target, ...rest] = process.argv.slice(2);
const encoder = new TextEncoder();

/** A complete set for one generation: every file carries the generation, 4 KiB-ish each. */
export function setFor(generation, extra) {
  const line = `gen:${generation}\n`;
  const body = encoder.encode(line.repeat(Math.ceil(4096 / line.length)));
  const files = [
    { path: 'a', mode: 0o644, contents: body },
    { path: 'b', mode: 0o600, contents: body },
    { path: 'sub/c', mode: 0o640, contents: body },
  ];
  for (let i = 0; i < 20; i++)
    files.push({ path: `f/${String(i).padStart(2, '0')}`, mode: 0o644, contents: body });
  if (extra !== undefined) files.push({ path: `extra-${extra}`, mode: 0o644, contents: body });
  return files;
}

if (mode === 'serial') {
  const [id, count, log] = rest;
  const writer = new FileWriter({
    onEvent: (event) => {
      if (event.type === 'lock-acquired') appendFileSync(log, `+${process.pid}\n`);
      if (event.type === 'lock-releasing') appendFileSync(log, `-${process.pid}\n`);
    },
  });
  for (let i = 0; i < Number(count); i++) {
    const body = encoder.encode(`${id}:${i}`);
    await writer.write(target, [
      { path: 'a', mode: 0o644, contents: body },
      { path: 'b', mode: 0o644, contents: body },
    ]);
  }
} else if (mode === 'loop') {
  const writer = new FileWriter();
  for (let i = 0; ; i++) {
    await writer.write(target, setFor(`${process.pid}-${i}`, i % 3));
    if (i === 0) process.stdout.write('first\n');
  }
} else if (mode === 'big') {
  try {
    await new FileWriter().write(target, [
      { path: 'a', mode: 0o644, contents: new Uint8Array(8192) },
      { path: 'new-name', mode: 0o644, contents: encoder.encode('small') },
    ]);
    process.stdout.write(JSON.stringify({ ok: true }));
  } catch (error) {
    process.stdout.write(
      JSON.stringify({ code: error.code, message: error.message, errno: error.cause?.code }),
    );
  }
} else {
  process.stderr.write(`unknown mode ${mode}\n`);
  process.exit(2);
}
