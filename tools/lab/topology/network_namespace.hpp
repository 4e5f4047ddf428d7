#pragma once

#include <string>
#include <vector>

namespace xvip::topo {

// A named network namespace (/run/netns/<name>), created with `ip netns add` and deleted with
// `ip netns del` when this is destroyed. Deleting it also destroys every veth end inside it, and
// with it the peer end in the other namespace.
class NetworkNamespace {
public:
    explicit NetworkNamespace(std::string name);
    ~NetworkNamespace();
    NetworkNamespace(NetworkNamespace&& other) noexcept;
    NetworkNamespace& operator=(NetworkNamespace&&) = delete;
    NetworkNamespace(const NetworkNamespace&) = delete;
    NetworkNamespace& operator=(const NetworkNamespace&) = delete;

    const std::string& name() const noexcept { return name_; }

private:
    std::string name_;
};

// argv prefixed with `ip netns exec <netns>`, which also gives the command a /sys of that namespace.
std::vector<std::string> in_netns(const std::string& netns, const std::vector<std::string>& argv);

// Sets one sysctl (`net.ipv6.conf.default.accept_dad`) inside a namespace; throws on failure.
void set_sysctl(const std::string& netns, const std::string& key, const std::string& value);

}  // namespace xvip::topo
