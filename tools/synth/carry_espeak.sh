#!/usr/bin/env bash
# Bundle Debian's espeak-ng (and optionally flite) with the text sources into one folder that runs on the GPU machine
# (Ubuntu, no TTS installed, no network), as ../shared/docs/training-notes.md describes:
#
#   DEST/bin/espeak-ng            the binary
#   DEST/lib/                     every shared library `ldd` lists for it, except libc, libm, libstdc++, libgcc_s,
#                                 the loader and the vDSO (copied under their sonames, symlinks resolved)
#   DEST/espeak-ng-data/          the data folder (other languages' *_dict files dropped unless --full-data)
#   DEST/share/games/fortunes/    the fortune files  (Debian packages fortunes, fortunes-min)
#   DEST/share/dict/american-english  the word list  (Debian package wamerican)
#   DEST/share/wordnet/examples.txt   WordNet's usage examples as sentences (Debian package wordnet-base) + copyright
#   DEST/share/prose/sentences.txt    English prose sentences (prose.py: Debian packages debian-handbook,
#                                 debian-reference-en, gnome-user-docs, dict-devil, fortune-anarchism, sword-text-web,
#                                 dict-jargon, dict-foldoc, dict-gcide, tfortunes, display-dhammapada, cfi-en,
#                                 endless-sky-data, gimp-help-en (+ gimp-help-common, its copyright file),
#                                 python3.11-doc, libreoffice-help-en-us, developers-reference, debian-faq,
#                                 unpacked under --prose-root)
#                                 + DEST/share/prose/copyright/PACKAGE for each (every package of prose.SOURCES)
#   DEST/bin/flite + its libraries with --with-flite (Debian package flite; about 27 MB more)
#   DEST/bin/festival + its libraries + DEST/share/festival (its Scheme library, lexicon and voices) with
#                                 --with-festival (Debian packages festival, festvox-*; about 30 MB more)
#
# Usage:  tools/synth/carry_espeak.sh DEST [--with-flite] [--with-festival] [--full-data] [--no-texts]
#                                          [--prose-root DIR] [--tar FILE.tar.xz]
# --prose-root: where the prose packages were unpacked (default /, installed), e.g.
#   cd /tmp && apt-get download debian-handbook debian-reference-en gnome-user-docs dict-devil fortune-anarchism \
#     sword-text-web dict-jargon dict-foldoc dict-gcide tfortunes display-dhammapada cfi-en endless-sky-data \
#     gimp-help-en gimp-help-common python3.11-doc libreoffice-help-en-us developers-reference debian-faq \
#     && for d in *.deb; do dpkg -x "$d" /tmp/prose-root; done
# (fortune-anarchism must not be installed: its file would join the fortunes, and so the valid and test texts)
# --tar also packs the folder into one xz archive (everything together is over the 64 MiB a run can carry as
# plain files; the archive is about a third of that): carry the archive and `tar xf` it first on the GPU machine.
# The archive is packed with xz -9 (~100 KB smaller than tar -J's default xz -6; unpacking needs 65 MiB of memory).
# Then, on the GPU machine:
#   python3 tools/synth/build_corpus.py --espeak-path DEST --text-root DEST/share \
#       [--flite-path DEST] [--festival-path DEST] ...
# (espeak-ng is run as LD_LIBRARY_PATH=DEST/lib DEST/bin/espeak-ng --path=DEST ...; festival with --libdir).
set -euo pipefail

usage() { echo "usage: $0 DEST [--with-flite] [--with-festival] [--full-data] [--no-texts] [--prose-root DIR] [--tar FILE]" >&2; exit 2; }
[ $# -ge 1 ] || usage
DEST=$1; shift
WITH_FLITE=0; WITH_FESTIVAL=0; FULL_DATA=0; TEXTS=1; TAR=; PROSE_ROOT=/
while [ $# -gt 0 ]; do
  case "$1" in
    --with-flite) WITH_FLITE=1 ;;
    --with-festival) WITH_FESTIVAL=1 ;;
    --full-data) FULL_DATA=1 ;;
    --no-texts) TEXTS=0 ;;
    --tar) shift; [ $# -gt 0 ] || usage; TAR=$1 ;;
    --prose-root) shift; [ $# -gt 0 ] || usage; PROSE_ROOT=$1 ;;
    *) usage ;;
  esac
  shift
done

ESPEAK=$(command -v espeak-ng || true)
[ -n "$ESPEAK" ] || { echo "espeak-ng is not installed: apt-get install -y espeak-ng" >&2; exit 1; }
DATA=$(espeak-ng --version | sed -n 's/.*Data at: *//p')
[ -d "$DATA" ] || DATA=/usr/lib/x86_64-linux-gnu/espeak-ng-data
[ -d "$DATA" ] || { echo "espeak-ng-data not found (looked at $DATA)" >&2; exit 1; }

mkdir -p "$DEST/bin" "$DEST/lib"
DEST=$(cd "$DEST" && pwd)

copy_libs() {  # copy the shared libraries ldd lists for $1 into DEST/lib, minus the base system ones
  ldd "$1" | awk '/=>/ && $3 ~ /^\// {print $1, $3}' | while read -r name path; do
    case "$name" in
      libc.so*|libm.so*|libstdc++.so*|libgcc_s.so*|ld-linux*|linux-vdso*) continue ;;
    esac
    cp -L "$path" "$DEST/lib/$name"
  done
}

