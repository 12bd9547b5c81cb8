import { Tokenizer } from '@verbatim/core';
import { describe, expect, it } from 'vitest';
import { resolveTranscriptionOptions } from './transcription-options.js';
import { engineDecodeOptions } from './window-decoder.js';

describe('engineDecodeOptions', () => {
  const tokenizer = Tokenizer.forModel({ vocabSize: 51865 });
  const specials = [50258, 50358, 50359, 50360, 50361, 50362];

  it("suppresses Whisper's non-speech set by default", () => {
    const options = engineDecodeOptions(resolveTranscriptionOptions({}), tokenizer);
    expect(options.suppressTokens).toEqual([...tokenizer.nonSpeechTokens(), ...specials]);
    expect(options.suppressTokens).toContain(25); // ":"
  });

  it("suppresses the model's own default set when its generation_config names one", () => {
    const own = tokenizer.nonSpeechTokens().filter((id) => id !== 25 && id !== 922);
    const options = engineDecodeOptions(resolveTranscriptionOptions({}), tokenizer, own);
    expect(options.suppressTokens).toEqual([...own, ...specials]);
    // an explicit list still wins over the model's
    const explicit = engineDecodeOptions(
      resolveTranscriptionOptions({ suppressTokens: [7] }),
      tokenizer,
      own,
    );
    expect(explicit.suppressTokens).toEqual([7, ...specials]);
  });
});
