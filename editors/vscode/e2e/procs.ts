// Child processes and waiting with deadlines, for the end-to-end test.
import { ChildProcess, spawn, SpawnOptions } from 'node:child_process';
import { createWriteStream, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';

/** Fatal ends a waitFor at once: waiting longer cannot help. */
export class Fatal extends Error {}

/**
 * waitFor polls check until it returns a value other than undefined/false,
 * and fails with what it waited for once timeoutMs has passed. Polling a
 * condition is how a browser test observes a UI; the deadline bounds it.
 */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v as T;
    } catch (err) {
      if (err instanceof Fatal) throw err;
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
    }
    await delay(100);
  }
}

/** Proc is a child process whose output goes to a log file and is kept for matching. */
export class Proc {
  readonly child: ChildProcess;
  private output = '';
  private exited?: string;

  constructor(
    readonly name: string,
    command: string,
    args: string[],
    opts: SpawnOptions & { log: string },
  ) {
    const log = createWriteStream(opts.log);
    // Its own process group, so that stop ends what it started too.
    this.child = spawn(command, args, { ...opts, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (b: Buffer) => {
      log.write(b);
      if (this.output.length < 1 << 20) this.output += b.toString();
    };
    this.child.stdout?.on('data', keep);
    this.child.stderr?.on('data', keep);
    this.child.on('error', (err) => (this.exited = `failed to start: ${err.message}`));
    this.child.on('exit', (code, signal) => {
      this.exited = `exited (${signal ?? code})`;
      log.end();
    });
  }

  /** mustRun fails (for good: Fatal) once the process has ended. */
  mustRun(): void {
    if (this.exited) throw new Fatal(`${this.name} ${this.exited}: ${this.output.slice(-2000)}`);
  }

  /** match waits until the output matches re and returns the match. */
  match(re: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
    return waitFor(`${this.name} to print ${re}`, () => {
      const m = this.output.match(re);
      if (m) return m;
      this.mustRun();
      return undefined;
    }, timeoutMs);
  }

  /** stop ends the process group and waits for the exit. */
  async stop(): Promise<void> {
    if (this.exited || this.child.pid === undefined) return;
    const gone = new Promise((resolve) => this.child.once('exit', resolve));
    try {
      process.kill(-this.child.pid, 'SIGTERM');
    } catch {
      return;
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-this.child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }, 5000);
    await gone;
    clearTimeout(timer);
  }
}

/** run runs a command to its end and fails with its output if it fails. */
export function run(command: string, args: string[], opts: SpawnOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout?.on('data', (b) => (out += b));
    child.stderr?.on('data', (b) => (out += b));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${command} ${args.join(' ')}: exit ${code}\n${out}`))));
  });
}

/** A process of this machine, as /proc shows it. */
export interface ProcInfo {
  pid: number;
  ppid: number;
  argv: string[];
  /** The binary it runs (/proc/PID/exe), whatever argv[0] says. */
  exe: string;
  env: Map<string, string>;
}

/**
 * processesWithHome lists the processes whose HOME is home: a test gives
 * every process it starts its own HOME, and their children inherit it.
 */
export function processesWithHome(home: string): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const env = new Map<string, string>();
      for (const kv of readFileSync(`/proc/${name}/environ`, 'utf8').split('\0')) {
        const i = kv.indexOf('=');
        if (i > 0) env.set(kv.slice(0, i), kv.slice(i + 1));
      }
      if (env.get('HOME') !== home) continue;
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      out.push({
        pid: Number(name),
        ppid: Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]),
        argv: readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0'),
        exe: readlinkSync(`/proc/${name}/exe`),
        env,
      });
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}
