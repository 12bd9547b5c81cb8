/**
 * Public entry points for reading an audio file: loadAudio (16 kHz mono, what the model takes), decodeAudioFile
 * (samples at the source's rate + format) and probe (format only).
 *
 * Dispatch is by content, never by file name: a RIFF/RF64/BW64 WAVE signature goes to the native WAV reader, anything
 * else to ffmpeg/ffprobe. A WAV whose encoding the native reader does not decode (ADPCM, GSM, MP3-in-WAV, …), or too
 * large to read into memory whole, is handed to ffmpeg as well. Every call is independent; any number may run concurrently.
 */

import { type AudioBuffer, isVerbatimError, SAMPLE_RATE_HZ } from '@verbatim/core';
import { decodeWithFfmpeg } from './ffmpeg/decode-with-ffmpeg.js';
import type { FfmpegBinaryOptions } from './ffmpeg/ffmpeg-binaries.js';
import { probeWithFfprobe } from './ffmpeg/probe-with-ffprobe.js';
import { type FileStart, readFileStart, readWholeFile } from './load-audio-file-access.js';
import type { AudioFormatInfo } from './load-audio-format.js';
import { resample } from './resample/resampler.js';
import { readWav, readWavFormat } from './wav/read-wav.js';
import { isWavSignature, WAV_SIGNATURE_BYTES } from './wav/wav-header.js';

/** Options for decodeAudioFile and probe: where ffmpeg and ffprobe are (see FfmpegBinaryOptions). */
export type LoadAudioOptions = FfmpegBinaryOptions;

export interface DecodedAudio {
  /** Mono samples: at the file's own rate for WAV read natively, at 16000 Hz when ffmpeg decoded them. */
  readonly audio: AudioBuffer;
  /** The source's format; durationS is the decoded audio's length. */
  readonly format: AudioFormatInfo;
}

/**
 * 2147483647 bytes (2 GiB - 1), the most fs.readFile returns: larger WAVs (long RF64 recordings) stream through ffmpeg
 * instead of being read whole.
 */
const NATIVE_WAV_MAX_BYTES = 2 ** 31 - 1;

/**
 * 65536 bytes read for a WAV probe: fmt and data headers sit in the first few hundred bytes of nearly every file;
 * when a large chunk (a long LIST or bext) pushes them further, the whole file is read instead.
 */
const WAV_PROBE_HEAD_BYTES = 65_536;

/**
 * Decodes an audio (or video) file to mono float32.
 * @param path the file; its content, not its name, decides how it is read.
 * @throws FileError E_FILE_NOT_FOUND, E_FILE_READ (directory, unreadable), E_FILE_EMPTY;
 *   AudioDecodeError E_AUDIO_CORRUPT (a damaged WAV), E_AUDIO_FORMAT (not a recognised audio format),
 *   E_NO_AUDIO_STREAM, E_FFMPEG_MISSING, E_FFMPEG_FAILED. Every error names the path.
 */
export async function decodeAudioFile(path: string, options: LoadAudioOptions = {}): Promise<DecodedAudio> {
  const { head, byteLength } = await readFileStart(path, WAV_SIGNATURE_BYTES, 'decodeAudioFile');
  if (isWavSignature(head) && byteLength <= NATIVE_WAV_MAX_BYTES) {
    const bytes = await readWholeFile(path, 'decodeAudioFile');
    const wav = undefinedIfUnsupported(() => readWav(bytes, { path }));
    if (wav !== undefined) return wav;
  }
  // Both processes at once: the probe costs no extra wall time. A decode failure is the more telling error.
  const [decoded, probed] = await Promise.allSettled([
    decodeWithFfmpeg(path, options),
    probeWithFfprobe(path, options),
  ]);
  if (decoded.status === 'rejected') throw decoded.reason;
  if (probed.status === 'rejected') throw probed.reason;
  const audio = decoded.value;
  // ffmpeg trims encoder priming and padding that a container-level duration (e.g. an mp3's) still counts.
  return { audio, format: { ...probed.value, durationS: audio.samples.length / audio.sampleRateHz } };
}

/**
 * Describes an audio file without decoding it: a WAV from its headers alone, anything else through ffprobe.
 * @throws as decodeAudioFile.
 */
export async function probe(path: string, options: LoadAudioOptions = {}): Promise<AudioFormatInfo> {
  const start = await readFileStart(path, WAV_PROBE_HEAD_BYTES, 'probe');
  if (isWavSignature(start.head)) {
    const wav = await probeWav(path, start);
    if (wav !== undefined) return wav;
  }
  return probeWithFfprobe(path, options);
}

async function probeWav(path: string, { head, byteLength }: FileStart): Promise<AudioFormatInfo | undefined> {
  try {
    return undefinedIfUnsupported(() => readWavFormat(head, { path, fileByteLength: byteLength }));
  } catch (error) {
    // A header that looks cut short may only run past the bytes read so far.
    const mayLieFurther =
      isVerbatimError(error) && error.code === 'E_AUDIO_CORRUPT' && head.byteLength < byteLength;
    if (!mayLieFurther) throw error;
  }
  if (byteLength > NATIVE_WAV_MAX_BYTES) return undefined;
  const bytes = await readWholeFile(path, 'probe');
  return undefinedIfUnsupported(() => readWavFormat(bytes, { path }));
}

/** Runs a WAV reader; an encoding it does not support (E_AUDIO_FORMAT) yields undefined so ffmpeg gets a turn. */
function undefinedIfUnsupported<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch (error) {
    if (isVerbatimError(error) && error.code === 'E_AUDIO_FORMAT') return undefined;
    throw error;
  }
}

/**
 * Reads any audio or video file as the model needs it: mono float32 at 16000 Hz. WAVs at other rates go through the
 * band-limited resampler; ffmpeg already delivers 16 kHz.
 * @throws as decodeAudioFile.
 */
export async function loadAudio(path: string, options: LoadAudioOptions = {}): Promise<AudioBuffer> {
  const { audio } = await decodeAudioFile(path, options);
  if (audio.sampleRateHz === SAMPLE_RATE_HZ) return audio;
  return {
    samples: resample(audio.samples, audio.sampleRateHz, SAMPLE_RATE_HZ),
    sampleRateHz: SAMPLE_RATE_HZ,
  };
}
