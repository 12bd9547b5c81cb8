"""TTS engines: espeak-ng, flite and festival, driven as subprocesses, with their voice-setting spaces.

A voice setting is a dict:
    {"engine", "voice", "variant", "rate", "pitch", "volume", "gap", "bucket"}
``rate`` is espeak-ng's words per minute, or a duration stretch factor for flite / festival (1.0 = the voice's
default, larger = slower); ``pitch`` is espeak-ng's 0-99 pitch, or a target mean F0 in Hz for flite / festival
(None where the voice has no pitch control); ``volume`` is espeak-ng's amplitude (others: None, gain augmentation
covers level). ``bucket`` = "engine:voice+variant:r<rate bucket>:p<pitch bucket>" is the unit of the voice split.

Every render returns (float32 mono audio, the engine's sample rate); resampling to 16 kHz is done by the caller.
"""

from __future__ import annotations

import atexit
import os
import select
import shutil
import subprocess
import tempfile
import time

import numpy as np

import dsp

# ----------------------------------------------------------------------------------------------------------------
# helpers


class EngineMissing(RuntimeError):
    pass


_TMP: list[str] = []


def _tmpdir() -> str:
    if not _TMP or not os.path.isdir(_TMP[0]):
        _TMP[:] = [tempfile.mkdtemp(prefix="synth-")]
        atexit.register(shutil.rmtree, _TMP[0], True)
    return _TMP[0]


