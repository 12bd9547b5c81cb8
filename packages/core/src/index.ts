export type { AudioBuffer } from './audio.js';
export { assertSampleRate, audioDurationS, firstNonFinite } from './audio.js';
export type { MelBinCount } from './constants.js';
export {
  CHUNK_LENGTH_S,
  FRAMES_PER_SECOND,
  HOP_LENGTH_SAMPLES,
  LOG_MEL_DYNAMIC_RANGE,
  LOG_MEL_FLOOR,
  MEL_BIN_COUNTS,
  N_AUDIO_CTX,
  N_FFT,
  N_FRAMES_PER_CHUNK,
  N_SAMPLES_PER_CHUNK,
  N_SAMPLES_PER_TOKEN,
  SAMPLE_RATE_HZ,
  TIMESTAMP_RESOLUTION_S,
  TOKENS_PER_SECOND,
} from './constants.js';
export type { ErrorCode, VerbatimErrorOptions } from './errors.js';
export {
  AudioDecodeError,
  EngineError,
  ERROR_CODES,
  errorFromCode,
  FileError,
  InvalidArgumentError,
  isErrorCode,
  isVerbatimError,
  ModelLoadError,
  VerbatimError,
} from './errors.js';
export type { ArchitectureName, ModelSpec } from './model-spec.js';
export { isMultilingual, WHISPER_ARCHITECTURES } from './model-spec.js';
export type { Task, TranscribeOptions } from './options.js';
export { DEFAULT_TRANSCRIBE_OPTIONS, resolveTranscribeOptions } from './options.js';
export type { BasicTextNormalizerOptions } from './text-normalizer/basic.js';
export { BasicTextNormalizer, removeSymbols, removeSymbolsAndDiacritics } from './text-normalizer/basic.js';
export { EnglishTextNormalizer } from './text-normalizer/english.js';
export { EnglishNumberNormalizer } from './text-normalizer/english-numbers.js';
export { EnglishSpellingNormalizer, englishSpellings } from './text-normalizer/english-spelling.js';
export type { WordErrorRate } from './text-normalizer/word-error-rate.js';
export { wordErrorRate } from './text-normalizer/word-error-rate.js';
export { bytesToHfToken, hfTokenToBytes } from './tokenizer/gpt2-byte-unicode.js';
export type { WhisperLanguage } from './tokenizer/languages.js';
export {
  findLanguageCode,
  languageCode,
  N_LANGUAGES_BEFORE_V3,
  WHISPER_LANGUAGES,
} from './tokenizer/languages.js';
export type { VocabularyName } from './tokenizer/ranks.js';
export type { SpecialTokenIds, VocabularyLayout, WhisperVocabSize } from './tokenizer/special-tokens.js';
export {
  isWhisperVocabSize,
  N_TIMESTAMP_TOKENS,
  specialTokenTexts,
  timestampTokenText,
  vocabularyLayout,
  WHISPER_VOCAB_SIZES,
} from './tokenizer/special-tokens.js';
export type { SotSequenceOptions, TokenBytesTable, TokenizerOptions } from './tokenizer/tokenizer.js';
export { Tokenizer } from './tokenizer/tokenizer.js';
export type { WordTokens } from './tokenizer/word-tokens.js';
export { LANGUAGES_SPLIT_BY_CHARACTER } from './tokenizer/word-tokens.js';
export type { Segment, TranscriptionInfo, TranscriptionResult, Word } from './transcription.js';
export { transcriptionText } from './transcription.js';
export type { Cue } from './writers/cues.js';
export { formatJson } from './writers/json.js';
export type { WriterOptions } from './writers/options.js';
export { DEFAULT_WRITER_OPTIONS, resolveWriterOptions } from './writers/options.js';
export type { OutputFormat } from './writers/output-format.js';
export { formatTranscription, isOutputFormat, OUTPUT_FORMATS } from './writers/output-format.js';
export { pythonFloat } from './writers/python-json.js';
export { formatSrt, parseSrt } from './writers/srt.js';
export type { TimestampStyle } from './writers/timestamp.js';
export {
  formatTimestamp,
  parseTimestamp,
  SRT_TIMESTAMP_STYLE,
  secondsToMilliseconds,
  VTT_TIMESTAMP_STYLE,
} from './writers/timestamp.js';
export { formatTsv } from './writers/tsv.js';
export { formatTxt } from './writers/txt.js';
export { formatVtt, parseVtt } from './writers/vtt.js';
