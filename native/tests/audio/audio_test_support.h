// Helpers for the audio tests: the block kernels this CPU runs, and for checks against files made by other
// tools (numpy, ffmpeg) shell commands and repository paths. Scratch directories and whole-file reads and
// writes are tests/formats/test_files.h's.
#pragma once

#include <string>
#include <vector>

namespace verbatim {

struct MelBlockKernel;

namespace test_support {

/** Every log-mel block kernel this CPU runs, scalar first. */
std::vector<const MelBlockKernel*> SupportedMelBlockKernels();

/** `text` single-quoted for /bin/sh. */
std::string ShellQuote(const std::string& text);

/** Runs `command` with /bin/sh; returns true when it exits with status 0. */
bool RunShell(const std::string& command);

/** The repository root (VERBATIM_REPO_ROOT) joined with `relative`. */
std::string RepoPath(const std::string& relative);

}  // namespace test_support
}  // namespace verbatim
