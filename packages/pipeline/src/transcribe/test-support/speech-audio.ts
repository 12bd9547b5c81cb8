/** Real recordings from the shared speech set, joined with silences into longer test audio. */
import { fileURLToPath } from 'node:url';
import { loadAudio } from '@verbatim/audio';
import { SAMPLE_RATE_HZ } from '@verbatim/core';
import { SPEECH_DIR } from '@verbatim/reference';

/** Files under the shared speech folder. */
export const SPEECH_FILES = {
  jfk: 'jfk/jfk.wav',
  libri0: 'librispeech-test-clean-4utt/LibriSpeech/test-clean/1089/134686/1089-134686-0000.flac',
  libri3: 'librispeech-test-clean-4utt/LibriSpeech/test-clean/1089/134691/1089-134691-0001.flac',
  es: 'picovoice-leopard-multilingual/test_es.wav',
  de: 'picovoice-leopard-multilingual/test_de.wav',
  fr: 'picovoice-leopard-multilingual/test_fr.wav',
  it: 'picovoice-leopard-multilingual/test_it.wav',
  pt: 'picovoice-leopard-multilingual/test_pt.wav',
} as const;

export function speechPath(name: keyof typeof SPEECH_FILES): string {
  return fileURLToPath(new URL(SPEECH_FILES[name], SPEECH_DIR));
}

/** The recordings one after another, each followed by `silenceS` of zeros; mono 16 kHz. */
export async function joinedSpeech(
  names: readonly (keyof typeof SPEECH_FILES)[],
  silenceS: number,
): Promise<Float32Array> {
  const pieces = await Promise.all(names.map(async (name) => (await loadAudio(speechPath(name))).samples));
  const gap = Math.round(silenceS * SAMPLE_RATE_HZ);
  const out = new Float32Array(pieces.reduce((sum, piece) => sum + piece.length + gap, 0));
  let at = 0;
  for (const piece of pieces) {
    out.set(piece, at);
    at += piece.length + gap;
  }
  return out;
}
