import { DEFAULT_TRANSCRIBE_OPTIONS, InvalidArgumentError } from '@verbatim/core';
import { describe, expect, it } from 'vitest';
import { DEFAULT_VAD_OPTIONS, resolveTranscriptionOptions } from './transcription-options.js';

describe('resolveTranscriptionOptions', () => {
  it('fills every default', () => {
    const options = resolveTranscriptionOptions();
    expect(options).toEqual({
      ...DEFAULT_TRANSCRIBE_OPTIONS,
      model: 'demo',
      mode: 'vad',
      vad: { ...DEFAULT_VAD_OPTIONS, negThreshold: 0.35 },
      hotwords: undefined,
      maxNewTokens: undefined,
      hallucinationSilenceThreshold: undefined,
      languageDetectionWindows: 3,
      threads: undefined,
      device: 'auto',
      gpuMemory: 'fast',
      computeType: 'default',
    });
  });

  it('takes a language by code or name, one temperature or a list, and sequential mode from vad: false', () => {
    expect(resolveTranscriptionOptions({ language: 'German' }).language).toBe('de');
    expect(resolveTranscriptionOptions({ gpuMemory: 'lean' }).gpuMemory).toBe('lean');
    expect(resolveTranscriptionOptions({ temperature: 0.3 }).temperatures).toEqual([0.3]);
    expect(resolveTranscriptionOptions({ temperature: [0, 0.5] }).temperatures).toEqual([0, 0.5]);
    const sequential = resolveTranscriptionOptions({ vad: false, beamSize: undefined });
    expect(sequential).toMatchObject({ mode: 'sequential', vad: undefined, beamSize: 5 });
    expect(resolveTranscriptionOptions({ vad: { threshold: 0.7, model: 'v5' } }).vad).toEqual({
      ...DEFAULT_VAD_OPTIONS,
      model: 'v5',
      threshold: 0.7,
      negThreshold: expect.closeTo(0.55, 12),
    });
  });

  it('names the offending option and value', () => {
    const cases: [object, string][] = [
      [{ language: 'klingon' }, 'unsupported language: "klingon"; supported: en (english), zh (chinese)'],
      [{ computeType: 'int8' }, 'computeType must be one of default, auto, float32, float16, bfloat16'],
      [{ device: 'gpu' as never }, 'device must be one of auto, cpu, cuda'],
      [{ gpuMemory: 'low' as never }, 'gpuMemory must be one of fast, lean: low'],
      [{ mode: 'sequential', vad: { threshold: 0.2 } }, 'vad must be false or left out in sequential mode'],
      [{ mode: 'fast' }, 'mode must be "vad" or "sequential": fast'],
      [{ vad: { threshold: 2 } }, 'threshold must be a probability in [0, 1]: 2'],
      [{ vad: { speechPadMs: -1 } }, 'speechPadMs must be a finite number ≥ 0: -1'],
      [{ vad: { model: 'v4' } }, 'vad.model must be one of v5, v6: v4'],
      [{ batchSize: 0 }, 'batchSize must be a positive integer: 0'],
      [{ threads: 1.5 }, 'threads must be a positive integer: 1.5'],
      [{ temperature: 0, temperatures: [0] }, 'temperature must be given alone'],
      [{ wordTimestamps: true }, 'wordTimestamps must be false: word timestamps are not implemented yet'],
      [{ model: ' ' }, 'model must be an alias or a path'],
      [{ lengthPenalty: 2 }, 'lengthPenalty must be a finite number in [0, 1]: 2'],
    ];
    for (const [options, message] of cases) {
      expect(() => resolveTranscriptionOptions(options as never), JSON.stringify(options)).toThrow(message);
      expect(() => resolveTranscriptionOptions(options as never)).toThrow(InvalidArgumentError);
    }
  });
});