def _bucket(value: float, lo: float, width: float) -> int:
    return int((value - lo) // width)


def _uniform_in(rng: np.random.Generator, lo: float, hi: float) -> float:
    return float(lo + (hi - lo) * rng.random())


class Engine:
    name = ""
    package = ""
    weight = 1.0

    def identities(self) -> list[tuple[str, str]]:
        """(voice, variant) pairs this engine offers."""
        raise NotImplementedError

    def sample(self, rng: np.random.Generator) -> dict:
        raise NotImplementedError

    def render(self, text: str, v: dict) -> tuple[np.ndarray, int]:
        raise NotImplementedError

    def reset(self):
        """Drop any state kept between renders (called at the start of every shard)."""

    def check(self):
        """Render a test sentence with every voice; raise EngineMissing (with the engine's own error output) when
        one gives no audio: a broken install or bundle must stop the build, not drop a share of the corpus."""
        rng = np.random.default_rng(0)
        seen = set()
        for _ in range(200):
            v = self.sample(rng)
            if v["voice"] in seen:
                continue
            seen.add(v["voice"])
            x, _ = self.render("This is a check.", v)
            if x.size == 0 or float(np.max(np.abs(x))) < 1e-4:
                raise EngineMissing(f"{self.name} voice {v['voice']} produced no audio: {self.diagnose(v)}")
            if len(seen) == len({i[0] for i in self.identities()}):
                break
        self.reset()

    def diagnose(self, v: dict) -> str:
        return "(no details)"

    def describe(self) -> dict:
        ids = self.identities()
        return {"engine": self.name, "identities": len(ids), "voices": sorted({i[0] for i in ids})}


def _run(cmd: list[str], *, input_bytes: bytes | None = None, env: dict | None = None, timeout: float = 120.0):
    return subprocess.run(cmd, input=input_bytes, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                          timeout=timeout, check=False)


# ----------------------------------------------------------------------------------------------------------------
# espeak-ng

ESPEAK_BASES = ["en-us", "en-gb", "en-gb-scotland", "en-gb-x-gbclan", "en-gb-x-rp", "en-gb-x-gbcwmd", "en-029"]
ESPEAK_RATE = (120.0, 225.0, 15.0)  # lo, hi, bucket width (words per minute)
ESPEAK_PITCH = (20.0, 80.0, 10.0)
ESPEAK_VOLUME = (40, 120)  # amplitude; above ~120 loud variants saturate inside espeak-ng
ESPEAK_GAPS = [0, 0, 0, 1, 2]


class Espeak(Engine):
    """espeak-ng. ``path``: a folder made by carry_espeak.sh (bin/espeak-ng, lib/, espeak-ng-data/), or None for
    the system's /usr/bin/espeak-ng (Debian package espeak-ng)."""

    name = "espeak"
    package = "espeak-ng"
    weight = 0.6

    def __init__(self, path: str | None = None):
        self.path = os.path.abspath(path) if path else None
        self.env = None
        if self.path:
            cands = [os.path.join(self.path, "bin", "espeak-ng"), os.path.join(self.path, "espeak-ng")]
            self.binary = next((c for c in cands if os.path.isfile(c)), None)
            if not self.binary:
                raise EngineMissing(f"no espeak-ng binary in {self.path}/bin: make the folder with "
                                    "tools/synth/carry_espeak.sh on a machine with Debian's espeak-ng")
            self.data = os.path.join(self.path, "espeak-ng-data")
            self.env = dict(os.environ)
            lib = os.path.join(self.path, "lib")
            self.env["LD_LIBRARY_PATH"] = lib + (":" + os.environ["LD_LIBRARY_PATH"]
                                                 if os.environ.get("LD_LIBRARY_PATH") else "")
            self.path_args = [f"--path={self.path}"]
        else:
            self.binary = shutil.which("espeak-ng")
            if not self.binary:
                raise EngineMissing("espeak-ng not found: install the Debian package 'espeak-ng' "
                                    "(apt-get install -y espeak-ng), or pass --espeak-path to a carried folder")
            self.data = None
            for d in ("/usr/lib/x86_64-linux-gnu/espeak-ng-data", "/usr/share/espeak-ng-data",
                      "/usr/lib/aarch64-linux-gnu/espeak-ng-data"):
                if os.path.isdir(d):
                    self.data = d
                    break
            self.path_args = []
        vdir = os.path.join(self.data or "", "voices", "!v")
        self.variants = sorted(v for v in os.listdir(vdir) if " " not in v) if os.path.isdir(vdir) else []
        self._ids = [(b, v) for b in ESPEAK_BASES for v in [""] + self.variants]

    def identities(self):
        return self._ids

    def sample(self, rng):
        voice, variant = self._ids[int(rng.integers(len(self._ids)))]
        rate = int(_uniform_in(rng, *ESPEAK_RATE[:2]))
        pitch = int(_uniform_in(rng, *ESPEAK_PITCH[:2]))
        volume = int(rng.integers(ESPEAK_VOLUME[0], ESPEAK_VOLUME[1] + 1))
        gap = int(ESPEAK_GAPS[int(rng.integers(len(ESPEAK_GAPS)))])
        rb = _bucket(rate, ESPEAK_RATE[0], ESPEAK_RATE[2])
        pb = _bucket(pitch, ESPEAK_PITCH[0], ESPEAK_PITCH[2])
        return {"engine": self.name, "voice": voice, "variant": variant, "rate": rate, "pitch": pitch,
                "volume": volume, "gap": gap, "bucket": f"espeak:{voice}+{variant}:r{rb}:p{pb}"}

    def command(self, v: dict) -> list[str]:
        name = v["voice"] + ("+" + v["variant"] if v["variant"] else "")
        return [self.binary, *self.path_args, "--stdout", "-v", name, "-s", str(v["rate"]), "-p", str(v["pitch"]),
                "-a", str(v["volume"]), "-g", str(v["gap"]), "--stdin"]

    def diagnose(self, v):
        r = _run(self.command(v), input_bytes=b"This is a check.", env=self.env)
        return f"exit {r.returncode}, {len(r.stdout)} bytes, stderr: {r.stderr.decode('utf-8', 'replace')[-500:]}"

    def render(self, text, v):
        r = _run(self.command(v), input_bytes=text.encode("utf-8"), env=self.env)
        if r.returncode != 0 or len(r.stdout) <= 44:
            return np.zeros(0, np.float32), 22050
        return dsp.parse_wav(r.stdout)


# ----------------------------------------------------------------------------------------------------------------
# flite

# voice: (pitch range in Hz or None where the voice ignores int_f0_target_mean)
FLITE_VOICES = {"kal": (80.0, 150.0), "kal16": (80.0, 150.0), "awb": (80.0, 150.0), "slt": (140.0, 230.0),
                "rms": None}
STRETCH = (0.8, 1.3, 0.1)
PITCH_BUCKETS = 5

def _sample_stretch_and_pitch(engine: str, voices: list[str], pitch_range_of, rng: np.random.Generator) -> dict:
    """Voice settings of the engines driven by a duration stretch and an optional f0 target (flite, festival).

    pitch_range_of(voice) is (low, high) Hz, or None for a voice whose pitch cannot be set.
    """
    voice = voices[int(rng.integers(len(voices)))]
    stretch = round(_uniform_in(rng, *STRETCH[:2]), 3)
    rb = _bucket(stretch, STRETCH[0], STRETCH[2])
    prange = pitch_range_of(voice)
    if prange:
        pitch = int(_uniform_in(rng, *prange))
        pb = _bucket(pitch, prange[0], (prange[1] - prange[0]) / PITCH_BUCKETS)
    else:
        pitch, pb = None, "d"
    return {"engine": engine, "voice": voice, "variant": "", "rate": stretch, "pitch": pitch,
            "volume": None, "gap": None, "bucket": f"{engine}:{voice}:r{rb}:p{pb}"}


class Flite(Engine):
    """flite (Debian package flite). ``path``: an optional carried folder with bin/flite and lib/."""

    name = "flite"
    package = "flite"
    weight = 0.25

    def __init__(self, path: str | None = None):
        self.env = None
        if path:
            self.binary = os.path.join(os.path.abspath(path), "bin", "flite")
            if not os.path.isfile(self.binary):
                raise EngineMissing(f"no flite binary in {path}/bin (carry_espeak.sh --with-flite makes one)")
            self.env = dict(os.environ)
            self.env["LD_LIBRARY_PATH"] = os.path.join(os.path.abspath(path), "lib")
        else:
            self.binary = shutil.which("flite")
            if not self.binary:
                raise EngineMissing("flite not found: install the Debian package 'flite' (apt-get install -y flite)")
        r = _run([self.binary, "-lv"], env=self.env, timeout=30)
        listed = set(r.stdout.decode("utf-8", "replace").replace("Voices available:", "").split())
        self.voices = [v for v in FLITE_VOICES if v in listed]
        if not self.voices:
            raise EngineMissing("flite lists none of the voices kal, kal16, awb, slt, rms")

    def identities(self):
        return [(v, "") for v in self.voices]

    def sample(self, rng):
        return _sample_stretch_and_pitch(self.name, self.voices, lambda voice: FLITE_VOICES[voice], rng)

    def command(self, text: str, v: dict, out: str) -> list[str]:
        cmd = [self.binary, "-voice", v["voice"], "--setf", f"duration_stretch={v['rate']}"]
        if v["pitch"] is not None:
            cmd += ["--setf", f"int_f0_target_mean={v['pitch']}"]
        return cmd + ["-t", text, "-o", out]

    def diagnose(self, v):
        out = os.path.join(_tmpdir(), f"flite-{os.getpid()}.wav")
        r = _run(self.command("This is a check.", v, out), env=self.env)
        return f"exit {r.returncode}, stderr: {r.stderr.decode('utf-8', 'replace')[-500:]}"

    def render(self, text, v):
        out = os.path.join(_tmpdir(), f"flite-{os.getpid()}.wav")
        r = _run(self.command(text, v, out), env=self.env)
        if r.returncode != 0 or not os.path.isfile(out):
            return np.zeros(0, np.float32), 16000
        with open(out, "rb") as f:
            data = f.read()
        os.unlink(out)
        return dsp.parse_wav(data)


# ----------------------------------------------------------------------------------------------------------------
# festival

# voice: (kind, pitch range or None)
FESTIVAL_VOICES = {"kal_diphone": ("diphone", (80.0, 150.0)), "ked_diphone": ("diphone", (80.0, 150.0)),
                   "cmu_us_slt_arctic_hts": ("hts", None)}


class Festival(Engine):
    """festival (Debian packages festival, festvox-kallpc16k, festvox-kdlpc16k, festvox-us-slt-hts), headless.

    One festival process per worker in --pipe mode renders utterance after utterance (its start-up, ~0.16 s,
    is paid once per shard, not per utterance); every utterance sets the voice (which resets it) and all the
    parameters used, so no state carries from one utterance to the next. Diphone voices take a duration stretch
    and a target F0 (int_lr_params); the HTS voice takes a speed (hts_engine -r = 1 / stretch) and has no pitch
    control. ``path``: a folder made by carry_espeak.sh --with-festival (bin/festival, lib/, share/festival).
    """

    name = "festival"
    package = "festival"
    weight = 0.15
    TIMEOUT_S = 60.0

    def __init__(self, path: str | None = None):
        self.env = None
        if path:
            path = os.path.abspath(path)
            self.binary = os.path.join(path, "bin", "festival")
            self.libdir = os.path.join(path, "share", "festival")
            if not (os.path.isfile(self.binary) and os.path.isdir(self.libdir)):
                raise EngineMissing(f"no bin/festival and share/festival in {path} "
                                    "(carry_espeak.sh --with-festival makes them)")
            self.env = dict(os.environ)
            self.env["LD_LIBRARY_PATH"] = os.path.join(path, "lib")
            # --datadir too: without it festival still looks for its init files in the compiled-in /usr/share/festival
            self.args = ["--libdir", self.libdir, "--datadir", self.libdir]
        else:
            self.binary = shutil.which("festival")
            self.libdir = "/usr/share/festival"
            self.args = []
            if not self.binary:
                raise EngineMissing("festival not found: install the Debian packages 'festival festvox-kallpc16k "
                                    "festvox-kdlpc16k festvox-us-slt-hts'")
        have = set()
        vroot = os.path.join(self.libdir, "voices")
        if os.path.isdir(vroot):
            for lang in os.listdir(vroot):
                d = os.path.join(vroot, lang)
                if os.path.isdir(d):
                    have.update(os.listdir(d))
        self.voices = [v for v in FESTIVAL_VOICES if v in have]
        if not self.voices:
            raise EngineMissing("festival has no English voice: install 'festvox-kallpc16k' (and festvox-kdlpc16k, "
                                "festvox-us-slt-hts)")
        self._proc = None
        self._n = 0
        self._buf = b""

    def identities(self):
        return [(v, "") for v in self.voices]

    def sample(self, rng):
        return _sample_stretch_and_pitch(self.name, self.voices, lambda voice: FESTIVAL_VOICES[voice][1], rng)

    def reset(self):
        """End the festival process (a new one starts with the next render)."""
        if self._proc is not None:
            try:
                self._proc.stdin.close()
                self._proc.wait(timeout=5)
            except Exception:  # noqa: BLE001
                self._proc.kill()
                self._proc.wait()
        self._proc = None
        self._buf = b""

    def _start(self):
        self._proc = subprocess.Popen([self.binary, *self.args, "--pipe"], stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=self.env)
        self._buf = b""
        atexit.register(self.reset)

    def script(self, text: str, v: dict, out: str) -> str:
        kind = FESTIVAL_VOICES[v["voice"]][0]
        q = text.replace("\\", "\\\\").replace('"', '\\"')
        lines = [f"(voice_{v['voice']})"]
        if kind == "hts":
            lines.append("(Parameter.set 'Duration_Stretch 1.0)")
            lines.append(f'(set! hts_engine_params (append hts_engine_params (list (list "-r" {1.0 / v["rate"]:.4f}))))')
        else:
            lines.append(f"(Parameter.set 'Duration_Stretch {v['rate']})")
            f0 = v["pitch"] if v["pitch"] is not None else 105  # 105 / 14: the diphone voices' own setting
            lines.append(f"(set! int_lr_params '((target_f0_mean {f0}) (target_f0_std "
                         f"{max(8, f0 // 7)}) (model_f0_mean 170) (model_f0_std 34)))")
        lines.append(f'(utt.save.wave (utt.synth (Utterance Text "{q}")) "{out}" (quote riff))')
        return "\n".join(lines) + "\n"

    def diagnose(self, v):
        out = os.path.join(_tmpdir(), f"fest-check-{os.getpid()}.wav")
        r = _run([self.binary, *self.args, "--pipe"], input_bytes=self.script("This is a check.", v, out).encode(),
                 env=self.env)
        return f"exit {r.returncode}, stderr: {r.stderr.decode('utf-8', 'replace')[-500:]}"

    def _wait_for(self, marker: bytes) -> bool:
        deadline = time.monotonic() + self.TIMEOUT_S
        fd = self._proc.stdout.fileno()
        while True:
            i = self._buf.find(marker + b"\n")
            if i >= 0:
                self._buf = self._buf[i + len(marker) + 1:]
                return True
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            r, _, _ = select.select([fd], [], [], left)
            if not r:
                return False
            chunk = os.read(fd, 65536)
            if not chunk:
                return False
            self._buf += chunk

    def render(self, text, v):
        if self._proc is None or self._proc.poll() is not None:
            self._start()
        out = os.path.join(_tmpdir(), f"fest-{os.getpid()}.wav")
        if os.path.exists(out):
            os.unlink(out)
        self._n += 1
        marker = f"SYNTH-DONE-{self._n}"
        try:
            self._proc.stdin.write((self.script(text, v, out) + f'(format t "{marker}\\n")\n(fflush nil)\n').encode("utf-8"))
            self._proc.stdin.flush()
            ok = self._wait_for(marker.encode())
        except (BrokenPipeError, OSError):
            ok = False
        if not ok:
            self.reset()
            return np.zeros(0, np.float32), 16000
        if not os.path.isfile(out):
            return np.zeros(0, np.float32), 16000
        with open(out, "rb") as f:
            data = f.read()
        os.unlink(out)
        return dsp.parse_wav(data)


# ----------------------------------------------------------------------------------------------------------------

ENGINE_CLASSES = {"espeak": Espeak, "flite": Flite, "festival": Festival}


def make_engines(names: list[str] | None, espeak_path: str | None = None, flite_path: str | None = None,
                 festival_path: str | None = None, strict: bool = True, check: bool = False) -> dict[str, Engine]:
    """Instantiate engines. names=None: every engine found (at least one). strict: a named engine that is missing
    raises EngineMissing naming its Debian package. check: render a test sentence with every voice first."""
    out: dict[str, Engine] = {}
    wanted = names or list(ENGINE_CLASSES)
    errors = []
    for n in wanted:
        if n not in ENGINE_CLASSES:
            raise ValueError(f"unknown engine {n!r}; known: {', '.join(ENGINE_CLASSES)}")
        try:
            if n == "espeak":
                out[n] = Espeak(espeak_path)
            elif n == "flite":
                out[n] = Flite(flite_path)
            else:
                out[n] = Festival(festival_path)
            if check:
                out[n].check()
        except EngineMissing as e:
            if names and strict:
                raise
            errors.append(str(e))
    if not out:
        raise EngineMissing("no TTS engine available: " + "; ".join(errors))
    return out
