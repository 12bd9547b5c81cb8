import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors.js';
import { DEFAULT_WRITER_OPTIONS, resolveWriterOptions, type WriterOptions } from './options.js';

describe('resolveWriterOptions', () => {
  it("fills Whisper's defaults", () => {
    expect(resolveWriterOptions()).toEqual(DEFAULT_WRITER_OPTIONS);
    expect(resolveWriterOptions({ maxLineWidth: 42 })).toEqual({
      ...DEFAULT_WRITER_OPTIONS,
      maxLineWidth: 42,
    });
  });

  it('allows maxLineCount without maxLineWidth, as Whisper does', () => {
    expect(resolveWriterOptions({ maxLineCount: 2 }).maxLineCount).toBe(2);
  });

  it('rejects limits that are not positive integers, naming option and value', () => {
    const bad: [Partial<WriterOptions>, string][] = [
      [{ maxLineWidth: -5 }, 'maxLineWidth must be a positive integer: -5'],
      [{ maxLineWidth: 0 }, 'maxLineWidth must be a positive integer: 0'],
      [{ maxLineCount: 1.5 }, 'maxLineCount must be a positive integer: 1.5'],
      [{ maxWordsPerLine: Number.NaN }, 'maxWordsPerLine must be a positive integer: NaN'],
    ];
    for (const [options, message] of bad) {
      expect(() => resolveWriterOptions(options)).toThrow(InvalidArgumentError);
      expect(() => resolveWriterOptions(options)).toThrow(message);
    }
  });

  it('rejects a highlightWords that is not a boolean', () => {
    const options = { highlightWords: 'yes' } as unknown as Partial<WriterOptions>;
    expect(() => resolveWriterOptions(options)).toThrow('[writers] highlightWords must be a boolean: yes');
  });
});
