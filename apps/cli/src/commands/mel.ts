import { encodeNpy, loadAudio, logMelFrames, logMelSpectrogram } from '@verbatim/audio';
import { InvalidArgumentError, MEL_BIN_COUNTS, type MelBinCount, N_FRAMES_PER_CHUNK } from '@verbatim/core';
import type { Command } from 'commander';
import type { CliContext } from '../internal/cli-context.js';
import { writeFileAtomic } from '../internal/write-file-atomic.js';

interface MelOptions {
  nMels: string;
  out: string;
  whole?: boolean;
}

function parseMelBins(value: string): MelBinCount {
  const bins = Number(value);
  if (!(MEL_BIN_COUNTS as readonly number[]).includes(bins)) {
    throw new InvalidArgumentError(`[mel] --n-mels must be ${MEL_BIN_COUNTS.join(' or ')}: ${value}`);
  }
  return bins as MelBinCount;
}

/** `verbatim mel <file>`: Whisper's log-mel spectrogram of a file, saved as a float32 .npy of shape [n_mels, frames]. */
export function registerMelCommand(program: Command, context: CliContext): void {
  program
    .command('mel')
    .description("compute Whisper's log-mel spectrogram of a file and save it as .npy [n_mels, frames]")
    .argument('<file>', 'audio or video file')
    .option('--n-mels <bins>', 'mel bins: 80 (Whisper up to large-v2) or 128 (large-v3 and later)', '80')
    .requiredOption('--out <file.npy>', 'where to write the float32 .npy file')
    .option('--whole', `the whole file instead of the model's 30 s window (${N_FRAMES_PER_CHUNK} frames)`)
    .action(async (path: string, options: MelOptions) => {
      const nMels = parseMelBins(options.nMels);
      const audio = await loadAudio(path);
      const mel = options.whole
        ? logMelFrames(audio.samples, nMels)
        : { data: logMelSpectrogram(audio.samples, nMels), nFrames: N_FRAMES_PER_CHUNK };
      await writeFileAtomic(options.out, encodeNpy(mel.data, [nMels, mel.nFrames]));
      context.io.stdout.write(`${options.out}: log-mel [${nMels}, ${mel.nFrames}] float32 of ${path}\n`);
    });
}
