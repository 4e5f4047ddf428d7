// keepalived's enable_script_security, applied to every hook and track script: a root daemon must
// not run a file that someone other than root could have replaced. Refused when the file, or any
// directory on its path (the path as written and the path with links resolved), is
//   - owned by anyone but root (or the daemon's own user, when the daemon is not root), or
//   - a regular file or a directory without the sticky bit that is writable by others, or by a
//     group other than root's (keepalived's exact rule: /tmp, 1777 root, passes; a group-writable
//     directory of group root passes).
// The last element must be a regular file with an execute bit.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

namespace xvip {

// nullopt when the script may run; otherwise one message naming the offending path and the fix.
// `path` must be absolute. `daemon_uid` is the effective uid of the daemon (the trusted owner
// besides root).
std::optional<std::string> check_script_security(const std::string& path, uid_t daemon_uid);

}  // namespace xvip
