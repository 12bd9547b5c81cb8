"""A long test recording for the GPU machine: SOURCE (a WAV) repeated with 1.5 s pauses to MINUTES minutes.

    python3 tools/cuda/long_wav.py OUT.wav MINUTES SOURCE.wav
"""

import sys
import wave


def main(out: str, minutes: float, source: str) -> None:
    with wave.open(source) as w:
        rate, width, channels = w.getframerate(), w.getsampwidth(), w.getnchannels()
        frames = w.readframes(w.getnframes())
    pause = b"\0" * (int(1.5 * rate) * width * channels)
    need = int(minutes * 60 * rate) * width * channels
    with wave.open(out, "wb") as o:
        o.setnchannels(channels)
        o.setsampwidth(width)
        o.setframerate(rate)
        written = 0
        while written < need:
            piece = (frames + pause)[: need - written]
            o.writeframes(piece)
            written += len(piece)
    print(f"{out}: {minutes} min of {source.rsplit('/', 1)[-1]} with 1.5 s pauses ({rate} Hz)")


if __name__ == "__main__":
    main(sys.argv[1], float(sys.argv[2]), sys.argv[3])
