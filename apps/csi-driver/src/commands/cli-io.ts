// The CLI's streams, passed to every command; here rather than in cli.ts so that commands do not
// import the dispatcher that imports them.

export interface CliOutput {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

export interface CliInput {
  /** All of stdin, for `lint -`. */
  readonly readStdin: () => Promise<string>;
}
