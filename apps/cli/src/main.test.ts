import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from './internal/exit-codes.js';
import { main } from './main.js';

const CLI_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const REPO_ROOT = join(CLI_ROOT, '../..');
const SAMPLE = join(REPO_ROOT, 'samples/jfk.mp3');
const JFK_WAV = join(REPO_ROOT, '../shared/speech/jfk/jfk.wav');

async function run(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const io = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

function scratchDir(): string {
  return mkdtempSync(join(tmpdir(), 'verbatim-cli-'));
}

describe('verbatim --help / --version', () => {
  it('lists the commands', async () => {
    const { code, stdout } = await run('--help');
    expect(code).toBe(EXIT_OK);
    expect(stdout).toMatch(/probe \[options\] <files\.\.\.>/);
    expect(stdout).toMatch(/mel \[options\] <file>/);
    expect(stdout).toMatch(/transcribe \[options\] <inputs\.\.\.>/);
  });

  it('prints the package version', async () => {
    const manifest = JSON.parse(readFileSync(join(CLI_ROOT, 'package.json'), 'utf8')) as { version: string };
    const { code, stdout } = await run('--version');
    expect(code).toBe(EXIT_OK);
    expect(stdout.trim()).toBe(manifest.version);
  });

  it('rejects an unknown command with the usage exit code', async () => {
    const { code, stderr } = await run('transcribbe', 'x.wav');
    expect(code).toBe(EXIT_USAGE);
    expect(stderr).toContain("unknown command 'transcribbe'");
  });
});

describe('verbatim probe', () => {
  it('describes the bundled sample', async () => {
    const { code, stdout } = await run('probe', SAMPLE);
    expect(code).toBe(EXIT_OK);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^FILE\s+CONTAINER\s+CODEC\s+SAMPLE RATE\s+CHANNELS\s+DURATION$/);
    expect(lines[1]).toMatch(/jfk\.mp3\s+mp3\s+mp3\s+16000 Hz\s+1\s+11\.\d{3} s$/);
  });

  it('prints JSON and keeps going past a bad file, exiting 1', async () => {
    const missing = join(scratchDir(), 'missing.wav');
    const { code, stdout, stderr } = await run('probe', '--json', JFK_WAV, missing);
    expect(code).toBe(EXIT_FAILURE);
    expect(stderr).toBe('');
    const records = JSON.parse(stdout) as Array<Record<string, unknown>>;
    expect(records[0]).toMatchObject({ path: JFK_WAV, container: 'wav', sampleRateHz: 16000, channels: 1 });
    expect(records[0]?.durationS).toBeCloseTo(11, 3);
    expect(records[1]).toMatchObject({ path: missing, error: { code: 'E_FILE_NOT_FOUND' } });
  });
});

describe('bad input', () => {
  const dir = scratchDir();
  const zeroByte = join(dir, 'empty.wav');
  writeFileSync(zeroByte, '');
  const truncated = join(dir, 'truncated.wav');
  writeFileSync(truncated, readFileSync(JFK_WAV).subarray(0, 30));
  const text = join(dir, 'notes.wav');
  writeFileSync(text, 'These are meeting notes, not audio.\n'.repeat(20));
  const silentVideo = join(dir, 'silent.mp4');
  execFileSync('ffmpeg', [
    '-v',
    'error',
    '-f',
    'lavfi',
    '-i',
    'testsrc=duration=1:size=64x64:rate=10',
    silentVideo,
  ]);

  const cases: Array<[string, string, RegExp]> = [
    ['a missing file', join(dir, 'nope.wav'), /E_FILE_NOT_FOUND/],
    ['a zero-byte file', zeroByte, /E_FILE_EMPTY/],
    ['a truncated WAV header', truncated, /E_AUDIO_CORRUPT/],
    ['a text file named .wav', text, /E_AUDIO_FORMAT/],
    ['a video without audio', silentVideo, /E_NO_AUDIO_STREAM/],
  ];
  for (const [what, path, code] of cases) {
    it(`names the file and the problem for ${what}, without a stack trace`, async () => {
      for (const argv of [
        ['probe', path],
        ['mel', path, '--out', join(dir, 'out.npy')],
      ]) {
        const result = await run(...argv);
        expect(result.code).toBe(EXIT_FAILURE);
        expect(result.stderr).toMatch(code);
        expect(result.stderr).toContain(path);
        expect(result.stderr).not.toMatch(/\n\s+at /);
      }
      expect(existsSync(join(dir, 'out.npy'))).toBe(false);
    });
  }

  it('shows the stack trace with --verbose', async () => {
    const result = await run('--verbose', 'probe', zeroByte);
    expect(result.code).toBe(EXIT_FAILURE);
    expect(result.stderr).toMatch(/\n\s+at /);
  });

  it('rejects an unsupported mel bin count, naming it', async () => {
    const result = await run('mel', SAMPLE, '--n-mels', '64', '--out', join(dir, 'x.npy'));
    expect(result.code).toBe(EXIT_FAILURE);
    expect(result.stderr).toContain('--n-mels must be 80 or 128: 64');
  });
});

function npyShape(bytes: Buffer): number[] {
  const headerLength = bytes.readUInt16LE(8);
  const header = bytes.subarray(10, 10 + headerLength).toString('latin1');
  expect(header).toContain("'descr': '<f4'");
  const shape = /'shape': \(([^)]*)\)/.exec(header)?.[1] ?? '';
  return shape
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map(Number);
}

describe('verbatim mel', () => {
  it('writes the 30 s window as [80, 3000] and the whole file with --whole', async () => {
    const dir = scratchDir();
    const windowed = await run('mel', SAMPLE, '--out', join(dir, 'window.npy'));
    expect(windowed.code).toBe(EXIT_OK);
    expect(npyShape(readFileSync(join(dir, 'window.npy')))).toEqual([80, 3000]);

    const whole = await run('mel', JFK_WAV, '--n-mels', '128', '--whole', '--out', join(dir, 'whole.npy'));
    expect(whole.code).toBe(EXIT_OK);
    expect(npyShape(readFileSync(join(dir, 'whole.npy')))).toEqual([128, 1100]);
    expect(readdirSync(dir).sort()).toEqual(['whole.npy', 'window.npy']);
  });

  it('keeps an existing output file intact when decoding fails', async () => {
    const dir = scratchDir();
    const out = join(dir, 'precious.npy');
    writeFileSync(out, 'keep me');
    const result = await run('mel', join(dir, 'missing.mp3'), '--out', out);
    expect(result.code).toBe(EXIT_FAILURE);
    expect(readFileSync(out, 'utf8')).toBe('keep me');
  });
});

describe('the built binary', () => {
  it('runs as `verbatim` and exits non-zero on bad input', async () => {
    const bin = join(CLI_ROOT, 'bin/verbatim.js');
    const ok = await promisify(execFile)(process.execPath, [bin, 'probe', SAMPLE]);
    expect(ok.stdout).toContain('jfk.mp3');
    const failure = await promisify(execFile)(process.execPath, [bin, 'probe', '/no/such/file.wav']).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure).toMatchObject({ code: EXIT_FAILURE });
    expect((failure as { stderr: string }).stderr).toContain('/no/such/file.wav');
  });
});
