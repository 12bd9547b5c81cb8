/**
 * What a decoder found out about an audio source, whichever decoder read it (the native WAV reader or ffprobe).
 */
export interface AudioFormatInfo {
  /** Container name: `wav`, `rf64` or `bw64` from the WAV reader; ffprobe's `format_name` otherwise (e.g. `ogg`, `mov,mp4,m4a,3gp,3g2,mj2`). */
  readonly container: string;
  /** Codec name as ffmpeg spells it: `pcm_s16le`, `pcm_mulaw`, `mp3`, `opus`, `aac`, … */
  readonly codec: string;
  /** The source's own sample rate, before any resampling. */
  readonly sampleRateHz: number;
  /** The source's channel count, before down-mixing to mono. */
  readonly channels: number;
  /** Bits per stored sample (the container size for PCM); undefined for compressed codecs. */
  readonly bitsPerSample: number | undefined;
  /** Sample frames (one sample per channel) in the source; undefined when only a duration is known. */
  readonly frameCount: number | undefined;
  /** Duration in seconds; undefined when the container does not say (some streamed formats). */
  readonly durationS: number | undefined;
}
