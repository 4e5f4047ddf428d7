// xvipd's state directory (the VIP state files, the control socket): created 0700 in one step, so
// it is never reachable with wider permissions, and refused when it is not plainly ours.
#pragma once

#include <filesystem>

namespace xvip {

// Creates `directory` with mode 0700 (its missing parents with the default mode), or checks the
// one there: it must be a directory, not a symbolic link, owned by this process's effective user;
// if group or others may write to it, it is narrowed to 0700 (what an older xvipd or a hand-made
// directory may have left). Throws std::system_error or std::runtime_error naming the directory,
// the reason and the fix.
void ensure_private_directory(const std::filesystem::path& directory);

}  // namespace xvip
