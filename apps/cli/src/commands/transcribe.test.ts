/**
 * `verbatim transcribe` on seeded random weights (a real model whose text is meaningless): argument errors, every
 * output format written atomically, several inputs with a bad one, globs, the progress bar. Needs the engine built.
 */
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadReferenceFixture, writeLayout } from '@verbatim/reference';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../internal/cli-context.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from '../internal/exit-codes.js';
import { main } from '../main.js';
import { fallbackTemperatures, outputNameClash } from './transcribe.js';

const TIMEOUT_MS = 180_000;
const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../../..');
const JFK_WAV = join(REPO_ROOT, '../shared/speech/jfk/jfk.wav');
/** Greedy, short decodes without fallback: what random weights need to finish quickly. */
const FAST = [
  '--beam-size',
  '1',
  '--max-new-tokens',
  '16',
  '--temperature-increment-on-fallback',
  '0',
  '--threads',
  '2',
];

let modelDir: string;

beforeAll(() => {
  modelDir = mkdtempSync(join(tmpdir(), 'verbatim-cli-model-'));
  writeLayout(modelDir, { architecture: 'tiny', layout: 'hf', seed: loadReferenceFixture('tiny').seed });
}, TIMEOUT_MS);
afterAll(() => rmSync(modelDir, { recursive: true, force: true }));

async function run(argv: string[], stderrIsTty = false) {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text), isTTY: stderrIsTty, columns: 100 },
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

/** `verbatim transcribe <jfk.wav> --model <seeded> --output-dir <out>` with quick decoding and `extra` flags. */
function jfkArgv(out: string, ...extra: string[]): string[] {
  return ['transcribe', JFK_WAV, '--model', modelDir, '--output-dir', out, ...FAST, ...extra];
}

function scratchDir(): string {
  return mkdtempSync(join(tmpdir(), 'verbatim-cli-transcribe-'));
}

