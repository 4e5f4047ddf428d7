#include "config/load_config.hpp"

#include "config/keepalived_conf.hpp"
#include "config/toml_config.hpp"

namespace xvip {

ReadResult load_config_file(const std::string& path) {
    if (path.ends_with(".toml")) return read_toml_config_file(path);
    return read_keepalived_conf_file(path);
}

}  // namespace xvip