cp -L "$ESPEAK" "$DEST/bin/espeak-ng"
copy_libs "$ESPEAK"
rm -rf "$DEST/espeak-ng-data"
cp -rL "$DATA" "$DEST/espeak-ng-data"
if [ "$FULL_DATA" = 0 ]; then
  # only English is spoken: keep en_dict, drop the other languages' dictionaries (voices, phonemes stay whole)
  find "$DEST/espeak-ng-data" -maxdepth 1 -name '*_dict' ! -name 'en_dict' -delete
fi

if [ "$WITH_FLITE" = 1 ]; then
  FLITE=$(command -v flite || true)
  [ -n "$FLITE" ] || { echo "flite is not installed: apt-get install -y flite" >&2; exit 1; }
  cp -L "$FLITE" "$DEST/bin/flite"
  copy_libs "$FLITE"
fi

if [ "$WITH_FESTIVAL" = 1 ]; then
  FESTIVAL=$(command -v festival || true)
  [ -n "$FESTIVAL" ] || { echo "festival is not installed: apt-get install -y festival festvox-kallpc16k festvox-kdlpc16k festvox-us-slt-hts" >&2; exit 1; }
  [ -d /usr/share/festival/voices ] || { echo "festival has no voices: apt-get install -y festvox-kallpc16k" >&2; exit 1; }
  cp -L "$FESTIVAL" "$DEST/bin/festival"
  copy_libs "$FESTIVAL"
  mkdir -p "$DEST/share"
  rm -rf "$DEST/share/festival"
  cp -rL /usr/share/festival "$DEST/share/festival"
fi

if [ "$TEXTS" = 1 ]; then
  [ -d /usr/share/games/fortunes ] || { echo "no /usr/share/games/fortunes: apt-get install -y fortunes fortunes-min" >&2; exit 1; }
  [ ! -e /usr/share/games/fortunes/anarchism ] || { echo "fortune-anarchism is installed: its file would join the fortunes (valid and test texts); apt-get remove fortune-anarchism and unpack it under --prose-root instead" >&2; exit 1; }
  WORDS=/usr/share/dict/american-english
  [ -f "$WORDS" ] || { echo "no $WORDS: apt-get install -y wamerican" >&2; exit 1; }
  mkdir -p "$DEST/share/games/fortunes" "$DEST/share/dict"
  find /usr/share/games/fortunes -maxdepth 1 -type f ! -name '*.dat' -exec cp {} "$DEST/share/games/fortunes/" \;
  cp -L "$WORDS" "$DEST/share/dict/american-english"
  # WordNet's usage examples (training texts, build_corpus --examples-frac), extracted here: a few hundred KB
  # instead of the 22 MB of data files, with the database's licence beside them
  [ -f /usr/share/wordnet/data.noun ] || { echo "no /usr/share/wordnet: apt-get install -y wordnet-base" >&2; exit 1; }
  mkdir -p "$DEST/share/wordnet"
  python3 -c "import sys; sys.path.insert(0, '$(dirname "$0")'); import textgen; \
print('\n'.join(textgen.wordnet_examples_from_data('/usr/share/wordnet')))" >"$DEST/share/wordnet/examples.txt"
  cp -L /usr/share/doc/wordnet-base/copyright "$DEST/share/wordnet/copyright"
  # prose sentences (training texts, build_corpus --prose-frac): extracted by prose.py, which drops every sentence
  # sharing a 5-word sequence with the fortunes just copied; each package's copyright file beside them
  rm -rf "$DEST/share/prose" && mkdir -p "$DEST/share/prose/copyright"
  python3 "$(dirname "$0")/prose.py" --root "$PROSE_ROOT" --fortunes "$DEST/share/games/fortunes" \
    --out "$DEST/share/prose/sentences.txt"
  for pkg in $(python3 -c "import sys; sys.path.insert(0, '$(dirname "$0")'); import prose; \
print(' '.join(s.package for s in prose.SOURCES.values()))"); do
    cp -L "$PROSE_ROOT/usr/share/doc/$pkg/copyright" "$DEST/share/prose/copyright/$pkg"
  done
fi

# self-check with an environment that has nothing but the bundle
n=$(env -i LD_LIBRARY_PATH="$DEST/lib" "$DEST/bin/espeak-ng" --path="$DEST" --stdout -v en-us+m3 "carry check" | wc -c)
[ "$n" -gt 1000 ] || { echo "bundled espeak-ng produced no audio" >&2; exit 1; }
if [ "$WITH_FLITE" = 1 ]; then
  env -i LD_LIBRARY_PATH="$DEST/lib" "$DEST/bin/flite" -voice slt -t "carry check" -o "$DEST/.check.wav"
  rm -f "$DEST/.check.wav"
fi
if [ "$WITH_FESTIVAL" = 1 ]; then
  printf '(voice_kal_diphone)\n(utt.save.wave (utt.synth (Utterance Text "carry check")) "%s" (quote riff))\n' "$DEST/.check.wav" |
    env -i LD_LIBRARY_PATH="$DEST/lib" "$DEST/bin/festival" --libdir "$DEST/share/festival" --datadir "$DEST/share/festival" --pipe
  [ -s "$DEST/.check.wav" ] || { echo "bundled festival produced no audio" >&2; exit 1; }
  rm -f "$DEST/.check.wav"
fi
echo "bundled into $DEST ($(du -sh "$DEST" | cut -f1)); espeak-ng check: $n bytes of WAV"
if [ -n "$TAR" ]; then
  XZ_OPT=-9 tar -C "$(dirname "$DEST")" -cJf "$TAR" "$(basename "$DEST")"
  echo "packed into $TAR ($(du -sh "$TAR" | cut -f1)); unpack with: tar -C PARENT -xJf $TAR"
fi