describe('verbatim transcribe: the command line', () => {
  const out = scratchDir();
  const cases: Array<[string, string[], RegExp]> = [
    ['no input', [], /missing required argument 'inputs'/],
    [
      'a batch size of 0',
      ['--batch-size', '0'],
      /'--batch-size <n>' argument '0' is invalid. Expected a positive integer/,
    ],
    [
      'an unknown output format',
      ['--output-format', 'docx'],
      /argument 'docx' is invalid. Allowed choices are all, txt, vtt/,
    ],
    ['an unknown task', ['--task', 'sing'], /argument 'sing' is invalid/],
    [
      'an unsupported compute type',
      ['--compute-type', 'int8'],
      /argument 'int8' is invalid. Allowed choices are default/,
    ],
    [
      'an unknown language',
      ['--language', 'klingon'],
      /unsupported language: "klingon"; supported: en \(english\)/,
    ],
    [
      'an unknown model',
      ['--model', 'tiny-ultra'],
      /E_INVALID_ARG: .*known models: demo, tiny, .*large-v3-turbo.*: tiny-ultra/,
    ],
    ['a bad temperature', ['--temperature', 'hot'], /'--temperature <t>' argument 'hot' is invalid/],
  ];
  for (const [what, flags, message] of cases) {
    it(`rejects ${what} with the usage exit code, writing nothing`, async () => {
      const inputs = what === 'no input' ? [] : [JFK_WAV];
      const result = await run(['transcribe', ...inputs, '--output-dir', out, ...flags]);
      expect(result.code).toBe(EXIT_USAGE);
      expect(result.stderr).toMatch(message);
      expect(readdirSync(out)).toEqual([]);
    });
  }

  it('refuses inputs whose outputs would overwrite each other, before loading the model', async () => {
    const flac = join(REPO_ROOT, '../shared/speech/jfk/jfk.flac');
    const result = await run(['transcribe', JFK_WAV, flac, '--model', 'no-such-model', '--output-dir', out]);
    expect(result.code).toBe(EXIT_USAGE);
    expect(result.stderr).toContain(
      `would write the same outputs ${join(out, 'jfk.*')}: ${JFK_WAV} and ${flac}`,
    );
    expect(readdirSync(out)).toEqual([]);
    expect(outputNameClash(['a/talk.wav', 'b/other.mp3'])).toBeUndefined();
    expect(outputNameClash(['a/talk.wav', 'b/other.mp3', 'c/talk.mp3'])).toEqual({
      stem: 'talk',
      paths: ['a/talk.wav', 'c/talk.mp3'],
    });
  });

  it('turns --temperature and its fallback increment into whisper’s schedule', () => {
    expect(fallbackTemperatures(0, 0.2)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(fallbackTemperatures(0.5, 0.25)).toEqual([0.5, 0.75, 1]);
    expect(fallbackTemperatures(0.3, 0)).toEqual([0.3]);
  });
});

describe('verbatim transcribe: outputs', () => {
  it(
    'with --verbose prints each segment, where the engine runs and where the time went',
    async () => {
      const out = scratchDir();
      const result = await run(['--verbose', ...jfkArgv(out, '--output-format', 'txt')]);
      expect(result.code).toBe(EXIT_OK);
      expect(result.stdout).toMatch(
        /^ {2}stages: vad \d+\.\d\d s, language \d+\.\d\d s, log-mel\+encode \d+\.\d\d s, decode \d+\.\d\d s$/m,
      );
      const quiet = await run(jfkArgv(scratchDir(), '--output-format', 'txt'));
      expect(quiet.stdout).not.toContain('stages:');
    },
    TIMEOUT_MS,
  );

  it(
    'writes every format atomically, with the segments in the JSON as whisper writes them',
    async () => {
      const out = scratchDir();
      const result = await run(jfkArgv(out));
      expect(result.stderr).toBe('');
      expect(result.code).toBe(EXIT_OK);
      expect(result.stdout).toMatch(/jfk\.wav: \d+ segments, language \w+ \(p=[\d.]+\), 11\.0 s of audio in/);
      // Only the five outputs: no temporary file is left behind.
      expect(readdirSync(out).sort()).toEqual(['jfk.json', 'jfk.srt', 'jfk.tsv', 'jfk.txt', 'jfk.vtt']);
      const json = JSON.parse(readFileSync(join(out, 'jfk.json'), 'utf8')) as {
        text: string;
        language: string;
        segments: Record<string, unknown>[];
      };
      expect(json.segments.length).toBeGreaterThan(0);
      for (const segment of json.segments) {
        expect(Object.keys(segment)).toEqual([
          'id',
          'start',
          'end',
          'text',
          'tokens',
          'temperature',
          'avg_logprob',
          'compression_ratio',
          'no_speech_prob',
        ]);
      }
      expect(json.text).toBe(json.segments.map((segment) => segment.text).join(''));
      const txt = readFileSync(join(out, 'jfk.txt'), 'utf8');
      expect(txt).toBe(json.segments.map((segment) => `${String(segment.text).trim()}\n`).join(''));
      expect(readFileSync(join(out, 'jfk.srt'), 'utf8')).toMatch(/^1\n\d\d:\d\d:\d\d,\d{3} --> /);
      expect(readFileSync(join(out, 'jfk.vtt'), 'utf8')).toMatch(/^WEBVTT\n/);
    },
    TIMEOUT_MS,
  );

  it(
    'goes on past a bad input, exits 1, and writes the others; globs are expanded',
    async () => {
      const dir = scratchDir();
      copyFileSync(JFK_WAV, join(dir, 'one.wav'));
      copyFileSync(JFK_WAV, join(dir, 'two.wav'));
      writeFileSync(join(dir, 'broken.wav'), 'These are meeting notes, not audio.\n'.repeat(20));
      const out = join(dir, 'out');
      const result = await run([
        'transcribe',
        join(dir, 'broken.wav'),
        join(dir, 't*.wav'),
        join(dir, 'missing.wav'),
        join(dir, 'o?e.wav'),
        '--model',
        modelDir,
        '--output-dir',
        out,
        '--output-format',
        'srt',
        '--quiet',
        ...FAST,
      ]);
      expect(result.code).toBe(EXIT_FAILURE);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain(`E_AUDIO_FORMAT`);
      expect(result.stderr).toContain(join(dir, 'broken.wav'));
      expect(result.stderr).toContain(`E_FILE_NOT_FOUND`);
      expect(result.stderr).toContain(join(dir, 'missing.wav'));
      expect(readdirSync(out).sort()).toEqual(['one.srt', 'two.srt']);
      expect(readFileSync(join(out, 'one.srt'), 'utf8')).toBe(readFileSync(join(out, 'two.srt'), 'utf8'));
    },
    TIMEOUT_MS,
  );

  it(
    'leaves no partial file when an output cannot be written',
    async () => {
      const out = scratchDir();
      mkdirSync(join(out, 'jfk.tsv')); // a folder where the .tsv should go
      const result = await run(jfkArgv(out, '--quiet'));
      expect(result.code).toBe(EXIT_FAILURE);
      expect(result.stderr).toMatch(/E_FILE_WRITE: \[write\] cannot write .*jfk\.tsv/);
      expect(readdirSync(out).filter((name) => name.includes('partial'))).toEqual([]);
      expect(statSync(join(out, 'jfk.tsv')).isDirectory()).toBe(true);
    },
    TIMEOUT_MS,
  );

  it(
    'draws a progress bar on a terminal only',
    async () => {
      const out = scratchDir();
      const argv = jfkArgv(out, '--output-format', 'txt');
      const terminal = await run(argv, true);
      expect(terminal.code).toBe(EXIT_OK);
      // Each redraw: carriage return, erase the line (ESC [2K), then the bar.
      expect(terminal.stderr).toContain('\r\u001b[2K[');
      expect(terminal.stderr).toMatch(/\[#*\.*\] +\d+% decode [\d.]+\/11\.0 s/);
      const piped = await run(argv, false);
      expect(piped.code).toBe(EXIT_OK);
      expect(piped.stderr).toBe('');
    },
    TIMEOUT_MS,
  );
});
