/**
 * Gathers ffmpeg's raw signed 16-bit little-endian output into float32 samples in [-1, 1), dividing by 32768
 * exactly as OpenAI Whisper's `load_audio` does, so decoded audio is bit-identical to the reference's. Chunks arrive
 * at arbitrary byte boundaries, so a sample may be split across two chunks: bytes are kept as bytes and converted
 * once at the end.
 */

/** 2 bytes per s16 sample. */
const BYTES_PER_S16 = 2;
/** Full scale of a signed 16-bit sample. */
const S16_FULL_SCALE = 32768;

/** The raw format ffmpeg is asked to write. */
export const FFMPEG_PCM_FORMAT = 's16le';

export class PcmS16Collector {
  private readonly chunks: Buffer[] = [];
  private byteLength = 0;

  /** Keeps a chunk (no copy yet). */
  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.byteLength += chunk.byteLength;
  }

  /** All whole samples received, as float32; a trailing partial sample is dropped. */
  finish(): Float32Array {
    const bytes = Buffer.concat(this.chunks, this.byteLength);
    this.chunks.length = 0;
    const samples = new Float32Array(Math.floor(bytes.byteLength / BYTES_PER_S16));
    for (let i = 0; i < samples.length; i++)
      samples[i] = bytes.readInt16LE(i * BYTES_PER_S16) / S16_FULL_SCALE;
    return samples;
  }
}
